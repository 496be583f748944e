#!/usr/bin/env bash
# Runs the built servers against a real redis-server that enforces the ACL
# file k8s/secrets.sh makes, each server as its own Redis user (as in the
# cluster), and drives the whole supervisor flow with dubanctl: import,
# organizations and units, issue (plan → unit), a year of progress reports,
# overdue list, scorecard, the event feed, the audit trail; all with
# authentication on, as in the cluster (bearer tokens; each server's own
# calls with a service token). Redis' ACL LOG must then hold no denial. Finally a command is taken away from plan's user, and the same
# flow must fail with a denial in the log: the test can tell.
#
#   k8s/check/acl-e2e.sh BUILD_DIR
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly ROOT="${HERE}/../.."
(($# == 1)) || {
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
}
BUILD=$(cd "$1" && pwd)
readonly BUILD
readonly DUBANCTL="${BUILD}/tools/dubanctl/dubanctl"
for binary in services/plan/plan-server services/unit/unit-server \
  services/progress/progress-server tools/dubanctl/dubanctl \
  tools/duban-token/duban-token; do
  [[ -x "${BUILD}/${binary}" ]] || {
    echo "acl-e2e: ${BUILD}/${binary} is not built" >&2
    exit 2
  }
done

# shellcheck source=k8s/check/lib.sh
source "${HERE}/lib.sh"

state="${tmp}/state"
"${HERE}/../secrets.sh" duban "${state}" >/dev/null
cp "${state}/users.acl" "${tmp}/users.acl"
pw="${state}/passwords"

# Free loopback ports: bound by nothing a moment ago (a server that loses
# the race fails to start and the test fails; it does not hang).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      echo "${port}"
      return
    fi
  done
}

redis_port=$(free_port)
redis-server --port "${redis_port}" --bind 127.0.0.1 --save "" \
  --appendonly no --dir "${tmp}" --aclfile "${tmp}/users.acl" \
  >"${tmp}/redis.log" 2>&1 &
children[redis]=$!
for ((i = 0; i < 100; i++)); do
  [[ "$(redis-cli -p "${redis_port}" ping 2>/dev/null)" != PONG ]] || break
  sleep 0.1
done
admin() {
  REDISCLI_AUTH=$(<"${pw}/admin") redis-cli -p "${redis_port}" --user admin "$@"
}

declare -A ports=([plan]=$(free_port) [unit]=$(free_port) [progress]=$(free_port))
export DUBAN_PLAN_ADDR="127.0.0.1:${ports[plan]}"
export DUBAN_UNIT_ADDR="127.0.0.1:${ports[unit]}"
export DUBAN_PROGRESS_ADDR="127.0.0.1:${ports[progress]}"
# Transport security is not what this checks: servers and dubanctl in
# plaintext.
export DUBAN_PLAINTEXT=1
# The demo year is filed on its own days, as deploy/run-local.sh does.
export DUBAN_ALLOW_BACKDATED_REPORTS=true

# Authentication as in the cluster (k8s/base: issuer and audience "duban"),
# with tokens signed by the key secrets.sh made. Without mutual TLS here,
# each server calls the others on its own with a service token.
mint() {
  local file=$1 sub=$2 kind=$3 role args=()
  shift 3
  for role in "$@"; do args+=(--role "${role}"); done
  "${BUILD}/tools/duban-token/duban-token" mint \
    --private-key "${state}/auth/signing.key" --issuer duban --audience duban \
    --sub "${sub}" --kind "${kind}" --ttl 1h "${args[@]}" >"${tmp}/${file}"
}
mint admin.token acl-e2e-admin person 'ADMINISTRATOR=*'
mint plan.token plan-server system 'SUPERVISOR=*'
mint unit.token unit-server system 'INTEGRATOR=*'
mint progress.token progress-server system 'INTEGRATOR=*'
mint nobody.token acl-e2e-nobody person
export DUBAN_TOKEN_FILE="${tmp}/admin.token"

start() {
  local service=$1
  "${BUILD}/services/${service}/${service}-server" \
    --listen "127.0.0.1:${ports[${service}]}" \
    --redis "127.0.0.1:${redis_port}" \
    --redis_user "${service}" --redis_password_file "${pw}/${service}" \
    --auth_public_key_file "${state}/auth/public.pem" \
    --auth_issuer duban --auth_audience duban \
    --auth_service_token_file "${tmp}/${service}.token" \
    --shutdown_seconds 1 --plaintext >"${tmp}/${service}.log" 2>&1 &
  children[${service}]=$!
  if "${DUBANCTL}" health "${service}" --wait 30s >/dev/null 2>&1; then
    ok "${service}-server is SERVING as Redis user ${service}"
  else
    tail -n 20 "${tmp}/${service}.log"
    fail "${service}-server did not report SERVING as Redis user ${service}"
    exit 1
  fi
}
start unit
start plan
start progress

run() {
  local what=$1
  shift
  if "${DUBANCTL}" "$@" >"${tmp}/out" 2>&1; then
    ok "${what}"
  else
    fail "${what}: $(tail -n 3 "${tmp}/out")"
  fi
}

run "plan import" plan import "${ROOT}/tests/testdata/yiyang-education-2020.txt" \
  --id yiyang-2020
run "org create" org create --id yiyang-edu --name 益阳市教育局 --level city \
  --alias 中共益阳市委教育工作委员会
run "units resolve --create-missing" units resolve --plan yiyang-2020 \
  --create-missing --accept-suggestions
run "plan issue (plan-server calls unit-server)" plan issue yiyang-2020
run "assignments" assignments --plan yiyang-2020
run "demo fill: a year of progress reports" demo fill --plan yiyang-2020 \
  --year 2020 --as-of 2020-12-10
run "report list" report list yiyang-2020 --unit 基教科 --period 2020-11
run "overdue" overdue --plan yiyang-2020 --as-of 2020-12-10
run "scorecard" scorecard --plan yiyang-2020 --as-of 2020-12-10
run "rollup" rollup --plan yiyang-2020 --as-of 2020-12-10
run "whoami" whoami
if "${DUBANCTL}" whoami | grep -q acl-e2e-admin; then
  ok "whoami names the token's subject"
else
  fail "whoami does not name acl-e2e-admin"
fi
if DUBAN_TOKEN_FILE="${tmp}/nobody.token" "${DUBANCTL}" plan get yiyang-2020 \
  >"${tmp}/out" 2>&1; then
  fail "a token without roles read a plan"
elif grep -q "PERMISSION_DENIED\|denied" "${tmp}/out"; then
  ok "a token without roles is refused: $(tail -n 1 "${tmp}/out")"
else
  fail "a token without roles: $(tail -n 1 "${tmp}/out")"
fi
# Every change above is in the audit trail, written as each service's user.
if "${DUBANCTL}" audit --org yiyang-edu --method SubmitReport --limit 5 \
  >"${tmp}/audit" 2>&1 && grep -q SubmitReport "${tmp}/audit"; then
  ok "audit: the reports are recorded"
else
  fail "audit: $(tail -n 3 "${tmp}/audit")"
fi
# The feed is a stream (XREAD on progress' own pool): read for 3 seconds.
timeout 3 "${DUBANCTL}" watch --plan yiyang-2020 >"${tmp}/watch" 2>&1 || true
if [[ -s "${tmp}/watch" ]] && ! grep -qi "permission\|NOPERM\|error" "${tmp}/watch"; then
  ok "watch: $(wc -l <"${tmp}/watch") lines of events"
else
  fail "watch printed no events: $(head -n 3 "${tmp}/watch")"
fi

denials=$(admin --raw acl log | grep -c -E '^(command|key|channel|auth)$' || true)
if ((denials == 0)); then
  ok "Redis ACL LOG: no denial"
else
  admin acl log | head -n 40
  fail "Redis ACL LOG holds ${denials} denial(s)"
fi

# Take EVALSHA (every plan write is a Lua script) away from plan's user:
# an import must now fail and be logged as a denial.
sed -i '/^user plan /s/ +evalsha / /' "${tmp}/users.acl"
admin acl load >/dev/null
admin acl log reset >/dev/null
if "${DUBANCTL}" plan import "${ROOT}/tests/testdata/hunan-education-2020.txt" \
  --id hunan-2020 >"${tmp}/out" 2>&1; then
  fail "plan import succeeded without EVALSHA"
else
  ok "without EVALSHA, plan import fails: $(tail -n 1 "${tmp}/out")"
fi
if admin --raw acl log | grep -qi evalsha; then
  ok "the ACL LOG names the denied EVALSHA"
else
  fail "no EVALSHA denial in the ACL LOG"
fi

summary acl-e2e
