# shellcheck shell=bash
# The Docker engines of the e2e suite, each a dockerd from unpacked .debs (debs.sh) with its own
# socket, pidfile, roots and bridge:
#   main     /var/run/docker.sock, Debian forky's 28.x (trixie's 26.1 when forky's cannot run
#            here), containerd image store: what recent GitHub-hosted runners run. A Docker that
#            already answers there (the owner's) is used as it is.
#   remote   the same binaries on tcp://127.0.0.1:2376 (docker-host, DOCKER_HOST tests)
#   classic  bookworm's dockerd 20.10 on the classic image store (built-in BuildKit v0.8): a
#            self-hosted Debian 12 machine's Docker
# Sourced by scripts/e2e-env.sh.

PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
DOCKER_SOCK=/var/run/docker.sock
DOCKERD_LOG=$STATE_DIR/dockerd.log
DOCKERD_PIDFILE=/var/run/docker.pid

REMOTE_TCP=tcp://127.0.0.1:2376
REMOTE_LOG=$STATE_DIR/dockerd-remote.log

CLASSIC_SOCK=/var/run/docker-e2e-classic.sock
CLASSIC_HOST=unix://$CLASSIC_SOCK
CLASSIC_LOG=$STATE_DIR/dockerd-classic.log

DAEMON_JSON='{
  "features": { "containerd-snapshotter": true }
}'

# Start a dockerd from ROOT. Sets LAUNCHED_PID.
launch_dockerd() { # root log pidfile extra-dockerd-args...
  local root=$1 logf=$2 pidfile=$3
  shift 3
  # dockerd finds containerd, docker-init and docker-proxy on PATH: the unpacked tree's first.
  local path=$root/usr/sbin:$root/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  printf '\n===== %s starting %s/usr/sbin/dockerd %s\n' "$(date -Is)" "$root" "$*" >>"$logf"
  setsid nohup env PATH="$path" "$root/usr/sbin/dockerd" --pidfile "$pidfile" "$@" \
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

# Stop the dockerd of PIDFILE (and so its containerd), waiting for it to exit.
stop_dockerd() { # pidfile
  local pid i
  pid=$(cat "$1" 2>/dev/null || true)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid"
  for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

# The unpacked tree a running dockerd of PIDFILE came from, or nothing.
dockerd_root() { # pidfile
  local pid exe
  pid=$(cat "$1" 2>/dev/null || true)
  [[ -n $pid ]] || return 0
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  [[ $exe == "$PREFIX"/*/usr/sbin/dockerd ]] && printf '%s' "${exe%/usr/sbin/dockerd}"
  return 0
}

# Does the engine reached with "$@" keep images in the containerd store? The suite proves registry
# cache and multi-platform images with buildx's docker driver, which need it.
containerd_store() { timeout 15 docker "$@" info --format '{{json .DriverStatus}}' 2>/dev/null | grep -q 'io.containerd.snapshotter.v1'; }

# buildx for the CLI: where the owner put it, else ours in the system folder.
ensure_buildx() {
  timeout 15 docker buildx version >/dev/null 2>&1 && return 0
  install_buildx_plugin
  ENGINE_MODE+=", buildx plugin added to $PLUGIN_DIR"
}

# The buildx plugin in the system folder, where the CLI finds it whatever HOME or DOCKER_CONFIG is.
install_buildx_plugin() {
  fetch_docker_debs
  local src=$DOCKER_ROOT/usr/libexec/docker/cli-plugins/docker-buildx
  if ! cmp -s "$src" "$PLUGIN_DIR/docker-buildx"; then
    log "installing buildx plugin to $PLUGIN_DIR/docker-buildx"
    install -D -m 0755 "$src" "$PLUGIN_DIR/docker-buildx"
  fi
}

# runc, tini and iptables from bookworm for every engine; containerd from bookworm for engines
# whose suite does not bring its own (trixie, bookworm).
engine_pkgs() { # root
  ensure_pkgs runc tini iptables iproute2
  [[ -x $1/usr/bin/containerd ]] || ensure_pkgs containerd
}

# The suite's main engine; sets MAIN_HOST (what the env file names as E2E_DOCKER_HOST). A Docker
# that already answers at DOCKER_HOST (default the system socket) is used as it is when it keeps
# images in the containerd store; an older one (the classic store, e.g. Debian 12's dockerd 20.10)
# is left alone and the suite's own dockerd starts beside it on a socket of its own.
ENGINE_MODE="" MAIN_HOST=""
SUITE_SOCK=/var/run/docker-ship-e2e.sock
ensure_engine() {
  local default=${DOCKER_HOST:-unix://$DOCKER_SOCK} ours
  ours=$(dockerd_root "$DOCKERD_PIDFILE")
  if [[ -n $ours ]]; then
    fetch_docker_debs
    if [[ $ours != "$DOCKER_ROOT" ]]; then
      log "stopping the dockerd from $ours (this run uses $DOCKER_ROOT)"
      stop_dockerd "$DOCKERD_PIDFILE"
    fi
  fi
  # dockerd (BuildKit in it too) reads the OS store once: our dockerd that loaded it before the e2e CA was
  # added is restarted once to trust it (the owner's is left alone, said in the summary).
  if [[ -n $ours ]] && engine_answers -H "$default" && ! tls_engine_trusts_ca -H "$default"; then
    log "restarting the dockerd from $ours: it does not trust the e2e CA ($TLS_CA) yet"
    stop_dockerd "$DOCKERD_PIDFILE"
  fi
  MAIN_HOST=$default
  if engine_answers -H "$default"; then
    if [[ -n $ours ]]; then
      ENGINE_MODE="dockerd from $DOCKER_ROOT already running (pid $(<"$DOCKERD_PIDFILE"))"
      install_buildx_plugin
    elif containerd_store -H "$default"; then
      ENGINE_MODE="existing engine at $default (containerd image store), nothing installed"
      ensure_buildx
    else
      fetch_docker_debs
      ensure_extra_engine suite "$DOCKER_ROOT" "unix://$SUITE_SOCK" e2ebr2 10.215.0.1/24 "$DAEMON_JSON" \
        "$STATE_DIR/dockerd-suite.log" -H "unix://$SUITE_SOCK"
      MAIN_HOST=unix://$SUITE_SOCK
      ENGINE_MODE="existing engine at $default keeps the classic image store: left alone; the suite's own dockerd from $DOCKER_ROOT on $MAIN_HOST"
      ensure_buildx
    fi
  elif [[ -n ${DOCKER_HOST:-} ]]; then
    die "DOCKER_HOST is $DOCKER_HOST but no engine answers there: start it, or unset DOCKER_HOST to let this script start one"
  else
    fetch_docker_debs
    engine_pkgs "$DOCKER_ROOT"
    install_buildx_plugin
    write_if_changed "$STATE_DIR/daemon.json" "$DAEMON_JSON"
    log "starting dockerd from $DOCKER_ROOT (log: $DOCKERD_LOG)"
    launch_dockerd "$DOCKER_ROOT" "$DOCKERD_LOG" "$DOCKERD_PIDFILE" \
      --config-file "$STATE_DIR/daemon.json" -H "unix://$DOCKER_SOCK" --iptables=false
    wait_engine "$LAUNCHED_PID" "$DOCKERD_LOG"
    ENGINE_MODE="started dockerd from $DOCKER_ROOT (pid $LAUNCHED_PID)"
  fi
  # Every docker call of this script from here on goes to the suite's main engine.
  export DOCKER_HOST=$MAIN_HOST
  timeout 15 docker buildx version >/dev/null 2>&1 ||
    die "docker buildx version fails: $(docker buildx version 2>&1 | head -n 3)"
}

# A dockerd of its own beside the main one (its bridge, roots, containerd namespace); nothing is
# done when ADDRESS already answers from ROOT's dockerd.
ensure_extra_engine() { # name root address bridge cidr daemon-json log -H-args...
  local name=$1 root=$2 address=$3 bridge=$4 cidr=$5 json=$6 logf=$7
  shift 7
  local pidfile=/var/run/docker-e2e-$name.pid
  local running
  running=$(dockerd_root "$pidfile")
  if [[ -n $running && $running != "$root" ]]; then
    log "stopping the $name dockerd from $running (this run uses $root)"
    stop_dockerd "$pidfile"
  fi
  engine_answers -H "$address" && return 0
  engine_pkgs "$root"
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
  fi
  if ! ip -4 addr show dev "$bridge" | grep -q "inet ${cidr%/*}/"; then
    ip addr add "$cidr" dev "$bridge"
  fi
  ip link set "$bridge" up
  write_if_changed "$STATE_DIR/daemon-$name.json" "$json"
  mkdir -p "/var/lib/docker-e2e-$name" "/var/run/docker-e2e-$name"
  log "starting the $name dockerd from $root on $address (log: $logf)"
  launch_dockerd "$root" "$logf" "$pidfile" --config-file "$STATE_DIR/daemon-$name.json" "$@" \
    --data-root "/var/lib/docker-e2e-$name" --exec-root "/var/run/docker-e2e-$name" --bridge "$bridge" \
    --iptables=false --containerd-namespace "e2e-$name" --containerd-plugins-namespace "e2e-$name-plugins"
  wait_engine "$LAUNCHED_PID" "$logf" -H "$address"
}

ensure_remote_engine() {
  fetch_docker_debs
  ensure_extra_engine remote "$DOCKER_ROOT" "$REMOTE_TCP" e2ebr0 10.213.0.1/24 "$DAEMON_JSON" "$REMOTE_LOG" \
    -H unix:///var/run/docker-e2e-remote.sock -H "$REMOTE_TCP" --tls=false
  ensure_extra_base_image remote -H "$REMOTE_TCP"
}

ensure_classic_engine() {
  fetch_classic_debs
  ensure_extra_engine classic "$CLASSIC_ROOT" "$CLASSIC_HOST" e2ebr1 10.214.0.1/24 '{}' "$CLASSIC_LOG" \
    -H "$CLASSIC_HOST"
  ensure_extra_base_image classic -H "$CLASSIC_HOST"
}

# One line about the engine reached with "$@": server version, image store, buildx.
engine_summary() { # docker-args...
  local server store
  server=$(timeout 15 docker "$@" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo '?')
  store=$(timeout 15 docker "$@" info --format '{{.Driver}}' 2>/dev/null || echo '?')
  printf 'dockerd %s, storage driver %s' "$server" "$store"
}
