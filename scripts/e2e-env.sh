#!/usr/bin/env bash
# Install and start everything the end-to-end tests, the demo and the bench need on this machine.
#
#   sudo scripts/e2e-env.sh [--podman] [--remote-engine] [--classic-engine] [--qemu] [--all]
#
# Idempotent: a second run starts nothing that already answers and rewrites nothing that is
# already right. Needs root, apt-get (Debian 12 bookworm) and the docker CLI on PATH.
#
# What it sets up (the env file it writes holds the values the tests read); each part is a file
# of scripts/e2e-env/:
#   - engines.sh: a Docker engine with buildx, unless one already answers (an owner-installed
#     Docker; buildx is then added to /usr/local/lib/docker/cli-plugins only when the CLI finds
#     none, in a system folder or the user's): dockerd 28 + buildx 0.29 + containerd 2 unpacked
#     from Debian forky's .debs (trixie's 26.1 + buildx 0.13 when forky's cannot run here, said
#     in the log), runc/tini from bookworm, containerd image store (debs.sh fetches and checks them)
#   - registries.sh: two distribution registries with htpasswd auth, 127.0.0.1:5000 and :5001;
#     registry 1 also has the users ci-hygiene and ci-peer
#   - tls-registry.sh: an HTTPS registry with bearer-token auth (distribution's `auth: token` and
#     token-server.mjs, RS256 JWTs as Docker Hub signs them) on 198.18.0.1:5443 (not loopback:
#     dockerd skips certificate checks there), its CA trusted by docker, podman and the OS store,
#     and the error endpoints beside it (dead realm, unknown CA, plain HTTP, refused). It runs
#     before the engines start: dockerd reads the OS store only once
#   - images.sh: e2e/busybox:latest made from busybox-static (nothing is pulled)
#   - --podman (podman.sh): podman, buildah, skopeo, a vfs storage.conf and a registries.conf
#   - --remote-engine: a second dockerd of the same binaries on tcp://127.0.0.1:2376
#   - --classic-engine: bookworm's dockerd 20.10 on the classic image store (built-in BuildKit
#     v0.8), on unix:///var/run/docker-e2e-classic.sock
#   - --qemu (qemu.sh): qemu-user-static registered in binfmt_misc, registry 1's
#     e2e/base:latest, an index of linux/amd64 + linux/arm64 busybox images, and
#     docker-ship-e2e/binfmt:local, an emulator installer like tonistiigi/binfmt (qemu-image)
#   - --all: every part above (what `npm test` asks for)
#
# Environment: E2E_STATE_DIR (default /var/tmp/docker-ship-e2e), E2E_PREFIX (default
# /opt/docker-ship-e2e), E2E_DOCKER_SUITES (default "forky trixie": the suites tried in turn).
set -Eeuo pipefail

STATE_DIR=${E2E_STATE_DIR:-/var/tmp/docker-ship-e2e}
PREFIX=${E2E_PREFIX:-/opt/docker-ship-e2e}
ENV_FILE=$STATE_DIR/env
WAIT_SECONDS=60
PARTS=$(cd "$(dirname "$0")/e2e-env" && pwd)

# shellcheck source=e2e-env/common.sh
. "$PARTS/common.sh"
trap 'die "command failed (exit $?) at line $LINENO of ${BASH_SOURCE[0]##*/}: $BASH_COMMAND"' ERR
for part in debs engines registries tls-registry images podman qemu; do
  # shellcheck disable=SC1090
  . "$PARTS/$part.sh"
done

usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/!p}' "$0" | sed 's/^# \{0,1\}//'; }

WITH_PODMAN=0 WITH_REMOTE=0 WITH_CLASSIC=0 WITH_QEMU=0
for arg in "$@"; do
  case $arg in
    --podman) WITH_PODMAN=1 ;;
    --remote-engine) WITH_REMOTE=1 ;;
    --classic-engine) WITH_CLASSIC=1 ;;
    --qemu) WITH_QEMU=1 ;;
    --all) WITH_PODMAN=1 WITH_REMOTE=1 WITH_CLASSIC=1 WITH_QEMU=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

[[ $(id -u) == 0 ]] || die "must run as root (it installs packages and starts daemons)"
command -v apt-get >/dev/null || die "apt-get not found: this script targets Debian"
command -v docker >/dev/null || die "the docker CLI is not on PATH"

mkdir -p "$STATE_DIR" "$PREFIX"
chmod 700 "$STATE_DIR"
# One run at a time.
exec 9>>"$STATE_DIR/.lock"
flock -w 300 9 || die "another run of $0 holds $STATE_DIR/.lock"

START=$SECONDS
ensure_registry_pkgs
# Before the engines: dockerd (and BuildKit in it) reads the OS store only once.
ensure_tls_registry
ensure_engine

ensure_registry registry1 127.0.0.1:5000 ci-user ci-hygiene ci-peer
REG1_PASSWORD=$REG_PASSWORD REG1_LOG=$REG_LOG
REG1_PASSWORD3=${REG_PASSWORDS[ci-hygiene]} REG1_PASSWORD4=${REG_PASSWORDS[ci-peer]}
ensure_registry registry2 127.0.0.1:5001 ci-user2
REG2_PASSWORD=$REG_PASSWORD REG2_LOG=$REG_LOG

ensure_base_image
((WITH_PODMAN)) && ensure_podman
((WITH_REMOTE)) && ensure_remote_engine
((WITH_CLASSIC)) && ensure_classic_engine
if ((WITH_QEMU)); then
  ensure_qemu
  ensure_qemu_installer
  ensure_base_index 127.0.0.1:5000 ci-user "$REG1_PASSWORD"
fi

# The buildx plugin the CLI runs (where the owner put it, or ours): layout tests place it in a
# user, DOCKER_CONFIG or system folder of their own.
BUILDX_PLUGIN=$(docker info --format '{{range .ClientInfo.Plugins}}{{if eq .Name "buildx"}}{{.Path}}{{end}}{{end}}' 2>/dev/null || true)
[[ -n $BUILDX_PLUGIN ]] || die "the docker CLI reports no buildx plugin"

ENV_CONTENT="E2E_REGISTRY=127.0.0.1:5000
E2E_REGISTRY_USER=ci-user
E2E_REGISTRY_PASSWORD=$REG1_PASSWORD
E2E_REGISTRY_LOG=$REG1_LOG
E2E_REGISTRY_USER3=ci-hygiene
E2E_REGISTRY_PASSWORD3=$REG1_PASSWORD3
E2E_REGISTRY_USER4=ci-peer
E2E_REGISTRY_PASSWORD4=$REG1_PASSWORD4
E2E_REGISTRY2=127.0.0.1:5001
E2E_REGISTRY2_USER=ci-user2
E2E_REGISTRY2_PASSWORD=$REG2_PASSWORD
E2E_REGISTRY2_LOG=$REG2_LOG
E2E_BASE_IMAGE=$BASE_IMAGE
E2E_BUILDX_PLUGIN=$BUILDX_PLUGIN
E2E_DOCKER_HOST=$MAIN_HOST
E2E_DOCKERD_LOG=$DOCKERD_LOG
E2E_TLS_REGISTRY=$TLS_ADDRESS:5443
E2E_TLS_TOKEN_REALM=https://$TLS_ADDRESS:5444/token
E2E_TLS_DEAD_REALM_REGISTRY=$TLS_ADDRESS:5445
E2E_TLS_UNTRUSTED_REGISTRY=$TLS_ADDRESS:5446
E2E_TLS_PLAIN_HTTP_REGISTRY=$TLS_ADDRESS:5447
E2E_TLS_REFUSED_REGISTRY=$TLS_ADDRESS:5448
E2E_TLS_CA=$TLS_CA
E2E_TLS_USER=ci-tls
E2E_TLS_PASSWORD=${TLS_PASSWORDS[ci-tls]}
E2E_TLS_READONLY_USER=ci-tls-ro
E2E_TLS_READONLY_PASSWORD=${TLS_PASSWORDS[ci-tls-ro]}
E2E_TLS_STALE_USER=ci-tls-stale
E2E_TLS_STALE_PASSWORD=${TLS_PASSWORDS[ci-tls-stale]}
E2E_TLS_LOG=$TLS_LOG
E2E_TLS_TOKEN_LOG=$TLS_TOKEN_LOG"
# The env-file lines of an optional part: this run's when it was asked for, else an earlier run's
# (read back from the env file) while the part still works.
optional_env() { # asked key-prefix lines check-command...
  local asked=$1 prefix=$2 lines=$3
  shift 3
  if ((asked)); then
    ENV_CONTENT+=$'\n'"$lines"
  elif [[ -f $ENV_FILE ]] && grep -q "^$prefix" "$ENV_FILE" && "$@" >/dev/null 2>&1; then
    ENV_CONTENT+=$'\n'"$(grep "^$prefix" "$ENV_FILE")"
  fi
}
optional_env "$WITH_REMOTE" E2E_REMOTE_ "E2E_REMOTE_DOCKER_HOST=$REMOTE_TCP
E2E_REMOTE_DOCKERD_LOG=$REMOTE_LOG" engine_answers -H "$REMOTE_TCP"
optional_env "$WITH_CLASSIC" E2E_CLASSIC_ "E2E_CLASSIC_DOCKER_HOST=$CLASSIC_HOST
E2E_CLASSIC_DOCKERD_LOG=$CLASSIC_LOG
E2E_CLASSIC_DOCKER_CLI=$PREFIX/bookworm/usr/bin/docker" engine_answers -H "$CLASSIC_HOST"
optional_env "$WITH_PODMAN" E2E_PODMAN_ "E2E_PODMAN_STORAGE_CONF=$PODMAN_DIR/storage.conf
E2E_PODMAN_REGISTRIES_CONF=$PODMAN_DIR/registries.conf" command -v podman
optional_env "$WITH_QEMU" E2E_BASE_INDEX "E2E_BASE_INDEX=127.0.0.1:5000/$BASE_INDEX_REPO:latest" qemu_registered
write_if_changed "$ENV_FILE" "$ENV_CONTENT" 600

{
  echo "[e2e-env] ready in $((SECONDS - START)) s"
  echo "  engine:     $ENGINE_MODE"
  echo "              $MAIN_HOST: $(engine_summary), client $(docker version --format '{{.Client.Version}}' 2>/dev/null || echo '?')"
  echo "  buildx:     $(docker buildx version 2>/dev/null | head -n 1 || echo '?') ($BUILDX_PLUGIN)"
  echo "  registry 1: 127.0.0.1:5000  users ci-user, ci-hygiene, ci-peer  (log $REG1_LOG)"
  echo "  registry 2: 127.0.0.1:5001  user ci-user2  (log $REG2_LOG)"
  echo "  tls:        https://$TLS_ADDRESS:5443 (token auth, realm https://$TLS_ADDRESS:5444/token), users ${TLS_USERS[*]}, CA $TLS_CA"
  echo "  base image: $BASE_IMAGE"
  ((WITH_PODMAN)) && echo "  podman:     $(podman --version), storage $PODMAN_DIR/storage.conf (vfs), registries $PODMAN_DIR/registries.conf"
  ((WITH_REMOTE)) && echo "  remote:     $REMOTE_TCP, $(engine_summary -H "$REMOTE_TCP") (log $REMOTE_LOG)"
  ((WITH_CLASSIC)) && echo "  classic:    $CLASSIC_HOST, $(engine_summary -H "$CLASSIC_HOST") (log $CLASSIC_LOG)"
  ((WITH_QEMU)) && echo "  qemu:       $(ls "$BINFMT" | grep -c '^qemu-') interpreters registered; base index 127.0.0.1:5000/$BASE_INDEX_REPO:latest"
  echo "  env file:   $ENV_FILE"
} >&2
