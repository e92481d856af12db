#!/usr/bin/env bash
# Demo: start a local engine and registry, then run the bundled action (dist/index.js) the way
# the GitHub runner does, as a push to the default branch of examples/sample-app, post step
# included, and show what the registry holds. Uses the committed dist/: no npm install needed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/e2e-env.sh"
# shellcheck disable=SC1090,SC1091
. "${E2E_STATE_DIR:-/var/tmp/docker-ship-e2e}/env"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/temp" "$work/home/.docker"
# The step's HOME is a fresh one, but a runner's HOME keeps its user's docker CLI plugins: a buildx
# in ~/.docker/cli-plugins (or $DOCKER_CONFIG/cli-plugins) is found there too.
plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
[[ ! -d $plugins ]] || ln -s "$plugins" "$work/home/.docker/cli-plugins"
: >"$work/output" && : >"$work/state" && : >"$work/env" && : >"$work/summary"
sha=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo 0123456789abcdef0123456789abcdef01234567)
cat >"$work/event.json" <<JSON
{"ref":"refs/heads/main","after":"$sha",
 "repository":{"name":"sample-app","full_name":"demo/sample-app","default_branch":"main",
   "html_url":"https://github.com/demo/sample-app","description":"docker-ship demo","license":{"spdx_id":"MIT"}},
 "head_commit":{"id":"$sha","timestamp":"$(date -u +%Y-%m-%dT%H:%M:%SZ)"}}
JSON

step() { # $1: main | post (each has its own entry, as action.yml's runs.main and runs.post say)
  local entry=index.js; [[ $1 == post ]] && entry=post/index.js
  env -i PATH="$PATH" HOME="$work/home" DOCKER_HOST="$E2E_DOCKER_HOST" CI=true GITHUB_ACTIONS=true RUNNER_TEMP="$work/temp" \
    GITHUB_WORKSPACE="$repo/examples/sample-app" GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$work/event.json" \
    GITHUB_REF=refs/heads/main GITHUB_REF_NAME=main GITHUB_REF_TYPE=branch GITHUB_SHA="$sha" \
    GITHUB_REPOSITORY=demo/sample-app GITHUB_REPOSITORY_OWNER=demo GITHUB_ACTOR=demo \
    GITHUB_OUTPUT="$work/output" GITHUB_STATE="$work/state" GITHUB_ENV="$work/env" GITHUB_STEP_SUMMARY="$work/summary" \
    INPUT_REGISTRY="$E2E_REGISTRY" INPUT_USERNAME="$E2E_REGISTRY_USER" INPUT_PASSWORD="$E2E_REGISTRY_PASSWORD" \
    INPUT_IMAGE=demo/sample-app INPUT_CONTEXT=. INPUT_PUSH=auto INPUT_LATEST=default-branch INPUT_ENGINE=auto \
    INPUT_DRY-RUN=false "${@:2}" \
    bash -c "cd '$repo/examples/sample-app' && node '$repo/dist/$entry'"
}
echo "== main step"
step main
# The runner hands the saved state to the post step as STATE_* variables.
state_env=()
while IFS= read -r line; do
  if [[ $line =~ ^([A-Za-z_][A-Za-z0-9_-]*)\<\<(.*)$ ]]; then name=${BASH_REMATCH[1]}; delim=${BASH_REMATCH[2]}; value=""
    while IFS= read -r l && [[ $l != "$delim" ]]; do value+="${value:+$'\n'}$l"; done
    state_env+=("STATE_$name=$value")
  fi
done <"$work/state"
echo "== post step"
step post "${state_env[@]}"

echo
output() { awk -v n="$1" '$0 ~ "^"n"<<" {f=1; next} /^ghadelimiter_/ {f=0} f' "$work/output"; }
echo "== pushed references (output tags)"
output tags
echo "== digest (output digest)"
output digest
echo "== registry $E2E_REGISTRY holds demo/sample-app tags:"
curl -fsS -u "$E2E_REGISTRY_USER:$E2E_REGISTRY_PASSWORD" "http://$E2E_REGISTRY/v2/demo/sample-app/tags/list"
echo
