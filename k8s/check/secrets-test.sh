#!/usr/bin/env bash
# Tests k8s/secrets.sh against a real redis-server on a loopback port: the
# ACL file it writes loads, each service's user reaches its own keys with
# the commands its store uses (hashes, sorted sets, streams, Lua) and
# nothing else, unauthenticated clients can only PING, and a password
# rotation accepts both passwords until the old one is dropped. Also checks
# the certificates (chain, names, key usage) and prints the Secrets' YAML
# to $1 for schema validation.
#
#   k8s/check/secrets-test.sh OUT.yaml
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SECRETS="${HERE}/../secrets.sh"
(($# == 1)) || {
  echo "usage: $0 OUT.yaml" >&2
  exit 2
}
readonly OUT=$1

# shellcheck source=k8s/check/lib.sh
source "${HERE}/lib.sh"

state="${tmp}/state"
"${SECRETS}" duban "${state}" >"${OUT}"
cp "${state}/users.acl" "${tmp}/users.acl"

# A free loopback port: random ones until redis-server binds one.
port=""
for ((attempt = 0; attempt < 10; attempt++)); do
  candidate=$((20000 + RANDOM % 40000))
  redis-server --port "${candidate}" --bind 127.0.0.1 --save "" \
    --appendonly no --dir "${tmp}" --aclfile "${tmp}/users.acl" \
    >"${tmp}/redis.log" 2>&1 &
  children[redis]=$!
  for ((i = 0; i < 50; i++)); do
    if [[ "$(redis-cli -p "${candidate}" ping 2>/dev/null)" == PONG ]]; then
      port=${candidate}
      break 2
    fi
    kill -0 "${children[redis]}" 2>/dev/null || break
    sleep 0.1
  done
  stop_child redis
done
if [[ -z "${port}" ]]; then
  cat "${tmp}/redis.log" >&2
  echo "secrets-test: redis-server did not start with the ACL file" >&2
  exit 1
fi

# as USER PASSWORD_FILE COMMAND...: runs one command as USER ("-" for none).
as() {
  local user=$1 file=$2
  shift 2
  if [[ "${user}" == - ]]; then
    redis-cli -p "${port}" --no-raw "$@" 2>&1
  else
    REDISCLI_AUTH=$(<"${file}") redis-cli -p "${port}" --user "${user}" \
      --no-raw "$@" 2>&1
  fi
}
expect() {
  local what=$1 pattern=$2 out
  shift 2
  out=$(as "$@")
  if [[ "${out}" =~ ${pattern} ]]; then
    ok "${what}"
  else
    fail "${what}: got ${out}"
  fi
}

pw="${state}/passwords"
expect "unauthenticated PING" '^PONG$' - - ping
expect "unauthenticated GET refused" 'NOPERM' - - get duban:plan:x
for service in plan unit progress; do
  other=unit
  [[ "${service}" != unit ]] || other=plan
  expect "${service}: HSET own key" '^\(integer\) 1$' "${service}" "${pw}/${service}" \
    hset "duban:${service}:{a}:x" f v
  expect "${service}: HGETALL own key" 'f' "${service}" "${pw}/${service}" \
    hgetall "duban:${service}:{a}:x"
  expect "${service}: ZADD + ZRANGEBYLEX" '^\(integer\) 1$' "${service}" "${pw}/${service}" \
    zadd "duban:${service}:{a}:z" 0 m
  expect "${service}: Lua on own keys" '^"v"$' "${service}" "${pw}/${service}" \
    eval "return redis.call('HGET', KEYS[1], 'f')" 1 "duban:${service}:{a}:x"
  out=$(printf 'MULTI\nHSET duban:%s:{a}:x g w\nHDEL duban:%s:{a}:x g\nEXEC\n' \
    "${service}" "${service}" | REDISCLI_AUTH=$(<"${pw}/${service}") \
    redis-cli -p "${port}" --user "${service}" 2>&1)
  if [[ "${out}" == *QUEUED* && "${out}" != *ERR* && "${out}" != *NOPERM* ]]; then
    ok "${service}: MULTI/EXEC"
  else
    fail "${service}: MULTI/EXEC: got ${out}"
  fi
  expect "${service}: another service's keys refused" 'NOPERM' "${service}" \
    "${pw}/${service}" hget "duban:${other}:{a}:x" f
  expect "${service}: Lua on another service's keys refused" 'NOPERM|No permissions' \
    "${service}" "${pw}/${service}" \
    eval "return redis.call('HGET', KEYS[1], 'f')" 1 "duban:${other}:{a}:x"
  # The audit trail (common/audit.h) is written and read by every service,
  # by the same script: GET, XADD, SET ... EX; then XREVRANGE.
  expect "${service}: audit record appended" '^1\) \(integer\) 1' "${service}" \
    "${pw}/${service}" eval "if redis.call('GET', KEYS[2]) then return {0} end
local id = redis.call('XADD', KEYS[1], '*', 'summary', 's')
redis.call('SET', KEYS[2], id, 'EX', 60) return {1, id}" 2 \
    "duban:audit:{org:${service}}" "duban:audit:{org:${service}}:request:m:r"
  expect "${service}: audit records read" 'summary' "${service}" \
    "${pw}/${service}" xrevrange "duban:audit:{org:${service}}" + - count 1
  expect "${service}: FLUSHALL refused" 'NOPERM' "${service}" "${pw}/${service}" flushall
  expect "${service}: CONFIG refused" 'NOPERM' "${service}" "${pw}/${service}" config get dir
  expect "${service}: KEYS refused" 'NOPERM' "${service}" "${pw}/${service}" keys '*'
done
expect "progress: XADD to its stream" '-' progress "${pw}/progress" \
  xadd "duban:progress:{e}:events" '*' kind test
expect "progress: XREAD its stream" 'kind' progress "${pw}/progress" \
  xread count 1 streams "duban:progress:{e}:events" 0
as progress "${pw}/progress" sadd "duban:progress:{a}:s" b a >/dev/null
expect "progress: SORT ALPHA its set" '^1\) "a"' progress "${pw}/progress" \
  sort "duban:progress:{a}:s" alpha
sha=$(as plan "${pw}/plan" --raw script load "return 7")
expect "plan: SCRIPT LOAD + EVALSHA" '^\(integer\) 7$' plan "${pw}/plan" \
  evalsha "${sha}" 0
expect "replication user cannot read data" 'NOPERM' replication \
  "${pw}/replication" hget "duban:plan:{a}:x" f
expect "sentinel user cannot read data" 'NOPERM' sentinel "${pw}/sentinel" \
  hget "duban:plan:{a}:x" f
expect "sentinel user may INFO and ROLE" 'master' sentinel "${pw}/sentinel" role
expect "admin may do anything" '^PONG$' admin "${pw}/admin" ping
expect "a wrong password is refused" 'WRONGPASS|invalid' plan "${pw}/unit" ping

# Password rotation: both passwords work until the old one is dropped.
cp "${pw}/plan" "${tmp}/plan.before"
"${SECRETS}" --rotate-password plan duban "${state}" >/dev/null
cp "${state}/users.acl" "${tmp}/users.acl"
as admin "${pw}/admin" acl load >/dev/null
expect "rotation: the new password works" '^PONG$' plan "${pw}/plan" ping
expect "rotation: the old password still works" '^PONG$' plan "${tmp}/plan.before" ping
"${SECRETS}" --drop-old-password plan duban "${state}" >/dev/null
cp "${state}/users.acl" "${tmp}/users.acl"
as admin "${pw}/admin" acl load >/dev/null
expect "after the drop: the new password works" '^PONG$' plan "${pw}/plan" ping
expect "after the drop: the old password is refused" 'WRONGPASS|invalid' plan \
  "${tmp}/plan.before" ping
if "${SECRETS}" --drop-old-password plan duban "${state}" >/dev/null 2>&1; then
  fail "a second --drop-old-password is accepted"
else
  ok "a second --drop-old-password is refused"
fi

# Certificates: every one chains to the CA, names its Service, serves and
# authenticates clients; a CA rotation keeps old and new trusted until the
# old one is dropped.
tls="${state}/tls"
check_certs() {
  local when=$1 name
  for name in plan unit progress client; do
    if openssl verify -CAfile "${tls}/bundle.crt" "${tls}/${name}.crt" >/dev/null 2>&1; then
      ok "${when}: ${name} certificate chains to the trusted CAs"
    else
      fail "${when}: ${name} certificate does not chain to the trusted CAs"
    fi
  done
}
check_certs "first issue"
text=$(openssl x509 -in "${tls}/unit.crt" -noout -text)
if [[ "${text}" == *"DNS:unit.duban.svc"* ]]; then
  ok "unit certificate names unit.duban.svc"
else
  fail "unit certificate lacks DNS:unit.duban.svc"
fi
if [[ "${text}" == *"TLS Web Server Authentication, TLS Web Client Authentication"* ]]; then
  ok "certificates are for server and client auth"
else
  fail "certificates lack serverAuth/clientAuth"
fi
cp "${tls}/plan.crt" "${tmp}/plan-old-ca.crt"
"${SECRETS}" --new-ca duban "${state}" >/dev/null
"${SECRETS}" --promote-ca duban "${state}" >/dev/null
check_certs "new CA"
if openssl verify -CAfile "${tls}/bundle.crt" "${tmp}/plan-old-ca.crt" >/dev/null 2>&1; then
  ok "during the CA rotation, certificates of the old CA are still trusted"
else
  fail "during the CA rotation, certificates of the old CA are not trusted"
fi
"${SECRETS}" --drop-old-ca duban "${state}" >/dev/null
check_certs "old CA dropped"
if openssl verify -CAfile "${tls}/bundle.crt" "${tmp}/plan-old-ca.crt" >/dev/null 2>&1; then
  fail "after the drop, certificates of the old CA are still trusted"
else
  ok "after the drop, certificates of the old CA are refused"
fi

# The token signing key: EC P-256, public half in Secret duban-auth-keys,
# private half only in the state directory, kept across runs; the client
# certificates carry the common names k8s/base/auth/principals.json maps.
auth="${state}/auth"
if openssl pkey -pubin -in "${auth}/public.pem" -noout -text 2>/dev/null |
  grep -q "NIST CURVE: P-256"; then
  ok "the token verification key is EC P-256"
else
  fail "the token verification key is not an EC P-256 public key"
fi
if [[ "$(openssl pkey -in "${auth}/signing.key" -pubout 2>/dev/null)" == \
  "$(<"${auth}/public.pem")" ]]; then
  ok "the signing key and the verification key are a pair"
else
  fail "the signing key does not match public.pem"
fi
if grep -q "name: duban-auth-keys" "${OUT}" && ! grep -q "signing.key" "${OUT}"; then
  ok "Secret duban-auth-keys holds the public key only"
else
  fail "Secret duban-auth-keys missing, or the signing key printed"
fi
before=$(<"${auth}/public.pem")
"${SECRETS}" duban "${state}" >/dev/null
if [[ "$(<"${auth}/public.pem")" == "${before}" ]]; then
  ok "the signing key is kept across runs"
else
  fail "the signing key changed on a second run"
fi
for name in plan unit progress; do
  if openssl x509 -in "${tls}/${name}.crt" -noout -subject | grep -q "CN *= *${name}\$" &&
    grep -q "\"common_name\": \"${name}\"" "${HERE}/../base/auth/principals.json"; then
    ok "${name}'s client certificate is mapped by base/auth/principals.json"
  else
    fail "${name}'s client certificate common name is not mapped"
  fi
done

summary secrets-test
