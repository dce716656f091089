# Shared by test.sh and up.sh: install what a fresh Debian machine lacks. Sourced, not run.
set -euo pipefail
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-}" NX_TUI=false
export TESTCONTAINERS_RYUK_DISABLED=true

log() { printf '\033[1m[tskube]\033[0m %s\n' "$*" >&2; }

# Debian packages the tests and the local cluster use, keyed by the command each provides.
declare -A TSKUBE_APT=([etcd]=etcd-server [dockerd]=docker.io [iptables]=iptables [busybox]=busybox-static [docker-registry]=docker-registry)

ensure_apt_packages() {
  local missing=()
  for cmd in "${!TSKUBE_APT[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "/bin/$cmd" ] || missing+=("${TSKUBE_APT[$cmd]}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
    return 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund
  fi
}
