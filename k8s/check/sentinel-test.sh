#!/usr/bin/env bash
# Runs prod's Redis topology on loopback with the very start scripts of the
# pods (k8s/base/redis/start-redis.sh, start-sentinel.sh), prod's Redis
# config and the ACL file of k8s/secrets.sh: three Redis, three sentinels,
# each on its own loopback address under its pod's DNS name (a private
# /etc/hosts in a mount namespace of this test only). Checks that the set
# bootstraps (redis-0 primary, two replicas, three sentinels agreeing),
# that replication and Sentinel work as their ACL users, that killing the
# primary promotes a replica, and that a restarted Redis and a restarted
# sentinel find the new primary.
#
#   k8s/check/sentinel-test.sh          (as root: unshare needs it)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly K8S="${HERE}/.."

# Re-run inside a private mount namespace, where /etc/hosts can be ours.
if [[ -z "${DUBAN_SENTINEL_TEST_NS:-}" ]]; then
  exec env DUBAN_SENTINEL_TEST_NS=1 unshare --mount --propagation private \
    bash "${BASH_SOURCE[0]}" "$@"
fi

# shellcheck source=k8s/check/lib.sh
source "${HERE}/lib.sh"

declare -A ip=(
  [redis-0]=127.0.0.2 [redis-1]=127.0.0.3 [redis-2]=127.0.0.4
  [redis-sentinel-0]=127.0.0.5 [redis-sentinel-1]=127.0.0.6
  [redis-sentinel-2]=127.0.0.7
)
{
  cat /etc/hosts
  for name in redis-0 redis-1 redis-2; do
    echo "${ip[${name}]} ${name}.redis"
  done
  for name in redis-sentinel-0 redis-sentinel-1 redis-sentinel-2; do
    echo "${ip[${name}]} ${name}.redis-sentinel"
  done
} >"${tmp}/hosts"
mount --bind "${tmp}/hosts" /etc/hosts

"${K8S}/secrets.sh" duban "${tmp}/state" >/dev/null
readonly PASSWORDS="${tmp}/state/passwords"
readonly SENTINELS="redis-sentinel-0.redis-sentinel:26379 redis-sentinel-1.redis-sentinel:26379 redis-sentinel-2.redis-sentinel:26379"

# `redis-sentinel` for the start script: Debian's redis-server in sentinel
# mode, bound to the sentinel's own address (the pod has its own IP).
mkdir -p "${tmp}/bin"
cat >"${tmp}/bin/redis-sentinel" <<'EOF'
#!/bin/sh
exec redis-server "$1" --sentinel --bind "${BIND_IP}"
EOF
chmod +x "${tmp}/bin/redis-sentinel"

start_redis() {
  local name=$1 dir="${tmp}/${1}"
  mkdir -p "${dir}/conf" "${dir}/run" "${dir}/data"
  # prod's config, with the pod's paths and address replaced by this test's.
  sed -e "s|^bind .*|bind ${ip[${name}]}|" -e "s|^dir .*|dir ${dir}/data|" \
    -e "s|^aclfile .*|aclfile ${tmp}/state/users.acl|" \
    -e "s|^include /etc/redis/conf/|include ${dir}/conf/|" \
    "${K8S}/base/redis/redis.conf" >"${dir}/conf/redis.conf"
  cp "${K8S}/overlays/prod/redis-overlay.conf" "${dir}/conf/overlay.conf"
  env POD_NAME="${name}" HEADLESS_SERVICE=redis MASTER_NAME=duban \
    SENTINELS="${SENTINELS}" RUN_DIR="${dir}/run" CONF_DIR="${dir}/conf" \
    PASSWORDS_DIR="${PASSWORDS}" \
    sh "${K8S}/base/redis/start-redis.sh" >>"${tmp}/${name}.log" 2>&1 &
  children[${name}]=$!
}

start_sentinel() {
  local name=$1 dir="${tmp}/${1}"
  mkdir -p "${dir}/run"
  env PATH="${tmp}/bin:${PATH}" BIND_IP="${ip[${name}]}" POD_NAME="${name}" \
    HEADLESS_SERVICE=redis-sentinel REDIS_SERVICE=redis MASTER_NAME=duban \
    SENTINELS="${SENTINELS}" RUN_DIR="${dir}/run" PASSWORDS_DIR="${PASSWORDS}" \
    sh "${K8S}/base/redis/start-sentinel.sh" >>"${tmp}/${name}.log" 2>&1 &
  children[${name}]=$!
}

stop() { stop_child "$1"; }

# as USER NAME ARGS...: redis-cli to pod NAME's Redis as ACL user USER.
as() {
  local user=$1 name=$2
  shift 2
  REDISCLI_AUTH=$(<"${PASSWORDS}/${user}") redis-cli -h "${name}.redis" \
    --user "${user}" --raw "$@" 2>&1
}
sentinel() {
  local name=$1
  shift
  redis-cli -h "${name}.redis-sentinel" -p 26379 --raw "$@" 2>&1
}

# until_true SECONDS WHAT COMMAND...: retries COMMAND every 0.5 s.
until_true() {
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 2; i++)); do
    if "$@" >/dev/null 2>&1; then
      ok "${what}"
      return 0
    fi
    sleep 0.5
  done
  fail "${what} (not within ${seconds} s)"
  return 1
}

role_is() { as admin "$1" role | head -n 1 | grep -qx "$2"; }
replicas_of() {
  as admin "$1" info replication | grep -q "^connected_slaves:$2"
}
link_up() { as admin "$1" info replication | grep -q '^master_link_status:up'; }
primary_is() {
  [[ "$(sentinel "$1" sentinel get-master-addr-by-name duban | head -n 1)" == "$2" ]]
}
quorum_ok() { sentinel "$1" sentinel ckquorum duban | grep -q '^OK 3 usable'; }

dump_logs() {
  local f
  for f in "${tmp}"/*.log; do
    echo "--- ${f##*/}"
    tail -n 15 "${f}"
  done
}

for name in redis-0 redis-1 redis-2; do start_redis "${name}"; done
until_true 30 "redis-0 starts as the primary" role_is redis-0 master
until_true 30 "redis-1 and redis-2 replicate from it (as user replication)" \
  replicas_of redis-0 2
for name in redis-sentinel-0 redis-sentinel-1 redis-sentinel-2; do
  start_sentinel "${name}"
done
for name in redis-sentinel-0 redis-sentinel-1 redis-sentinel-2; do
  until_true 30 "${name} names redis-0.redis the primary" primary_is "${name}" redis-0.redis
done
until_true 60 "the three sentinels see each other (quorum)" quorum_ok redis-sentinel-0

as plan redis-0 hset 'duban:plan:{p}:x' f v >/dev/null
until_true 10 "a write by user plan on the primary reaches redis-2" \
  bash -c "[[ \"\$(REDISCLI_AUTH=\$(<'${PASSWORDS}/plan') redis-cli -h redis-2.redis --user plan --raw hget 'duban:plan:{p}:x' f 2>/dev/null)\" == v ]]"

# Failover: the primary dies; the sentinels promote a replica.
stop redis-0
new=""
for ((i = 0; i < 120; i++)); do
  candidate=$(sentinel redis-sentinel-1 sentinel get-master-addr-by-name duban | head -n 1)
  if [[ "${candidate}" == redis-1.redis || "${candidate}" == redis-2.redis ]]; then
    new=${candidate%.redis}
    break
  fi
  sleep 0.5
done
if [[ -n "${new}" ]]; then
  ok "after redis-0 died, the sentinels promoted ${new}"
  until_true 20 "${new} is a primary" role_is "${new}" master
  if [[ "$(as plan "${new}" hget 'duban:plan:{p}:x' f)" == v ]]; then
    ok "the data is on ${new}"
  else
    fail "the data is not on ${new}"
  fi
  if [[ "$(as plan "${new}" hset 'duban:plan:{p}:x' g w)" == 1 ]]; then
    ok "${new} takes writes"
  else
    fail "${new} refuses writes"
  fi

  # redis-0 comes back: it must ask the sentinels and follow the new primary.
  start_redis redis-0
  until_true 30 "restarted redis-0 is a replica" role_is redis-0 slave
  until_true 30 "restarted redis-0 replicates from ${new}" link_up redis-0
  if grep -q "replica of ${new}.redis" "${tmp}/redis-0.log"; then
    ok "redis-0 learned the primary from the sentinels"
  else
    fail "redis-0 did not learn the primary from the sentinels"
  fi

  # A sentinel restarted with an empty config learns the primary from its peers.
  stop redis-sentinel-0
  start_sentinel redis-sentinel-0
  until_true 30 "restarted redis-sentinel-0 names ${new}.redis the primary" \
    primary_is redis-sentinel-0 "${new}.redis"
else
  fail "no replica was promoted within 60 s of redis-0's death"
fi

if ((failed > 0)); then
  dump_logs
fi
summary sentinel-test
