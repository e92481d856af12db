# shellcheck shell=bash
# Base images for the e2e builds, made from Debian's busybox-static (nothing is pulled):
#   e2e/busybox:latest          in each engine's store (FROM of single-platform builds)
#   <registry 1>/e2e/base:latest an index of linux/amd64 and linux/arm64 (--qemu): a FROM of a
#                               local-only image of another platform makes BuildKit look it up on
#                               a public registry, so multi-platform builds take their base from here
# Sourced by scripts/e2e-env.sh.

BASE_IMAGE=e2e/busybox:latest
BASE_INDEX_REPO=e2e/base

base_image_exists() { timeout 15 docker "$@" image inspect "$BASE_IMAGE" >/dev/null 2>&1; }

# A root folder at DIR with BUSYBOX as bin/busybox and a link per applet.
busybox_root() { # dir busybox-binary
  local root=$1 applet
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev,run,var/tmp}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  cp "$2" "$root/bin/busybox"
  # The applet list of the host's busybox: the same Debian version, whatever the architecture.
  while read -r applet; do
    [[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
  done < <(/bin/busybox --list-full)
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

# The folder DIR as image REFERENCE in the main engine (FLAGS: e.g. --platform linux/arm64).
import_root() { # dir reference import-flags...
  local root=$1 ref=$2
  shift 2
  tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
    docker import "$@" -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' - "$ref" >/dev/null
}

make_base_image() {
  ensure_pkgs busybox-static
  local tmp version
  tmp=$(mktemp -d)
  busybox_root "$tmp/root" /bin/busybox
  version=$(/bin/busybox 2>/dev/null || true)
  version=${version%%$'\n'*}
  log "importing $BASE_IMAGE (${version% (*})"
  import_root "$tmp/root" "$BASE_IMAGE" || { rm -rf "$tmp"; die "docker import of $BASE_IMAGE failed"; }
  rm -rf "$tmp"
}

# A FROM $BASE_IMAGE build with a RUN step must work (run after the image is first made).
check_build() { # docker-args...
  local tmp out
  tmp=$(mktemp -d)
  printf 'FROM %s\nRUN echo hi > /x\n' "$BASE_IMAGE" >"$tmp/Dockerfile"
  if ! out=$(timeout 120 docker "$@" buildx build --no-cache --progress=plain --output type=cacheonly "$tmp" 2>&1); then
    rm -rf "$tmp"
    printf '%s\n' "$out" | tail -n 20 >&2
    die "docker buildx build of FROM $BASE_IMAGE + RUN failed (engine: docker $*)"
  fi
  rm -rf "$tmp"
}

ensure_base_image() {
  base_image_exists && return 0
  make_base_image
  check_build
}

# The base image copied from the main engine into the engine reached with "$@", and a RUN step
# built there.
ensure_extra_base_image() { # name docker-args...
  local name=$1
  shift
  base_image_exists "$@" && return 0
  log "loading $BASE_IMAGE into the $name engine"
  docker save "$BASE_IMAGE" | docker "$@" load >/dev/null || die "could not load $BASE_IMAGE into the $name engine"
  check_build "$@"
}

# busybox-static for arm64, downloaded with apt set to that architecture (dpkg's own
# architectures are left as they are). Prints the unpacked binary's path.
arm64_busybox() {
  local dir=$PREFIX/arm64
  if [[ ! -x $dir/root/bin/busybox ]]; then
    log "downloading busybox-static for arm64"
    rm -rf "$dir"
    mkdir -p "$dir/parts" "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs"
    suite_sources bookworm >"$dir/parts/bookworm.sources"
    local opts
    mapfile -t opts < <(apt_opts_for "$dir")
    opts+=(-oAPT::Architecture=arm64 -oAPT::Architectures=arm64)
    apt-get "${opts[@]}" update >/dev/null || die "apt-get update (arm64 lists) failed"
    (cd "$dir/debs" && apt-get "${opts[@]}" download busybox-static >/dev/null) || die "apt-get download busybox-static:arm64 failed"
    dpkg -x "$dir"/debs/busybox-static_*.deb "$dir/root"
    rm -rf "$dir/debs" "$dir/cache" "$dir/lists"
  fi
  printf '%s' "$dir/root/bin/busybox"
}

# registry 1's e2e/base:latest, an index of the amd64 and the arm64 busybox images. Pushed with
# an admin docker config of its own (the registry's main user), deleted afterwards.
ensure_base_index() { # registry user password
  local reg=$1 user=$2 password=$3
  if [[ $(printf 'user = "%s:%s"\n' "$user" "$password" |
    curl -s -o /dev/null -m 5 -w '%{http_code}' -K - -H 'Accept: application/vnd.oci.image.index.v1+json' \
      "http://$reg/v2/$BASE_INDEX_REPO/manifests/latest" || true) == 200 ]]; then
    return 0
  fi
  local tmp busybox
  busybox=$(arm64_busybox)
  tmp=$(mktemp -d)
  mkdir -p "$tmp/config"
  local d=(--config "$tmp/config")
  printf '%s' "$password" | docker "${d[@]}" login -u "$user" --password-stdin "$reg" >/dev/null 2>&1 ||
    { rm -rf "$tmp"; die "admin login to $reg failed"; }
  log "pushing $reg/$BASE_INDEX_REPO:latest (linux/amd64 + linux/arm64)"
  busybox_root "$tmp/root" "$busybox"
  import_root "$tmp/root" "$reg/$BASE_INDEX_REPO:arm64" --platform linux/arm64 || die "docker import (arm64) failed"
  docker tag "$BASE_IMAGE" "$reg/$BASE_INDEX_REPO:amd64"
  local tag
  for tag in amd64 arm64; do
    docker "${d[@]}" push -q "$reg/$BASE_INDEX_REPO:$tag" >/dev/null || { rm -rf "$tmp"; die "docker push $reg/$BASE_INDEX_REPO:$tag failed"; }
  done
  docker "${d[@]}" buildx imagetools create -t "$reg/$BASE_INDEX_REPO:latest" \
    "$reg/$BASE_INDEX_REPO:amd64" "$reg/$BASE_INDEX_REPO:arm64" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; rm -rf "$tmp"; die "docker buildx imagetools create of $reg/$BASE_INDEX_REPO:latest failed"; }
  docker "${d[@]}" logout "$reg" >/dev/null 2>&1 || true
  docker image rm "$reg/$BASE_INDEX_REPO:arm64" "$reg/$BASE_INDEX_REPO:amd64" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
