#!/usr/bin/env bash
# Stops the processes deploy/run-local.sh started, found by their pidfiles
# in .run/: the servers first, then Redis (which writes its AOF on the way
# out). Data in .run/redis/ is kept. Nothing is stopped by name.
set -euo pipefail

readonly SCRIPT_NAME=stop-local
# shellcheck source=deploy/local-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/local-lib.sh"

stop_one() {
  local pidfile=$1 name=$2 pid
  if pid=$(live_pid "${pidfile}" "${name}"); then
    log "stopping ${name} (pid ${pid})"
    stop_pid "${pid}" "${name}"
  elif [[ -e "${pidfile}" ]]; then
    log "${name}: not running (stale pidfile removed)"
  fi
  rm -f "${pidfile}"
}

main() {
  local i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    stop_one "${RUN_DIR}/${SERVICES[i]}-server.pid" "${SERVICES[i]}-server"
  done
  stop_one "${REDIS_PIDFILE}" redis-server
  log "stopped"
}

main "$@"
