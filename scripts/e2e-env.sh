#!/usr/bin/env bash
# Install and start everything the end-to-end tests need on this machine.
#
#   sudo scripts/e2e-env.sh [--podman] [--remote-engine] [--classic-engine]
#
# Idempotent: a second run starts nothing that already answers and rewrites nothing that
# is already right. Needs root, apt-get (Debian 12 bookworm) and the docker CLI on PATH.
#
# What it sets up (see the env file it writes for the values the tests read):
#   - a Docker engine with buildx, unless `docker info` and `docker buildx version` already
#     work (developer laptop): dockerd 26 + buildx 0.13 unpacked from Debian trixie's .debs
#     under $E2E_PREFIX, containerd/runc/tini from bookworm, containerd image store enabled;
#     the buildx plugin goes to /usr/local/lib/docker/cli-plugins (found with any DOCKER_CONFIG)
#   - two distribution registries with htpasswd auth: 127.0.0.1:5000 and 127.0.0.1:5001;
#     registry 1 also has the users ci-hygiene and ci-peer (secret-hygiene and concurrent-jobs
#     tests: E2E_REGISTRY_USER3/PASSWORD3 and E2E_REGISTRY_USER4/PASSWORD4)
#   - a base image e2e/busybox:latest made from busybox-static (nothing is pulled)
#   - --podman: podman, buildah, skopeo, and the configuration a self-hosted runner's admin
#     would give jobs as root here: a storage.conf (vfs driver, its own graphroot) and a
#     registries.conf (127.0.0.1:5000/5001 insecure = plain http), named in the env file, with
#     e2e/busybox:latest copied from the Docker engine into that storage
#   - --remote-engine: a second dockerd on tcp://127.0.0.1:2376 with its own bridge
#   - --classic-engine: another dockerd on the classic image store (what GitHub-hosted runners
#     have), on unix:///var/run/docker-e2e-classic.sock with its own bridge: `npm run bench`
#     measures the fresh-runner rebuild there too
#
# Environment: E2E_STATE_DIR (default /var/tmp/docker-ship-e2e), E2E_PREFIX (default
# /opt/docker-ship-e2e).
set -Eeuo pipefail

STATE_DIR=${E2E_STATE_DIR:-/var/tmp/docker-ship-e2e}
PREFIX=${E2E_PREFIX:-/opt/docker-ship-e2e}
ENV_FILE=$STATE_DIR/env
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
BASE_IMAGE=e2e/busybox:latest

# main engine (only used when this script starts one)
DOCKER_SOCK=/var/run/docker.sock
DOCKERD_LOG=$STATE_DIR/dockerd.log
DOCKERD_PIDFILE=/var/run/docker.pid

# second engine (--remote-engine)
REMOTE_TCP=tcp://127.0.0.1:2376
REMOTE_SOCK=/var/run/docker-e2e-remote.sock
REMOTE_PIDFILE=/var/run/docker-e2e-remote.pid
REMOTE_DATA_ROOT=/var/lib/docker-e2e-remote
REMOTE_EXEC_ROOT=/var/run/docker-e2e-remote
REMOTE_BRIDGE=e2ebr0
REMOTE_BRIDGE_CIDR=10.213.0.1/24
REMOTE_LOG=$STATE_DIR/dockerd-remote.log

# engine on the classic image store (--classic-engine)
CLASSIC_SOCK=/var/run/docker-e2e-classic.sock
CLASSIC_HOST=unix://$CLASSIC_SOCK
CLASSIC_PIDFILE=/var/run/docker-e2e-classic.pid
CLASSIC_DATA_ROOT=/var/lib/docker-e2e-classic
CLASSIC_EXEC_ROOT=/var/run/docker-e2e-classic
CLASSIC_BRIDGE=e2ebr1
CLASSIC_BRIDGE_CIDR=10.214.0.1/24
CLASSIC_LOG=$STATE_DIR/dockerd-classic.log

# podman (--podman): files passed to jobs as CONTAINERS_STORAGE_CONF / CONTAINERS_REGISTRIES_CONF
PODMAN_DIR=$STATE_DIR/podman
PODMAN_GRAPHROOT=/var/lib/docker-ship-e2e-podman
PODMAN_RUNROOT=/run/docker-ship-e2e-podman

WAIT_SECONDS=60
WITH_PODMAN=0
WITH_REMOTE=0
WITH_CLASSIC=0

log() { printf '[e2e-env] %s\n' "$*" >&2; }
die() {
  printf '[e2e-env] ERROR: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

usage() { sed -n '2,/^set -Eeuo/{/^set -Eeuo/!p}' "$0" | sed 's/^# \{0,1\}//'; }

for arg in "$@"; do
  case $arg in
    --podman) WITH_PODMAN=1 ;;
    --remote-engine) WITH_REMOTE=1 ;;
    --classic-engine) WITH_CLASSIC=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

[[ $(id -u) == 0 ]] || die "must run as root (it installs packages and starts daemons)"
command -v apt-get >/dev/null || die "apt-get not found: this script targets Debian"
command -v docker >/dev/null || die "the docker CLI is not on PATH"

mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"
# One run at a time.
exec 9>>"$STATE_DIR/.lock"
flock -w 300 9 || die "another run of $0 holds $STATE_DIR/.lock"

# ---------------------------------------------------------------- helpers

APT_UPDATED=0
apt_update_once() {
  ((APT_UPDATED)) && return 0
  log "apt-get update"
  apt-get update -q >/dev/null || die "apt-get update failed"
  APT_UPDATED=1
}

is_installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

# Install the packages of "$@" that are missing; sets NEWLY_INSTALLED to those.
NEWLY_INSTALLED=()
ensure_pkgs() {
  local p missing=()
  for p in "$@"; do is_installed "$p" || missing+=("$p"); done
  NEWLY_INSTALLED=("${missing[@]}")
  ((${#missing[@]})) || return 0
  apt_update_once
  log "apt-get install ${missing[*]}"
  local out
  out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" 2>&1) || {
    printf '%s\n' "$out" | tail -n 20 >&2
    die "apt-get install ${missing[*]} failed"
  }
}

# Write $2 to file $1 only when the content differs (keeps re-runs from touching files).
write_if_changed() {
  local file=$1 content=$2 mode=${3:-644}
  if [[ -f $file ]] && [[ $(<"$file") == "$content" ]]; then return 0; fi
  printf '%s\n' "$content" >"$file.tmp"
  chmod "$mode" "$file.tmp"
  mv -f "$file.tmp" "$file"
}

random_alnum() { # length
  local s
  s=$(LC_ALL=C tr -dc 'A-Za-z0-9' < <(head -c 4096 /dev/urandom))
  printf '%s' "${s:0:$1}"
}

http_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" || true; }

engine_answers() { timeout 15 docker "$@" info >/dev/null 2>&1; }

# ---------------------------------------------------------------- docker engine (trixie debs)

DOCKER_ROOT=$PREFIX/root # unpacked docker.io + docker-buildx

# Sources file for trixie, derived from the machine's own bookworm sources (no host name here).
trixie_sources() {
  local src=/etc/apt/sources.list.d/debian.sources
  if [[ -r $src ]]; then
    # deb822 stanzas are separated by blank lines; drop the security stanza.
    awk 'BEGIN { RS = ""; ORS = "\n\n" } !/-security/' "$src" | sed -E 's/^Suites:.*/Suites: trixie/'
    return
  fi
  # One-line format fallback: take the first plain "deb URL suite ..." line.
  local uri
  uri=$(grep -hE '^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -v -- '-security' | sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk 'NR == 1 { print $1 }')
  [[ -n $uri ]] || die "cannot find a Debian archive in /etc/apt sources"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri"
}

fetch_docker_debs() {
  if [[ -x $DOCKER_ROOT/usr/sbin/dockerd && -x $DOCKER_ROOT/usr/libexec/docker/cli-plugins/docker-buildx ]]; then
    return 0
  fi
  local apt=$PREFIX/apt
  log "downloading docker.io and docker-buildx from Debian trixie into $PREFIX"
  rm -rf "$apt/debs" "$DOCKER_ROOT.tmp"
  mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$DOCKER_ROOT.tmp"
  trixie_sources >"$apt/parts/trixie.sources"
  local opts=(-q -oDir::Etc::SourceList=/dev/null "-oDir::Etc::SourceParts=$apt/parts"
    "-oDir::State::Lists=$apt/lists" "-oDir::Cache=$apt/cache" -oAPT::Sandbox::User=root)
  apt-get "${opts[@]}" update >/dev/null || die "apt-get update for trixie failed (sources: $apt/parts/trixie.sources)"
  (cd "$apt/debs" && apt-get "${opts[@]}" download docker.io docker-buildx >/dev/null) ||
    die "apt-get download docker.io docker-buildx (trixie) failed"
  local deb
  for deb in "$apt"/debs/*.deb; do
    dpkg -x "$deb" "$DOCKER_ROOT.tmp"
    dpkg-deb -f "$deb" Package Version | paste -sd' ' >>"$DOCKER_ROOT.tmp/VERSIONS"
  done
  # The deb's docker-init is a relative link to tini-static, which comes from bookworm's tini.
  ln -sfn /usr/bin/tini-static "$DOCKER_ROOT.tmp/usr/bin/docker-init"
  rm -rf "$DOCKER_ROOT"
  mv "$DOCKER_ROOT.tmp" "$DOCKER_ROOT"
  rm -rf "$apt/debs" "$apt/cache"
}

install_buildx_plugin() {
  fetch_docker_debs
  local src=$DOCKER_ROOT/usr/libexec/docker/cli-plugins/docker-buildx
  if ! cmp -s "$src" "$PLUGIN_DIR/docker-buildx"; then
    log "installing buildx plugin to $PLUGIN_DIR/docker-buildx"
    install -D -m 0755 "$src" "$PLUGIN_DIR/docker-buildx"
  fi
}

# Start a dockerd from the unpacked tree. Args: log pidfile extra-dockerd-args...
launch_dockerd() {
  local logf=$1 pidfile=$2
  shift 2
  # dockerd finds docker-init / docker-proxy on PATH.
  local path=$DOCKER_ROOT/usr/sbin:$DOCKER_ROOT/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  printf '\n===== %s starting dockerd %s\n' "$(date -Is)" "$*" >>"$logf"
  setsid nohup env PATH="$path" "$DOCKER_ROOT/usr/sbin/dockerd" --pidfile "$pidfile" "$@" \
    </dev/null >>"$logf" 2>&1 9>&- &
  LAUNCHED_PID=$!
}

wait_engine() { # pid log docker-args...
  local pid=$1 logf=$2 i
  shift 2
  for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
    engine_answers "$@" && return 0
    kill -0 "$pid" 2>/dev/null || {
      tail -n 30 "$logf" >&2
      die "dockerd (pid $pid) exited during startup; log: $logf"
    }
    sleep 0.5
  done
  tail -n 30 "$logf" >&2
  die "dockerd (pid $pid) did not answer within ${WAIT_SECONDS}s; log: $logf"
}

DAEMON_JSON='{
  "features": { "containerd-snapshotter": true }
}'

ENGINE_MODE=""
ensure_engine() {
  if engine_answers && timeout 15 docker buildx version >/dev/null 2>&1; then
    local pid
    pid=$(cat "$DOCKERD_PIDFILE" 2>/dev/null || true)
    if [[ -n $pid && $(readlink "/proc/$pid/exe" 2>/dev/null) == "$DOCKER_ROOT"/* ]]; then
      ENGINE_MODE="dockerd from $DOCKER_ROOT already running (pid $pid)"
    else
      ENGINE_MODE="existing engine and buildx (nothing installed)"
    fi
    return 0
  fi
  if engine_answers; then
    # An engine answers but buildx is missing: only add the plugin.
    install_buildx_plugin
    ENGINE_MODE="existing engine, buildx plugin added"
  else
    ensure_pkgs containerd runc tini iptables
    install_buildx_plugin
    write_if_changed "$STATE_DIR/daemon.json" "$DAEMON_JSON"
    log "starting dockerd (log: $DOCKERD_LOG)"
    launch_dockerd "$DOCKERD_LOG" "$DOCKERD_PIDFILE" \
      --config-file "$STATE_DIR/daemon.json" -H "unix://$DOCKER_SOCK" --iptables=false
    wait_engine "$LAUNCHED_PID" "$DOCKERD_LOG"
    ENGINE_MODE="started dockerd from $DOCKER_ROOT (pid $LAUNCHED_PID)"
  fi
  timeout 15 docker buildx version >/dev/null 2>&1 ||
    die "docker buildx version fails: $(docker buildx version 2>&1 | head -n 3)"
}

# ---------------------------------------------------------------- registries

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

# ---------------------------------------------------------------- base image

base_image_exists() { timeout 15 docker "$@" image inspect "$BASE_IMAGE" >/dev/null 2>&1; }

make_base_image() { # docker-args...
  ensure_pkgs busybox-static
  local tmp
  tmp=$(mktemp -d)
  mkdir -p "$tmp/root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev,run,var/tmp}
  chmod 1777 "$tmp/root/tmp" "$tmp/root/var/tmp"
  cp /bin/busybox "$tmp/root/bin/busybox"
  local applet
  while read -r applet; do
    [[ -e $tmp/root/$applet || -L $tmp/root/$applet ]] || ln -s /bin/busybox "$tmp/root/$applet"
  done < <(/bin/busybox --list-full)
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/root/etc/group"
  local version
  version=$(/bin/busybox 2>/dev/null || true)
  version=${version%%$'\n'*}
  log "importing $BASE_IMAGE (${version% (*})"
  tar --numeric-owner --owner=0 --group=0 -C "$tmp/root" -c . |
    docker "$@" import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' - "$BASE_IMAGE" >/dev/null ||
    { rm -rf "$tmp"; die "docker import of $BASE_IMAGE failed"; }
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

# ---------------------------------------------------------------- more engines

# A dockerd of its own beside the main one (its bridge, roots, containerd namespace), from the
# same binaries; nothing is done when ADDRESS already answers.
ensure_extra_engine() { # name address bridge cidr daemon-json log pidfile data-root exec-root -H-args...
  local name=$1 address=$2 bridge=$3 cidr=$4 json=$5 logf=$6 pidfile=$7 data_root=$8 exec_root=$9
  shift 9
  engine_answers -H "$address" && return 0
  ensure_pkgs containerd runc tini iptables iproute2
  fetch_docker_debs
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
  fi
  if ! ip -4 addr show dev "$bridge" | grep -q "inet ${cidr%/*}/"; then
    ip addr add "$cidr" dev "$bridge"
  fi
  ip link set "$bridge" up
  write_if_changed "$STATE_DIR/daemon-$name.json" "$json"
  mkdir -p "$data_root" "$exec_root"
  log "starting the $name dockerd on $address (log: $logf)"
  launch_dockerd "$logf" "$pidfile" --config-file "$STATE_DIR/daemon-$name.json" "$@" \
    --data-root "$data_root" --exec-root "$exec_root" --bridge "$bridge" --iptables=false \
    --containerd-namespace "e2e-$name" --containerd-plugins-namespace "e2e-$name-plugins"
  wait_engine "$LAUNCHED_PID" "$logf" -H "$address"
}

# The base image copied into the engine at ADDRESS, and a RUN step built there.
ensure_extra_base_image() { # name address
  base_image_exists -H "$2" && return 0
  log "loading $BASE_IMAGE into the $1 engine"
  docker save "$BASE_IMAGE" | docker -H "$2" load >/dev/null || die "could not load $BASE_IMAGE into $2"
  check_build -H "$2"
}

ensure_remote_engine() {
  ensure_extra_engine remote "$REMOTE_TCP" "$REMOTE_BRIDGE" "$REMOTE_BRIDGE_CIDR" "$DAEMON_JSON" "$REMOTE_LOG" \
    "$REMOTE_PIDFILE" "$REMOTE_DATA_ROOT" "$REMOTE_EXEC_ROOT" -H "unix://$REMOTE_SOCK" -H "$REMOTE_TCP" --tls=false
  ensure_extra_base_image remote "$REMOTE_TCP"
}

ensure_classic_engine() {
  ensure_extra_engine classic "$CLASSIC_HOST" "$CLASSIC_BRIDGE" "$CLASSIC_BRIDGE_CIDR" \
    '{ "features": { "containerd-snapshotter": false } }' "$CLASSIC_LOG" \
    "$CLASSIC_PIDFILE" "$CLASSIC_DATA_ROOT" "$CLASSIC_EXEC_ROOT" -H "$CLASSIC_HOST"
  ensure_extra_base_image classic "$CLASSIC_HOST"
}

# ---------------------------------------------------------------- podman

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

# ---------------------------------------------------------------- main

START=$SECONDS
ensure_engine

ensure_registry_pkgs
ensure_registry registry1 127.0.0.1:5000 ci-user ci-hygiene ci-peer
REG1_PASSWORD=$REG_PASSWORD REG1_LOG=$REG_LOG
REG1_PASSWORD3=${REG_PASSWORDS[ci-hygiene]} REG1_PASSWORD4=${REG_PASSWORDS[ci-peer]}
ensure_registry registry2 127.0.0.1:5001 ci-user2
REG2_PASSWORD=$REG_PASSWORD REG2_LOG=$REG_LOG

if ! base_image_exists; then
  make_base_image
  check_build
fi

if ((WITH_PODMAN)); then
  ensure_podman
fi

if ((WITH_REMOTE)); then
  ensure_remote_engine
fi
if ((WITH_CLASSIC)); then
  ensure_classic_engine
fi

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
E2E_DOCKERD_LOG=$DOCKERD_LOG"
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
E2E_CLASSIC_DOCKERD_LOG=$CLASSIC_LOG" engine_answers -H "$CLASSIC_HOST"
optional_env "$WITH_PODMAN" E2E_PODMAN_ "E2E_PODMAN_STORAGE_CONF=$PODMAN_DIR/storage.conf
E2E_PODMAN_REGISTRIES_CONF=$PODMAN_DIR/registries.conf" command -v podman
write_if_changed "$ENV_FILE" "$ENV_CONTENT" 600

server=$(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}' 2>/dev/null || echo '?')
buildx=$(docker buildx version 2>/dev/null | head -n 1 || echo '?')
store=$(docker info --format '{{.Driver}}' 2>/dev/null || echo '?')
cat >&2 <<EOF
[e2e-env] ready in $((SECONDS - START)) s
  engine:     $ENGINE_MODE
              server $server, storage driver $store
  buildx:     $buildx
  registry 1: 127.0.0.1:5000  users ci-user, ci-hygiene, ci-peer  (log $REG1_LOG)
  registry 2: 127.0.0.1:5001  user ci-user2  (log $REG2_LOG)
  base image: $BASE_IMAGE
EOF
((WITH_PODMAN)) && echo "  podman:     $(podman --version), storage $PODMAN_DIR/storage.conf (vfs), registries $PODMAN_DIR/registries.conf" >&2
((WITH_REMOTE)) && echo "  remote:     $REMOTE_TCP (bridge $REMOTE_BRIDGE, log $REMOTE_LOG)" >&2
((WITH_CLASSIC)) && echo "  classic:    $CLASSIC_HOST, classic image store (bridge $CLASSIC_BRIDGE, log $CLASSIC_LOG)" >&2
echo "  env file:   $ENV_FILE" >&2
