#!/usr/bin/env bash
# npm test: everything on a fresh clone. Installs the npm dependencies when node_modules is
# missing or older than package-lock.json (npm ci), starts the engines, registries, podman and
# qemu of the e2e suite (scripts/e2e-env.sh --all, idempotent: as root when something must be
# installed or started), then runs the unit and the e2e suites.
#
#   npm test                 all of it
#   npm test -- --unit-only  the unit suite alone (no engine needed)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

# npm ci when node_modules is missing or was installed from another package-lock.json.
ensure_node_modules() {
  local stamp=node_modules/.docker-ship-lock-sha256 want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then return 0; fi
  echo "[test] npm ci (node_modules missing or not from this package-lock.json)" >&2
  npm ci --no-audit --no-fund >&2
  printf '%s\n' "$want" >"$stamp"
}

unit_only=0
for arg in "$@"; do
  case $arg in
    --unit-only) unit_only=1 ;;
    *) echo "scripts/test.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

ensure_node_modules
npm run --silent test:unit
((unit_only)) && exit 0
bash scripts/e2e-env.sh --all
npm run --silent test:e2e
