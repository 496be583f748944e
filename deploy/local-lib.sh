# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared by deploy/run-local.sh and deploy/stop-local.sh (sourced, not run):
# where a local duban keeps its state, and how its processes are found and
# stopped. Processes are known only by the pidfiles these scripts write;
# nothing is ever stopped by name.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly BUILD_DIR="${DUBAN_BUILD_DIR:-${ROOT}/build}"
readonly RUN_DIR="${ROOT}/.run"
readonly LOG_DIR="${RUN_DIR}/logs"
readonly TLS_DIR="${RUN_DIR}/tls"
readonly AUTH_DIR="${RUN_DIR}/auth"
readonly REDIS_PORT=6390
readonly REDIS_ADDR="127.0.0.1:${REDIS_PORT}"
readonly REDIS_PIDFILE="${RUN_DIR}/redis.pid"
readonly DUBANCTL="${BUILD_DIR}/tools/dubanctl/dubanctl"
# The services in start order (plan-server calls unit-server), and their
# local ports.
readonly SERVICES=(unit plan progress)
declare -rA SERVICE_PORTS=([plan]=50061 [unit]=50062 [progress]=50063)

log() { printf '%s: %s\n' "${SCRIPT_NAME:-duban}" "$*"; }
die() {
  printf '%s: error: %s\n' "${SCRIPT_NAME:-duban}" "$*" >&2
  exit 1
}

# Prints the pid recorded in pidfile $1 when that process is alive and its
# command name starts with $2 (so a pid reused by another program is not
# taken for ours). Fails otherwise.
live_pid() {
  local pidfile=$1 comm=$2 pid actual
  [[ -s "${pidfile}" ]] || return 1
  pid=$(<"${pidfile}")
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  actual=$(cat "/proc/${pid}/comm" 2>/dev/null) || return 1
  # /proc/PID/comm keeps 15 characters.
  [[ "${actual}" == "${comm:0:15}" ]] || return 1
  printf '%s\n' "${pid}"
}

# Stops process $1 (named $2 in messages): SIGTERM, then SIGKILL after 15 s.
stop_pid() {
  local pid=$1 name=$2 i
  kill -TERM "${pid}" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    kill -0 "${pid}" 2>/dev/null || return 0
    sleep 0.1
  done
  log "${name} (pid ${pid}) did not stop in 15 s; killing it"
  kill -KILL "${pid}" 2>/dev/null || true
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
