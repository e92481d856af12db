# shellcheck shell=bash
# The HTTPS registry of the e2e suite with bearer-token auth, as Docker Hub works: a distribution
# registry with `auth: token` and the token server token-server.mjs (RS256 JWTs with x5c), both on
# TLS_ADDRESS (default 198.18.0.1, added to `lo`: dockerd treats 127.0.0.0/8 as insecure and would
# skip the certificate check there). The suite's own CA signs the server certificate (SAN = the
# address); the CA is trusted by docker (/etc/docker/certs.d), podman (/etc/containers/certs.d) and
# the OS store (update-ca-certificates). dockerd (BuildKit inside it too) reads the OS store once
# (dockerd 28.5 reads certs.d on every push), so e2e-env.sh runs this part before the engines,
# and engines.sh restarts the suite's own dockerd once when it does not trust the CA yet.
#   TLS_ADDRESS:5443  the registry (users ci-tls: push+pull on ci-tls/*, ci-tls-ro: pull only,
#                     ci-tls-stale: push, but its first push token after a login has expired)
#   TLS_ADDRESS:5444  the token server (HTTPS, realm https://TLS_ADDRESS:5444/token)
#   TLS_ADDRESS:5445  a registry whose realm is a port nothing listens on (token server unreachable)
#   TLS_ADDRESS:5446  HTTPS with a certificate of a CA nobody trusts
#   TLS_ADDRESS:5447  plain HTTP where clients expect HTTPS
#   TLS_ADDRESS:5448  nothing (connection refused)
# Sourced by scripts/e2e-env.sh.

TLS_ADDRESS=${E2E_TLS_ADDRESS:-198.18.0.1}
TLS_DIR=$STATE_DIR/tls
TLS_CA=$TLS_DIR/ca.crt
TLS_LOG=$STATE_DIR/tls-registry.log
TLS_TOKEN_LOG=$STATE_DIR/token-server.log
TLS_OS_CA=/usr/local/share/ca-certificates/docker-ship-e2e-ca.crt
TLS_USERS=(ci-tls ci-tls-ro ci-tls-stale)
declare -A TLS_PASSWORDS=()

# The address on `lo` (a /32 of the benchmarking range 198.18.0.0/15: routed nowhere else).
ensure_tls_address() {
  ip -4 addr show dev lo | grep -q "inet $TLS_ADDRESS/" && return 0
  ip addr add "$TLS_ADDRESS/32" dev lo ||
    die "cannot add $TLS_ADDRESS/32 to lo (set E2E_TLS_ADDRESS to an address of this machine that is not 127.0.0.0/8)"
}

# A key and a certificate signed by CA (or self-signed without one), remade when missing or when
# its subjectAltName is not SAN.
tls_cert() { # name subject san ca-name
  local name=$1 subject=$2 san=$3 ca=${4:-} crt=$TLS_DIR/$1.crt key=$TLS_DIR/$1.key
  if [[ -s $crt && -s $key ]] &&
    { [[ -z $san ]] || openssl x509 -in "$crt" -noout -ext subjectAltName 2>/dev/null | grep -qF "${san#IP:}"; } &&
    { [[ -z $ca ]] || openssl verify -CAfile "$TLS_DIR/$ca.crt" "$crt" >/dev/null 2>&1; }; then
    return 0
  fi
  log "making $crt ($subject, $san)"
  openssl genrsa -out "$key" 2048 2>/dev/null
  chmod 600 "$key"
  if [[ -z $ca ]]; then
    openssl req -x509 -new -key "$key" -sha256 -days 3650 -subj "$subject" -out "$crt" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  else
    openssl req -new -key "$key" -subj "$subject" -out "$TLS_DIR/$name.csr" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" >"$TLS_DIR/$name.ext"
    openssl x509 -req -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/$ca.crt" -CAkey "$TLS_DIR/$ca.key" -CAcreateserial \
      -days 3650 -sha256 -extfile "$TLS_DIR/$name.ext" -out "$crt" 2>/dev/null
    rm -f "$TLS_DIR/$name.csr" "$TLS_DIR/$name.ext"
  fi
}

tls_trust() { # file content
  mkdir -p "$(dirname "$1")"
  write_if_changed "$1" "$2"
}

# A registry config of this part: NAME on PORT with realm REALM.
tls_registry_config() { # name port realm
  local dir=$TLS_DIR/$1
  mkdir -p "$dir/data"
  [[ -s $dir/http-secret ]] || { random_alnum 32 >"$dir/http-secret"; chmod 600 "$dir/http-secret"; }
  write_if_changed "$dir/config.yml" "version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: $1
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $TLS_ADDRESS:$2
  secret: $(<"$dir/http-secret")
  tls:
    certificate: $TLS_DIR/server.crt
    key: $TLS_DIR/server.key
auth:
  token:
    realm: $3
    service: e2e-tls-registry
    issuer: e2e-token-server
    rootcertbundle: $TLS_DIR/signer.crt" 600
}

# Start "$@" in the background (its pid in PIDFILE) unless URL already answers; wait for URL.
tls_start() { # name pidfile url log command...
  local name=$1 pidfile=$2 url=$3 logf=$4
  shift 4
  [[ $(http_code --cacert "$TLS_CA" "$url") == 000 ]] || return 0
  log "starting $name (log: $logf)"
  printf '\n===== %s starting %s\n' "$(date -Is)" "$*" >>"$logf"
  setsid nohup "$@" </dev/null >>"$logf" 2>&1 9>&- &
  local pid=$! i
  echo "$pid" >"$pidfile"
  for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
    [[ $(http_code --cacert "$TLS_CA" "$url") == 000 ]] || return 0
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$logf" >&2; die "$name exited during startup; log: $logf"; }
    sleep 0.25
  done
  die "$name did not answer at $url within ${WAIT_SECONDS}s; log: $logf"
}

# Does the token-auth registry let USER log in (token server, then /v2/ with the token)?
tls_login_works() { # user password
  local token
  token=$(printf 'user = "%s:%s"\n' "$1" "$2" | curl -s -m 5 --cacert "$TLS_CA" -K - \
    "https://$TLS_ADDRESS:5444/token?service=e2e-tls-registry" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  [[ -n $token ]] && [[ $(printf 'header = "Authorization: Bearer %s"\n' "$token" |
    curl -s -o /dev/null -m 5 -w '%{http_code}' --cacert "$TLS_CA" -K - "https://$TLS_ADDRESS:5443/v2/") == 200 ]]
}

ensure_tls_registry() {
  ensure_pkgs openssl ca-certificates curl docker-registry
  command -v node >/dev/null || die "node is not on PATH (the token server is a Node script)"
  ensure_tls_address
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  tls_cert ca "/CN=docker-ship e2e CA" "" ""
  tls_cert server "/CN=$TLS_ADDRESS" "IP:$TLS_ADDRESS" ca
  tls_cert signer "/CN=e2e-token-server" "" ""
  tls_cert unknown-ca "/CN=a CA nobody trusts" "" ""
  tls_cert untrusted "/CN=$TLS_ADDRESS" "IP:$TLS_ADDRESS" unknown-ca

  local u users_json='' grants
  for u in "${TLS_USERS[@]}"; do
    [[ -s $TLS_DIR/password-$u ]] || { random_alnum 24 >"$TLS_DIR/password-$u"; chmod 600 "$TLS_DIR/password-$u"; }
    TLS_PASSWORDS[$u]=$(<"$TLS_DIR/password-$u")
    grants='"pull","push"'
    [[ $u == ci-tls-ro ]] && grants='"pull"'
    users_json+="${users_json:+,}
    \"$u\": { \"sha256\": \"$(printf '%s' "${TLS_PASSWORDS[$u]}" | sha256sum | cut -d' ' -f1)\", \"grants\": [{ \"prefix\": \"ci-tls/\", \"actions\": [$grants] }], \"stale\": $([[ $u == ci-tls-stale ]] && echo true || echo false) }"
  done
  write_if_changed "$TLS_DIR/token-server.json" "{
  \"listen\": \"$TLS_ADDRESS:5444\",
  \"tlsCert\": \"$TLS_DIR/server.crt\", \"tlsKey\": \"$TLS_DIR/server.key\",
  \"signCert\": \"$TLS_DIR/signer.crt\", \"signKey\": \"$TLS_DIR/signer.key\",
  \"issuer\": \"e2e-token-server\", \"service\": \"e2e-tls-registry\",
  \"log\": \"$TLS_TOKEN_LOG\",
  \"untrustedListen\": \"$TLS_ADDRESS:5446\",
  \"untrustedCert\": \"$TLS_DIR/untrusted.crt\", \"untrustedKey\": \"$TLS_DIR/untrusted.key\",
  \"plainListen\": \"$TLS_ADDRESS:5447\",
  \"users\": {$users_json
  }
}" 600
  tls_registry_config tls-registry 5443 "https://$TLS_ADDRESS:5444/token"
  tls_registry_config tls-deadrealm 5445 "https://$TLS_ADDRESS:5449/token"

  # Trust: docker per registry (certs.d), podman per registry, the OS store for everything else.
  local ca port
  ca=$(<"$TLS_CA")
  for port in 5443 5445; do
    tls_trust "/etc/docker/certs.d/$TLS_ADDRESS:$port/ca.crt" "$ca"
    tls_trust "/etc/containers/certs.d/$TLS_ADDRESS:$port/ca.crt" "$ca"
  done
  if ! cmp -s "$TLS_CA" "$TLS_OS_CA"; then
    log "adding the e2e CA to the OS store ($TLS_OS_CA)"
    install -m 644 "$TLS_CA" "$TLS_OS_CA"
    update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed"
  fi

  # A token server or registry that runs with an older config (or old certificates) is restarted.
  local name pidfile
  for name in token-server tls-registry tls-deadrealm; do
    pidfile=$TLS_DIR/$name.pid
    if [[ -s $pidfile ]] && kill -0 "$(<"$pidfile")" 2>/dev/null &&
      [[ $TLS_DIR/server.crt -nt $pidfile || $TLS_DIR/token-server.json -nt $pidfile || $TLS_DIR/$name/config.yml -nt $pidfile ]]; then
      log "restarting $name (its config or certificate changed)"
      kill "$(<"$pidfile")" && sleep 0.5
    fi
  done
  tls_start token-server "$TLS_DIR/token-server.pid" "https://$TLS_ADDRESS:5444/token" "$TLS_TOKEN_LOG" \
    node "$PARTS/token-server.mjs" "$TLS_DIR/token-server.json"
  tls_start tls-registry "$TLS_DIR/tls-registry.pid" "https://$TLS_ADDRESS:5443/v2/" "$TLS_LOG" \
    /usr/bin/docker-registry serve "$TLS_DIR/tls-registry/config.yml"
  tls_start tls-deadrealm "$TLS_DIR/tls-deadrealm.pid" "https://$TLS_ADDRESS:5445/v2/" "$TLS_LOG" \
    /usr/bin/docker-registry serve "$TLS_DIR/tls-deadrealm/config.yml"
  for u in "${TLS_USERS[@]}"; do
    tls_login_works "$u" "${TLS_PASSWORDS[$u]}" ||
      die "https://$TLS_ADDRESS:5443 does not let $u log in through the token server (logs: $TLS_LOG, $TLS_TOKEN_LOG)"
  done
}

# Does the engine reached with "$@" trust the e2e CA through the OS store? The token server's
# port has no certs.d entry, so a login there (the daemon connects itself) checks exactly that:
# an x509 error means it loaded the store before the CA was added.
tls_engine_trusts_ca() { # docker-args...
  local cfg out
  cfg=$(mktemp -d)
  out=$(printf 'probe\n' | DOCKER_CONFIG=$cfg timeout 30 docker "$@" login -u probe --password-stdin "$TLS_ADDRESS:5444" 2>&1 || true)
  rm -rf "$cfg"
  ! grep -qi 'x509\|certificate' <<<"$out"
}
