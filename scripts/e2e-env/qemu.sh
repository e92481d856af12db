# shellcheck shell=bash
# Foreign platforms under emulation: Debian's qemu-user-static registers its interpreters in
# binfmt_misc with the F flag (opened at registration, so they work inside containers), which is
# what an arm64 RUN step of a multi-platform build needs. Sourced by scripts/e2e-env.sh.

BINFMT=/proc/sys/fs/binfmt_misc

qemu_registered() { [[ -f $BINFMT/qemu-aarch64 ]] && grep -q '^enabled' "$BINFMT/qemu-aarch64"; }

ensure_qemu() {
  ensure_pkgs qemu-user-static binfmt-support
  [[ -f $BINFMT/status ]] || mount -t binfmt_misc binfmt_misc "$BINFMT" || die "cannot mount $BINFMT"
  if ! qemu_registered; then
    log "registering the qemu interpreters in $BINFMT"
    update-binfmts --enable >/dev/null 2>&1 || true
    [[ -f $BINFMT/qemu-aarch64 ]] || update-binfmts --import >/dev/null 2>&1 || true
  fi
  qemu_registered || die "qemu-aarch64 is not registered in $BINFMT after update-binfmts"
  grep -q '^flags:.*F' "$BINFMT/qemu-aarch64" ||
    die "qemu-aarch64 is registered without the F flag: RUN steps in containers would not find it"
}
