#!/usr/bin/env bash
# Checks what .github/workflows/self-test.yml's `uses: ./` steps produced, from the environment
# that workflow sets: the derived tags for the event, the push decision, the dry-run plan, and
# what the registry:2 service on localhost:5000 holds.
set -euo pipefail
fail() {
  echo "::error::$*"
  exit 1
}
has_tag() {
  grep -qxF "$IMAGE:$1" <<<"$TAGS" || fail "expected the reference $IMAGE:$1, got: $(tr '\n' ' ' <<<"$TAGS")"
}

echo "event=$EVENT ref=$REF_TYPE/$REF_NAME image=$IMAGE pushed=$PUSHED digest=${DIGEST:-none}"
printf '%s\n' "$TAGS"
[[ $IMAGE == localhost:5000/docker-ship/sample-app ]] || fail "image output is $IMAGE"
[[ $TAGS == "$PLANNED" ]] || fail "the dry run planned other references: $PLANNED"

if [[ $EVENT == pull_request* ]]; then
  has_tag "pr-$PR"
  [[ $PUSHED == false ]] || fail 'a pull request must not push (push: auto)'
  [[ -z $DIGEST ]] || fail "nothing was pushed, yet digest is $DIGEST"
  echo "pull request: built pr-$PR, not pushed"
  exit 0
fi

if [[ $REF_TYPE == tag ]]; then
  has_tag "$REF_NAME"
  if [[ $REF_NAME =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+)$ ]]; then
    has_tag "${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
    has_tag "${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
  fi
else
  has_tag "sha-${SHA:0:7}"
  if [[ $REF_NAME == "$DEFAULT_BRANCH" ]]; then has_tag latest; fi
fi
[[ $PUSHED == true ]] || fail "a $EVENT event must push (push: auto)"
[[ $DIGEST == sha256:* ]] || fail "digest output is '$DIGEST'"

listing=$(curl -fsS "http://localhost:5000/v2/docker-ship/sample-app/tags/list")
echo "registry: $listing"
while IFS= read -r ref; do
  tag=${ref##*:}
  grep -qF "\"$tag\"" <<<"$listing" || fail "the registry has no tag $tag"
done <<<"$TAGS"

docker pull "$IMAGE@$DIGEST"
docker run -d --rm --name sample-app -p 8080:8080 "$IMAGE@$DIGEST"
trap 'docker rm -f sample-app >/dev/null 2>&1 || true' EXIT
body=$(curl -fsS --retry 10 --retry-connrefused --retry-delay 1 http://localhost:8080/build.txt)
[[ $body == 'sample app' ]] || fail "the pushed image serves '$body'"
echo "pushed, pulled by digest and ran: ok"
