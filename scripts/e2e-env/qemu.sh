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

# An emulator installer image like tonistiigi/binfmt (what the action's qemu-image runs, with
# `--install arm64,arm` / `--uninstall ...`), made from Debian's static qemu binaries and the
# magic/mask of /usr/share/binfmts: Docker Hub cannot be reached here. It registers with the F
# flag, so the interpreter path inside the container is opened at registration and outlives it.
QEMU_INSTALLER=docker-ship-e2e/binfmt:local
QEMU_INSTALLER_ARCHES="aarch64 arm"

ensure_qemu_installer() {
  local version tmp q
  version=$(dpkg-query -W -f='${Version}' qemu-user-static)
  [[ $(timeout 15 docker image inspect -f '{{index .Config.Labels "qemu-user-static"}}' "$QEMU_INSTALLER" 2>/dev/null) == "$version" ]] && return 0
  log "building $QEMU_INSTALLER from qemu-user-static $version ($QEMU_INSTALLER_ARCHES)"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/binfmt"
  for q in $QEMU_INSTALLER_ARCHES; do
    cp "/usr/bin/qemu-$q-static" "$tmp/"
    # name magic mask, as the entrypoint writes them to the register file
    awk -v q="$q" '$1 == "magic" { m = $2 } $1 == "mask" { k = $2 } END { print "qemu-" q, m, k }' \
      "/usr/share/binfmts/qemu-$q" >"$tmp/binfmt/qemu-$q"
  done
  cat >"$tmp/install.sh" <<'SH'
#!/bin/sh
# --install ARCH[,ARCH] (platform architectures: arm64, arm) and --uninstall NAME[,NAME] (qemu-aarch64).
set -u
mnt=/proc/sys/fs/binfmt_misc
[ -f "$mnt/status" ] || mount -t binfmt_misc binfmt_misc "$mnt"
entry() { case $1 in arm64 | aarch64 | linux/arm64) echo qemu-aarch64 ;; arm | linux/arm*) echo qemu-arm ;; *) echo "$1" ;; esac; }
while [ $# -gt 1 ]; do
  for a in $(echo "$2" | tr , ' '); do
    name=$(entry "$a")
    case $1 in
      --install)
        if [ ! -f "/etc/binfmt/$name" ]; then echo "installing: $a unsupported architecture"; continue; fi
        read -r n magic mask <"/etc/binfmt/$name"
        if printf ':%s:M::%s:%s:/usr/bin/%s-static:F' "$n" "$magic" "$mask" "$n" >"$mnt/register" 2>/dev/null
        then echo "installing: $a OK"; else echo "installing: $a cannot register $name (already registered?)"; fi ;;
      --uninstall)
        if echo -1 >"$mnt/$name" 2>/dev/null; then echo "uninstalling: $name OK"; else echo "uninstalling: $name not found"; fi ;;
    esac
  done
  shift 2
done
for f in "$mnt"/qemu-*; do [ -f "$f" ] && head -n 1 "$f" | grep -q enabled && echo "emulator: ${f##*/}"; done
exit 0
SH
  printf 'FROM %s\nLABEL qemu-user-static=%s\nCOPY qemu-*-static /usr/bin/\nCOPY binfmt/ /etc/binfmt/\nCOPY install.sh /usr/bin/binfmt-install\nENTRYPOINT ["/bin/sh", "/usr/bin/binfmt-install"]\n' \
    "$BASE_IMAGE" "$version" >"$tmp/Dockerfile"
  if ! timeout 300 docker build -q -t "$QEMU_INSTALLER" "$tmp" >/dev/null; then
    rm -rf "$tmp"
    die "docker build of $QEMU_INSTALLER failed"
  fi
  rm -rf "$tmp"
}
