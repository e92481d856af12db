# shellcheck shell=bash
# Docker's binaries from Debian's .debs, unpacked under $PREFIX/<suite> without installing them:
# the suite's packages are downloaded with apt pointed at a sources file derived from the
# machine's own (no host name written here), their Depends checked against what this machine
# has, and the binaries run once. Sourced by scripts/e2e-env.sh.

# Sources for SUITE, derived from the machine's bookworm sources (the security stanza dropped).
suite_sources() { # suite
  local src=/etc/apt/sources.list.d/debian.sources
  if [[ -r $src ]]; then
    # deb822 stanzas are separated by blank lines.
    awk 'BEGIN { RS = ""; ORS = "\n\n" } !/-security/' "$src" | sed -E "s/^Suites:.*/Suites: $1/"
    return
  fi
  local uri
  uri=$(grep -hE '^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -v -- '-security' | sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk 'NR == 1 { print $1 }')
  [[ -n $uri ]] || die "cannot find a Debian archive in /etc/apt sources"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" "$1"
}

# Packages a .deb names in Depends that only its maintainer scripts use (service users, debconf,
# init integration): nothing here installs the package or runs those scripts.
DEB_DEPENDS_IGNORED='debconf debconf-2.0 systemd systemd-standalone-sysusers systemd-sysusers sysvinit-utils adduser'
# Newer suites split a binary into a package of its own: name=the bookworm package that ships it.
DEB_DEPENDS_RENAMED='tini-static=tini'

# Is one Depends alternative ("name (op version)" or "name") met by this machine's packages or
# by a package of the set being unpacked (space-separated "name=version" in $2)?
dep_alternative_met() { # alternative unpacked-set
  local alt=$1 name op version have
  name=$(sed -E 's/^[[:space:]]*([^[:space:](]+).*/\1/; s/:any$//' <<<"$alt")
  [[ " $DEB_DEPENDS_IGNORED " == *" $name "* ]] && return 0
  local renamed
  renamed=$(tr ' ' '\n' <<<"$DEB_DEPENDS_RENAMED" | sed -n "s/^$name=//p")
  [[ -z $renamed ]] || { name=$renamed; alt=$renamed; }
  op=$(sed -nE 's/.*\(([<>=]+)[[:space:]]*([^)]*)\).*/\1/p' <<<"$alt")
  version=$(sed -nE 's/.*\(([<>=]+)[[:space:]]*([^)]*)\).*/\2/p' <<<"$alt")
  have=$(tr ' ' '\n' <<<"$2" | sed -n "s/^$name=//p" | head -n 1)
  if [[ -z $have ]] && is_installed "$name"; then have=$(dpkg-query -W -f='${Version}' "$name"); fi
  if [[ -z $have ]]; then
    # Installable from this machine's own suite? Then ensure_pkgs can add it.
    have=$(apt-cache policy "$name" 2>/dev/null | sed -nE 's/^[[:space:]]*Candidate:[[:space:]]*//p')
    [[ -z $have || $have == '(none)' ]] && return 1
    DEB_TO_INSTALL+=("$name")
  fi
  [[ -z $op ]] && return 0
  case $op in '>>') op=gt ;; '<<') op=lt ;; '>=') op=ge ;; '<=') op=le ;; '=') op=eq ;; esac
  dpkg --compare-versions "$have" "$op" "$version"
}

# Every Depends clause of every .deb in DIR met? Prints the unmet clauses; sets DEB_TO_INSTALL to
# this machine's packages that would meet the others.
DEB_TO_INSTALL=()
debs_unmet() { # dir
  local deb set='' clause alt ok unmet=()
  DEB_TO_INSTALL=()
  for deb in "$1"/*.deb; do set+=" $(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)"; done
  for deb in "$1"/*.deb; do
    while IFS= read -r clause; do
      [[ -n ${clause// /} ]] || continue
      ok=1
      local before=("${DEB_TO_INSTALL[@]}")
      IFS='|' read -ra alts <<<"$clause"
      for alt in "${alts[@]}"; do
        if dep_alternative_met "$alt" "$set"; then ok=0; break; fi
        DEB_TO_INSTALL=("${before[@]}")
      done
      ((ok == 0)) || unmet+=("$(dpkg-deb -f "$deb" Package): $clause")
    done < <(dpkg-deb -f "$deb" Depends Pre-Depends | sed 's/^[A-Za-z-]*: //' | tr ',' '\n')
  done
  ((${#unmet[@]} == 0)) || printf '%s\n' "${unmet[@]}"
}

# Does every binary of CHECKS (paths under ROOT) start? A CLI plugin answers its metadata call,
# any other binary --version. Sets BINARY_FAILED and BINARY_ERROR for the first that does not.
BINARY_FAILED='' BINARY_ERROR=''
binaries_run() { # root "checks"
  local bin arg out
  for bin in $2; do
    arg=--version
    [[ $bin != */cli-plugins/* ]] || arg=docker-cli-plugin-metadata
    if ! out=$("$1/$bin" "$arg" 2>&1); then
      BINARY_FAILED=$bin BINARY_ERROR=$(head -n 1 <<<"$out")
      return 1
    fi
  done
}

apt_opts_for() { # dir
  printf '%s\n' -q -oDir::Etc::SourceList=/dev/null "-oDir::Etc::SourceParts=$1/parts" \
    "-oDir::State::Lists=$1/lists" "-oDir::Cache=$1/cache" -oAPT::Sandbox::User=root
}

# Download PACKAGES of SUITE and unpack them into ROOT (kept when it is already complete), after
# checking their Depends and that every binary in CHECK runs. Returns 1 (with the reason logged)
# when the suite cannot be used on this machine; ROOT is then left as it was.
unpack_suite() { # suite root "packages" "check-binaries"
  local suite=$1 root=$2 pkgs=$3 checks=$4 bin
  if [[ -f $root/.complete && $(<"$root/.complete") == "$pkgs" ]] && binaries_run "$root" "$checks"; then
    return 0
  fi
  local apt=$PREFIX/apt-$suite
  rm -rf "$apt/debs" "$root.tmp"
  mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$root.tmp"
  suite_sources "$suite" >"$apt/parts/$suite.sources"
  local opts
  mapfile -t opts < <(apt_opts_for "$apt")
  log "downloading $pkgs from Debian $suite"
  if ! apt-get "${opts[@]}" update >/dev/null 2>&1; then
    log "apt-get update for $suite failed (sources: $apt/parts/$suite.sources)"
    return 1
  fi
  # shellcheck disable=SC2086
  if ! (cd "$apt/debs" && apt-get "${opts[@]}" download $pkgs >/dev/null 2>&1); then
    log "apt-get download $pkgs from $suite failed"
    return 1
  fi
  local unmet
  unmet=$(debs_unmet "$apt/debs")
  if [[ -n $unmet ]]; then
    log "$suite's $pkgs need what this machine does not have: $(paste -sd';' <<<"$unmet")"
    return 1
  fi
  ((${#DEB_TO_INSTALL[@]} == 0)) || ensure_pkgs "${DEB_TO_INSTALL[@]}"
  local deb
  for deb in "$apt"/debs/*.deb; do
    dpkg -x "$deb" "$root.tmp"
    dpkg-deb -f "$deb" Package Version | paste -sd' ' >>"$root.tmp/VERSIONS"
  done
  # docker.io's docker-init is a relative link to tini-static, which comes from this machine's tini.
  [[ -e $root.tmp/usr/bin/docker-init || ! -L $root.tmp/usr/bin/docker-init ]] ||
    ln -sfn /usr/bin/tini-static "$root.tmp/usr/bin/docker-init"
  if ! binaries_run "$root.tmp" "$checks"; then
    log "$suite's $BINARY_FAILED does not run here: $BINARY_ERROR"
    rm -rf "$root.tmp"
    return 1
  fi
  printf '%s\n' "$pkgs" >"$root.tmp/.complete"
  rm -rf "$root"
  mv "$root.tmp" "$root"
  rm -rf "$apt/debs" "$apt/cache"
}

# The engine binaries the suite runs: forky's (the Docker of GitHub-hosted runners, 28.x with
# buildx 0.2x and containerd 2) when they can be used here, else trixie's (26.1, buildx 0.13).
# Sets DOCKER_ROOT and DOCKER_SUITE.
DOCKER_ROOT='' DOCKER_SUITE=''
fetch_docker_debs() {
  [[ -n $DOCKER_ROOT ]] && return 0
  local suite
  for suite in ${E2E_DOCKER_SUITES:-forky trixie}; do
    local pkgs='docker.io docker-buildx' checks='usr/sbin/dockerd usr/libexec/docker/cli-plugins/docker-buildx'
    # forky's docker.io needs containerd 2 (bookworm has 1.6); its runc needs a newer glibc, so
    # bookworm's runc runs the containers.
    [[ $suite == trixie ]] || { pkgs+=' containerd'; checks+=' usr/bin/containerd'; }
    if unpack_suite "$suite" "$PREFIX/$suite" "$pkgs" "$checks"; then
      DOCKER_ROOT=$PREFIX/$suite DOCKER_SUITE=$suite
      return 0
    fi
    log "falling back from Debian $suite's Docker to the next suite"
  done
  die "no Debian suite's Docker can be used here (tried: ${E2E_DOCKER_SUITES:-forky trixie})"
}

# bookworm's own docker.io 20.10: the classic image store and the built-in BuildKit v0.8, the
# Docker of a self-hosted Debian 12 machine. Sets CLASSIC_ROOT.
CLASSIC_ROOT=''
fetch_classic_debs() {
  [[ -n $CLASSIC_ROOT ]] && return 0
  unpack_suite bookworm "$PREFIX/bookworm" docker.io usr/sbin/dockerd ||
    die "bookworm's docker.io cannot be unpacked here"
  CLASSIC_ROOT=$PREFIX/bookworm
}
