# shellcheck shell=bash
# Helpers every part of scripts/e2e-env.sh uses: logging, apt, files that change only when
# their content does, random passwords, HTTP probes. Sourced, never run.

log() { printf '[e2e-env] %s\n' "$*" >&2; }
die() {
  printf '[e2e-env] ERROR: %s\n' "$*" >&2
  exit 1
}

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

# Does the engine reached with "$@" (docker args, e.g. -H ADDRESS) answer?
engine_answers() { timeout 15 docker "$@" info >/dev/null 2>&1; }
