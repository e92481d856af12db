#!/usr/bin/env bash
# Records what docker 28 (CLI + buildx), docker 20.10 (classic) and podman 4.3 print for each
# registry failure the action names (wrong password, TLS, network, token server, credential helper,
# denied, an expired token), against the e2e environment's registries (scripts/e2e-env.sh). The
# files are the fixtures of __tests__/unit/registry-errors.test.ts: re-run this after an engine
# update and check the table still holds.
#
#   sudo scripts/capture-registry-errors.sh [OUT_DIR]   (default __tests__/unit/fixtures/registry-errors)
#
# Passwords go to the engines on stdin only; the outputs hold none.
set -Euo pipefail
OUT=${1:-$(dirname "$0")/../__tests__/unit/fixtures/registry-errors}
set -a
# shellcheck disable=SC1091
. /var/tmp/docker-ship-e2e/env
set +a
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf 'FROM scratch\nCOPY a /a\n' >"$WORK/Dockerfile"
date +%s%N >"$WORK/a"
CLASSIC=("$E2E_CLASSIC_DOCKER_CLI" -H "$E2E_CLASSIC_DOCKER_HOST")

# Runs "$@" with a fresh DOCKER_CONFIG / podman auth file and writes its output, with the
# temporary folder's name made stable, to OUT/NAME.txt.
record() { # name stdin command...
  local name=$1 input=$2 out
  shift 2
  rm -rf "$WORK/cfg" && mkdir -p "$WORK/cfg"
  [[ -f $WORK/config.json ]] && cp "$WORK/config.json" "$WORK/cfg/config.json"
  out=$(printf '%s\n' "$input" | DOCKER_CONFIG=$WORK/cfg REGISTRY_AUTH_FILE=$WORK/cfg/auth.json \
    CONTAINERS_STORAGE_CONF=$E2E_PODMAN_STORAGE_CONF CONTAINERS_REGISTRIES_CONF=${REGISTRIES_CONF:-$E2E_PODMAN_REGISTRIES_CONF} \
    BUILDAH_ISOLATION=chroot timeout 120 "$@" 2>&1)
  printf '%s\n' "${out//$WORK/\/tmp\/capture}" >"$OUT/$name.txt"
  echo "== $name"
  tail -n 2 "$OUT/$name.txt"
}

T=$E2E_TLS_REGISTRY
for engine in docker classic podman; do
  case $engine in
    docker) cmd=(docker) ;;
    classic) cmd=("${CLASSIC[@]}") ;;
    podman) cmd=(podman) ;;
  esac
  L=(login --username)
  record "$engine-login-wrong-password-token" wrong-password "${cmd[@]}" "${L[@]}" "$E2E_TLS_USER" --password-stdin "$T"
  record "$engine-login-wrong-password-basic" wrong-password "${cmd[@]}" "${L[@]}" "$E2E_REGISTRY_USER" --password-stdin "$E2E_REGISTRY"
  record "$engine-login-plain-http" x "${cmd[@]}" "${L[@]}" u --password-stdin "$E2E_TLS_PLAIN_HTTP_REGISTRY"
  record "$engine-login-untrusted" x "${cmd[@]}" "${L[@]}" u --password-stdin "$E2E_TLS_UNTRUSTED_REGISTRY"
  record "$engine-login-token-unreachable" "$E2E_TLS_PASSWORD" "${cmd[@]}" "${L[@]}" "$E2E_TLS_USER" --password-stdin "$E2E_TLS_DEAD_REALM_REGISTRY"
  record "$engine-login-refused" x "${cmd[@]}" "${L[@]}" u --password-stdin "$E2E_TLS_REFUSED_REGISTRY"
  record "$engine-login-dns" x "${cmd[@]}" "${L[@]}" u --password-stdin no-such-registry.invalid
done
# podman against a plain-HTTP registry on loopback without `insecure = true`.
printf 'unqualified-search-registries = []\n' >"$WORK/registries.conf"
REGISTRIES_CONF=$WORK/registries.conf record podman-login-plain-http-loopback "$E2E_REGISTRY_PASSWORD" podman login --username "$E2E_REGISTRY_USER" --password-stdin "$E2E_REGISTRY"
# Engines that do not answer.
record docker-engine-unreachable x docker -H tcp://127.0.0.1:9 login --username u --password-stdin "$T"
record docker-engine-unreachable-socket x docker -H unix:///var/run/no-such-docker.sock login --username u --password-stdin "$T"
record classic-engine-unreachable x "$E2E_CLASSIC_DOCKER_CLI" -H tcp://127.0.0.1:9 login --username u --password-stdin "$T"
record docker-buildx-engine-unreachable x docker -H tcp://127.0.0.1:9 buildx build --push -t "$T/ci-tls/capture:x" "$WORK"
# A credential store whose helper is not installed.
printf '{"credsStore":"ship-missing"}\n' >"$WORK/config.json"
record docker-login-helper-missing "$E2E_TLS_PASSWORD" docker login --username "$E2E_TLS_USER" --password-stdin "$T"
record classic-login-helper-missing "$E2E_TLS_PASSWORD" "${CLASSIC[@]}" login --username "$E2E_TLS_USER" --password-stdin "$T"
record docker-buildx-push-helper-missing "" docker buildx build --push -t "$T/ci-tls/capture:helper" "$WORK"
rm -f "$WORK/config.json"

# Pushes: read-only user (denied), a namespace not granted (denied), an expired token after login.
push_case() { # name user password ref
  local name=$1 user=$2 pw=$3 ref=$4
  record "docker-buildx-push-$name" "$pw" sh -c "docker login -u $user --password-stdin $T >/dev/null && docker buildx build --push -t $ref $WORK"
  record "docker-push-$name" "$pw" sh -c "docker login -u $user --password-stdin $T >/dev/null && docker build -q -t $ref $WORK >/dev/null && docker push $ref"
  record "classic-push-$name" "$pw" sh -c "${CLASSIC[*]} login -u $user --password-stdin $T >/dev/null && DOCKER_BUILDKIT=0 ${CLASSIC[*]} build -q -t $ref $WORK >/dev/null && ${CLASSIC[*]} push $ref"
  record "podman-push-$name" "$pw" sh -c "podman login -u $user --password-stdin $T >/dev/null && podman build -q -t $ref $WORK >/dev/null && podman push $ref"
}
push_case denied-read-only "$E2E_TLS_READONLY_USER" "$E2E_TLS_READONLY_PASSWORD" "$T/ci-tls/capture-ro:x"
push_case denied-namespace "$E2E_TLS_USER" "$E2E_TLS_PASSWORD" "$T/someone-else/capture:x"
push_case unauthorized-after-login "$E2E_TLS_STALE_USER" "$E2E_TLS_STALE_PASSWORD" "$T/ci-tls/capture-stale:x"
# A push without a login.
record docker-buildx-push-anonymous "" docker buildx build --push -t "$T/ci-tls/capture-anon:x" "$WORK"
