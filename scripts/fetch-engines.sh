#!/usr/bin/env bash
# Fetches today's container engines for the real-daemon tests without installing anything into the system:
# containerd 1.7.x (Debian trixie), containerd 2.x, docker.io 28.x with docker-cli (Debian sid) and
# busybox-static (a static rootfs for `docker import`). The packages come from the Debian archive this
# machine's apt already uses, through a private apt directory, and are unpacked with `dpkg-deb -x` into
#   ${CTK_ENGINE_CACHE:-$HOME/.cache/ctk-installer/engines}/<engine>-<version>/
# The version is whatever apt policy offers in that suite for the wanted major.minor (Debian revisions move,
# so none is pinned). A tree is only used once complete (marker file), so a second run needs no network.
# Prints, and writes to $CACHE/engines.env, the variables the tests read:
#   CTK_CONTAINERD_1_7, CTK_CONTAINERD_2, CTK_DOCKERD_28 (tree roots; binaries under usr/bin, usr/sbin),
#   CTK_BUSYBOX_STATIC (the busybox binary). Each tree must hold its binaries, or the script fails.
# Usage: env=$(scripts/fetch-engines.sh) && eval "$env"   (a bare eval "$(…)" would hide a failure)
set -euo pipefail
CACHE=${CTK_ENGINE_CACHE:-$HOME/.cache/ctk-installer/engines}
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

# engine name, package(s), suite, version pattern (apt version glob), variable
WANTED=(
  "containerd|containerd|trixie|1.7.*|CTK_CONTAINERD_1_7"
  "containerd|containerd|sid|2.*|CTK_CONTAINERD_2"
  "docker|docker.io docker-cli|sid|28.*|CTK_DOCKERD_28"
  "busybox|busybox-static|trixie|*|CTK_BUSYBOX_STATIC"
)

cached_tree() { # engine pattern -> newest complete tree, if any
  local engine=$1 pattern=$2 d found=''
  for d in "$CACHE/$engine-"*; do
    [ -f "$d/.complete" ] || continue
    # shellcheck disable=SC2053 # the pattern is a glob on purpose
    [[ ${d##*/"$engine"-} == $pattern ]] && found=$d
  done
  [ -n "$found" ] && printf '%s\n' "$found"
}

APT_DIR=$CACHE/apt
apt_opts=(-o "Dir::Etc::sourcelist=$APT_DIR/sources.list" -o Dir::Etc::sourceparts=-
  -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache"
  -o "Dir::Cache::archives=$APT_DIR/archives" -o APT::Get::List-Cleanup=0
  -o APT::Sandbox::User=root) # the cache lies under root's home, which user _apt cannot enter
apt_ready=''
prepare_apt() { # once per run, only when something is missing
  [ -n "$apt_ready" ] && return 0
  local uri
  uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || { echo "fetch-engines: no Debian archive URI in /etc/apt/sources.list.d/*.sources" >&2; exit 1; }
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache" "$APT_DIR/archives/partial"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
    "$uri" trixie "$uri" sid >"$APT_DIR/sources.list"
  apt-get -qq "${apt_opts[@]}" update >&2
  apt_ready=1
}

candidate() { # package suite pattern -> highest version in that suite matching the pattern
  local pkg=$1 suite=$2 pattern=$3 v
  apt-cache "${apt_opts[@]}" madison "$pkg" | while IFS='|' read -r _ ver src; do
    v=${ver// /}
    # shellcheck disable=SC2053
    if [[ $src == *" $suite/"* && $v == $pattern ]]; then printf '%s\n' "$v"; fi
  done | sort -V | tail -n 1
}

declare -A found
for w in "${WANTED[@]}"; do
  IFS='|' read -r engine pkgs suite pattern var <<<"$w"
  tree=$(cached_tree "$engine" "$pattern" || true)
  if [ -z "$tree" ]; then
    prepare_apt
    read -r -a list <<<"$pkgs"
    version=$(candidate "${list[0]}" "$suite" "$pattern")
    [ -n "$version" ] || { echo "fetch-engines: no ${list[0]} $pattern in $suite" >&2; exit 1; }
    upstream=${version#*:} # no epoch, no Debian revision
    tree=$CACHE/$engine-${upstream%%[-+~]*}
    rm -rf "$tree" && mkdir -p "$tree"
    for pkg in "${list[@]}"; do
      v=$version
      [ "$pkg" = "${list[0]}" ] || v=$(candidate "$pkg" "$suite" "*")
      (cd "$APT_DIR/archives" && apt-get -qq "${apt_opts[@]}" download "$pkg=$v" >&2)
      deb=("$APT_DIR/archives/${pkg}_${v//:/%3a}_"*.deb)
      dpkg-deb -x "${deb[0]}" "$tree"
      rm -f "${deb[0]}"
    done
    touch "$tree/.complete"
  fi
  case $var in
    CTK_BUSYBOX_STATIC) found[$var]=$tree/usr/bin/busybox; need=(usr/bin/busybox) ;;
    CTK_DOCKERD_28) found[$var]=$tree; need=(usr/sbin/dockerd usr/bin/docker) ;;
    *) found[$var]=$tree; need=(usr/bin/containerd usr/bin/containerd-shim-runc-v2) ;;
  esac
  for f in "${need[@]}"; do
    [ -x "$tree/$f" ] || { echo "fetch-engines: $tree has no $f (package layout changed?)" >&2; exit 1; }
  done
done

{
  for var in CTK_CONTAINERD_1_7 CTK_CONTAINERD_2 CTK_DOCKERD_28 CTK_BUSYBOX_STATIC; do
    printf 'export %s=%q\n' "$var" "${found[$var]}"
  done
} | tee "$CACHE/engines.env"
