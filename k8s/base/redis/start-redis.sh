#!/bin/sh
# Starts one pod of the StatefulSet "redis". Without SENTINELS (base, dev)
# the pod is a lone primary. With SENTINELS (prod) it asks the sentinels
# which pod is the primary now and starts as its replica; when no sentinel
# answers (the first start of the whole set), redis-0 is the primary and the
# others its replicas. Sentinel then owns the roles (failover).
# RUN_DIR, CONF_DIR and PASSWORDS_DIR default to the pod's mount points;
# k8s/check/sentinel-test.sh points them elsewhere to run this script on
# loopback.
set -eu

conf="${RUN_DIR:-/run/redis}/redis.conf"
self="${POD_NAME}.${HEADLESS_SERVICE}"

# The pod's own config, in memory (the root filesystem is read-only): the
# shared one, then the replication settings with the password read from the
# mounted Secret.
{
  echo "include ${CONF_DIR:-/etc/redis/conf}/redis.conf"
  if [ -n "${SENTINELS:-}" ]; then
    # Sentinel and the servers reach pods by their stable DNS names, not by
    # pod IPs, which change when a pod is rescheduled.
    echo "replica-announce-ip ${self}"
    echo "masteruser replication"
    echo "masterauth $(cat "${PASSWORDS_DIR:-/etc/redis/passwords}/replication")"
  fi
} >"${conf}"

if [ -n "${SENTINELS:-}" ]; then
  primary=""
  for sentinel in ${SENTINELS}; do
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
  if [ -z "${primary}" ]; then
    echo "start-redis: no sentinel knows the primary; redis-0 is it"
    primary="redis-0.${HEADLESS_SERVICE}"
  fi
  if [ "${primary}" != "${self}" ]; then
    echo "start-redis: replica of ${primary}"
    echo "replicaof ${primary} 6379" >>"${conf}"
  else
    echo "start-redis: primary"
  fi
fi

exec redis-server "${conf}"
