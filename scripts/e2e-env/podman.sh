# shellcheck shell=bash
# podman, buildah and skopeo with the configuration a self-hosted runner's admin would give jobs
# as root here: a storage.conf (vfs driver, its own graphroot) and a registries.conf
# (127.0.0.1:5000/5001 insecure = plain HTTP), with e2e/busybox:latest copied from the Docker
# engine into that storage. Sourced by scripts/e2e-env.sh.

PODMAN_DIR=$STATE_DIR/podman
PODMAN_GRAPHROOT=/var/lib/docker-ship-e2e-podman
PODMAN_RUNROOT=/run/docker-ship-e2e-podman

# podman with the e2e configuration (what the tests put in the step's env).
podman_e2e() {
  CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf CONTAINERS_REGISTRIES_CONF=$PODMAN_DIR/registries.conf \
    BUILDAH_ISOLATION=chroot timeout 120 podman "$@"
}

ensure_podman() {
  ensure_pkgs podman buildah skopeo
  mkdir -p "$PODMAN_DIR"
  # overlay-on-overlay and fuse-overlayfs are not given here: vfs works everywhere as root.
  write_if_changed "$PODMAN_DIR/storage.conf" "[storage]
driver = \"vfs\"
graphroot = \"$PODMAN_GRAPHROOT\"
runroot = \"$PODMAN_RUNROOT\""
  write_if_changed "$PODMAN_DIR/registries.conf" "unqualified-search-registries = []

[[registry]]
location = \"127.0.0.1:5000\"
insecure = true

[[registry]]
location = \"127.0.0.1:5001\"
insecure = true"
  podman_e2e image exists "$BASE_IMAGE" && return 0
  log "loading $BASE_IMAGE into podman storage ($PODMAN_GRAPHROOT)"
  docker save "$BASE_IMAGE" | podman_e2e load -q >/dev/null || die "could not load $BASE_IMAGE into podman storage"
  local tmp out
  tmp=$(mktemp -d)
  printf 'FROM %s\nRUN echo hi > /x\n' "$BASE_IMAGE" >"$tmp/Dockerfile"
  if ! out=$(podman_e2e build --no-cache --iidfile "$tmp/iid" "$tmp" 2>&1); then
    rm -rf "$tmp"
    printf '%s\n' "$out" | tail -n 20 >&2
    die "podman build of FROM $BASE_IMAGE + RUN failed"
  fi
  podman_e2e rmi "$(<"$tmp/iid")" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}

