# shellcheck shell=bash
# The two distribution registries of the e2e suite, with htpasswd auth, on 127.0.0.1:5000 and
# 127.0.0.1:5001 (plain HTTP on loopback, which docker, BuildKit and podman accept). Sourced by
# scripts/e2e-env.sh.

REGISTRY_PKGS_NEW=()
ensure_registry_pkgs() {
  ensure_pkgs docker-registry apache2-utils curl
  REGISTRY_PKGS_NEW=("${NEWLY_INSTALLED[@]}")
  # On a systemd machine the package starts its own registry on :5000; stop it when we
  # installed it just now.
  local p
  for p in "${REGISTRY_PKGS_NEW[@]}"; do
    if [[ $p == docker-registry ]] && [[ -d /run/systemd/system ]] &&
      systemctl is-active --quiet docker-registry 2>/dev/null; then
      log "stopping and disabling the packaged docker-registry.service (it takes port 5000)"
      systemctl disable --now docker-registry >/dev/null 2>&1 || true
    fi
  done
}

# Does http://$1/v2/ accept user $2 with password $3? (The credentials go to curl on stdin,
# never in argv.)
registry_accepts() {
  [[ $(printf 'user = "%s:%s"\n' "$2" "$3" | curl -s -o /dev/null -m 5 -w '%{http_code}' -K - "http://$1/v2/" || true) == 200 ]]
}

# Args: name addr user [extra-user...]. Sets REG_PASSWORD (of user), REG_PASSWORDS (every
# user -> password) and REG_LOG. The main user's password is kept in $dir/password, an extra
# user's in $dir/password-<user>; the htpasswd file holds exactly these users. The registry
# re-reads htpasswd when its mtime changes (distribution 2.8 htpasswd access controller), so a
# user added here works without a restart.
declare -A REG_PASSWORDS=()
ensure_registry() {
  local name=$1 addr=$2 user=$3
  shift 3
  local users=("$user" "$@")
  local dir=$STATE_DIR/$name
  mkdir -p "$dir/data"
  [[ -s $dir/password ]] || { random_alnum 24 >"$dir/password"; chmod 600 "$dir/password"; }
  [[ -s $dir/http-secret ]] || { random_alnum 32 >"$dir/http-secret"; chmod 600 "$dir/http-secret"; }
  REG_PASSWORDS=()
  local u pwfile
  for u in "${users[@]}"; do
    pwfile=$dir/password-$u
    [[ $u == "$user" ]] && pwfile=$dir/password
    [[ -s $pwfile ]] || { random_alnum 24 >"$pwfile"; chmod 600 "$pwfile"; }
    REG_PASSWORDS[$u]=$(<"$pwfile")
  done
  REG_PASSWORD=${REG_PASSWORDS[$user]}
  REG_LOG=$STATE_DIR/$name.log
  # Rewrite htpasswd only when a user is missing, has another password, or is one too many.
  local stale=0
  if [[ ! -s $dir/htpasswd ]] || [[ $(grep -c . "$dir/htpasswd") != "${#users[@]}" ]]; then
    stale=1
  else
    for u in "${users[@]}"; do
      printf '%s\n' "${REG_PASSWORDS[$u]}" | htpasswd -v -i "$dir/htpasswd" "$u" >/dev/null 2>&1 || { stale=1; break; }
    done
  fi
  if ((stale)); then
    log "writing $dir/htpasswd (users: ${users[*]})"
    : >"$dir/htpasswd.tmp"
    chmod 600 "$dir/htpasswd.tmp"
    for u in "${users[@]}"; do
      printf '%s\n' "${REG_PASSWORDS[$u]}" | htpasswd -inB "$u" | grep . >>"$dir/htpasswd.tmp"
    done
    mv -f "$dir/htpasswd.tmp" "$dir/htpasswd"
  fi
  write_if_changed "$dir/config.yml" "version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: $name
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $addr
  secret: $(<"$dir/http-secret")
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: $name
    path: $dir/htpasswd" 600

  local code
  code=$(http_code "http://$addr/v2/")
  if [[ $code == 000 ]]; then
    log "starting $name on $addr (log: $REG_LOG)"
    printf '\n===== %s starting docker-registry serve %s\n' "$(date -Is)" "$dir/config.yml" >>"$REG_LOG"
    setsid nohup /usr/bin/docker-registry serve "$dir/config.yml" </dev/null >>"$REG_LOG" 2>&1 9>&- &
    local pid=$!
    echo "$pid" >"$dir/pid"
    local i
    for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
      code=$(http_code "http://$addr/v2/")
      [[ $code == 000 ]] || break
      kill -0 "$pid" 2>/dev/null || { tail -n 20 "$REG_LOG" >&2; die "$name exited during startup; log: $REG_LOG"; }
      sleep 0.25
    done
  fi
  [[ $code == 401 ]] ||
    die "http://$addr/v2/ answers HTTP $code, expected 401 (another registry on that port? e.g. docker-registry.service)"
  for u in "${users[@]}"; do
    registry_accepts "$addr" "$u" "${REG_PASSWORDS[$u]}" ||
      die "http://$addr/v2/ rejects $u with the password in $dir/password* (a registry that this state dir did not start holds the port?)"
  done
}

