#!/bin/sh
# Starts one pod of the StatefulSet "redis-sentinel" (prod). Sentinel
# rewrites its config as it learns, so the config lives in memory and is
# made anew at each start: the primary is the one the other sentinels know,
# or redis-0 when none answers (the first start of the whole set).
# RUN_DIR and PASSWORDS_DIR default to the pod's mount points;
# k8s/check/sentinel-test.sh points them elsewhere to run this script on
# loopback.
set -eu

conf="${RUN_DIR:-/run/sentinel}/sentinel.conf"
self="${POD_NAME}.${HEADLESS_SERVICE}"

primary=""
for sentinel in ${SENTINELS}; do
  [ "${sentinel%:*}" != "${self}" ] || continue
  reply=$(timeout 3 redis-cli -h "${sentinel%:*}" -p "${sentinel##*:}" \
    --raw SENTINEL get-master-addr-by-name "${MASTER_NAME}" 2>/dev/null |
    head -n 1) || reply=""
  case "${reply}" in
    "" | *ERR* | *rror*) ;;
    *)
      primary=${reply}
      break
      ;;
  esac
done
[ -n "${primary}" ] || primary="redis-0.${REDIS_SERVICE}"

# Sentinel refuses a monitor line whose host does not resolve; the pod of a
# primary being rescheduled has no DNS record for a moment.
tries=0
until getent hosts "${primary}" >/dev/null; do
  tries=$((tries + 1))
  if [ "${tries}" -ge 60 ]; then
    echo "start-sentinel: ${primary} does not resolve" >&2
    exit 1
  fi
  sleep 2
done
echo "start-sentinel: monitoring ${primary} as ${MASTER_NAME}"

cat >"${conf}" <<CONF
port 26379
# Pods are known by their DNS names (pod IPs change on rescheduling).
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip ${self}
# Quorum 2 of 3: a failover needs two sentinels to agree the primary is down.
sentinel monitor ${MASTER_NAME} ${primary} 6379 2
sentinel auth-user ${MASTER_NAME} sentinel
sentinel auth-pass ${MASTER_NAME} $(cat "${PASSWORDS_DIR:-/etc/redis/passwords}/sentinel")
sentinel down-after-milliseconds ${MASTER_NAME} 5000
sentinel failover-timeout ${MASTER_NAME} 60000
sentinel parallel-syncs ${MASTER_NAME} 1
CONF

exec redis-sentinel "${conf}"
