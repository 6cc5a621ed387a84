# Shared by scripts/demo, scripts/test and scripts/bench: install missing Debian
# packages, then configure and build. Source it; do not run it.
set -euo pipefail

wk_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
wk_jobs=$(nproc 2>/dev/null || echo 2)

wk_log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }

# Installs every package of scripts/deps.txt that dpkg does not report as installed.
wk_install_deps() {
  local missing=() pkg
  while read -r pkg; do
    pkg=${pkg%%#*}
    pkg=${pkg//[[:space:]]/}
    [ -n "$pkg" ] || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$pkg")
  done <"$wk_root/scripts/deps.txt"
  [ ${#missing[@]} -eq 0 ] && return 0
  wk_log "installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# wk_build DIR [cmake args…]: configures DIR (once) and builds everything in it.
wk_build() {
  local dir=$1
  shift
  cmake -S "$wk_root" -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j "$wk_jobs"
}
