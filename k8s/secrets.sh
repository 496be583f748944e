#!/usr/bin/env bash
# Makes the Secrets duban's manifests mount, and prints them as YAML for
# `kubectl apply -f -`. Nothing secret is committed: the generated material
# lives in STATE_DIR (keep it safe: it holds the CA key and every password),
# and running the script again reuses it, so the output changes only when a
# rotation below asks for it.
#
#   k8s/secrets.sh [OPTIONS] NAMESPACE STATE_DIR | kubectl apply -f -
#
# Secrets (in NAMESPACE):
#   duban-redis-passwords  keys plan, unit, progress (each server mounts its
#                          own), replication, sentinel (Redis and Sentinel),
#                          admin (operators: backups, ACL LOAD)
#   duban-redis-acl        users.acl: one Redis user per service, limited to
#                          its key prefix duban:<service>:*
#   duban-tls-<service>    tls.crt, tls.key, ca.crt for plan, unit, progress
#                          (server and client certificate: the servers call
#                          each other with mutual TLS)
#   duban-tls-client       a client certificate for dubanctl in the cluster
#   duban-auth-keys        public.pem: the EC P-256 key that verifies bearer
#                          tokens (--auth_public_key_file); its private half
#                          stays in STATE_DIR/auth/signing.key, to mint
#                          tokens with tools/duban-token (issuer and
#                          audience "duban", as k8s/base sets them)
#
# Rotation (each prints the Secrets to apply; k8s/README.md has the steps):
#   --rotate-password USER   new password for USER; the ACL accepts the old
#                            one too until --drop-old-password USER
#   --drop-old-password USER the ACL forgets USER's previous password
#   --renew-certs            new server and client certificates, same CA
#   --new-ca                 a new CA, trusted beside the current one
#   --promote-ca             certificates from the new CA, the old one still
#                            trusted
#   --drop-old-ca            only the new CA is trusted
set -euo pipefail

readonly SERVICES=(plan unit progress)
readonly REDIS_USERS=(plan unit progress replication sentinel admin)
readonly CERT_DAYS=365
readonly CA_DAYS=3650

die() {
  echo "secrets: error: $*" >&2
  exit 2
}

# Commands each service's Redis user may run: what its store and Lua
# scripts call, nothing administrative. Keys are limited separately.
readonly SERVICE_COMMANDS="+ping +auth +hello +client|setname +select \
+script|load +script|exists +eval +evalsha +multi +exec +discard +watch \
+unwatch +get +set +del +exists +type +expire \
+hget +hgetall +hmget +hset +hsetnx +hdel +hexists +hincrby +hlen +hkeys \
+lrange +llen +lset +lpush +rpush +lindex \
+sadd +srem +scard +smembers +sismember +sort \
+zadd +zrem +zrange +zrangebylex +zrangebyscore +zcard +zscore \
+xadd +xread +xrange +xrevrange +xlen +role"

new_password() { openssl rand -hex 32; }
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
b64() { base64 -w0 <"$1"; }

# The ACL line of a user: its current password and, during a rotation, the
# previous one (both accepted).
acl_passwords() {
  local user=$1 out
  out="#$(sha256 "$(<"${STATE}/passwords/${user}")")"
  if [[ -f "${STATE}/passwords/${user}.old" ]]; then
    out+=" #$(sha256 "$(<"${STATE}/passwords/${user}.old")")"
  fi
  printf '%s' "${out}"
}

write_acl() {
  local service
  {
    # (An ACL file has no comments.) Unauthenticated connections may PING (the probes) and authenticate.
    echo "user default on nopass resetkeys resetchannels -@all +ping +auth +hello"
    for service in "${SERVICES[@]}"; do
      echo "user ${service} on $(acl_passwords "${service}") resetkeys" \
        "~duban:${service}:* ~duban:audit:* resetchannels -@all ${SERVICE_COMMANDS}"
    done
    echo "user replication on $(acl_passwords replication) resetkeys" \
      "resetchannels -@all +psync +replconf +ping"
    # What Sentinel needs on a monitored Redis (Redis' Sentinel docs).
    echo "user sentinel on $(acl_passwords sentinel) resetkeys allchannels" \
      "-@all +multi +slaveof +ping +exec +subscribe +config|rewrite +role" \
      "+publish +info +client|setname +client|kill +script|kill"
    echo "user admin on $(acl_passwords admin) ~* &* +@all"
  } >"${STATE}/users.acl"
}

# Certificates. ca.crt is the bundle every server trusts: the current CA,
# plus during a CA rotation the other one.
new_ca() {
  local name=$1
  openssl req -x509 -newkey rsa:3072 -nodes -days "${CA_DAYS}" \
    -subj "/O=duban/CN=duban CA $(date -u +%Y%m%d%H%M%S)" \
    -keyout "${STATE}/tls/${name}.key" -out "${STATE}/tls/${name}.crt" \
    2>/dev/null
}

# Issues certificate $1 (plan, unit, progress or client) from CA file stem $2.
issue() {
  local name=$1 ca=$2 ext="${STATE}/tls/${1}.ext" san
  if [[ "${name}" == client ]]; then
    san="DNS:duban-client"
  else
    san="DNS:${name},DNS:${name}.${NAMESPACE},DNS:${name}.${NAMESPACE}.svc"
    san+=",DNS:${name}.${NAMESPACE}.svc.cluster.local"
  fi
  cat >"${ext}" <<EOF
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=${san}
EOF
  openssl req -newkey rsa:2048 -nodes -subj "/O=duban/CN=${name}" \
    -keyout "${STATE}/tls/${name}.key" -out "${STATE}/tls/${name}.csr" \
    2>/dev/null
  openssl x509 -req -in "${STATE}/tls/${name}.csr" -days "${CERT_DAYS}" \
    -CA "${STATE}/tls/${ca}.crt" -CAkey "${STATE}/tls/${ca}.key" \
    -CAcreateserial -extfile "${ext}" -out "${STATE}/tls/${name}.crt" \
    2>/dev/null
  rm -f "${STATE}/tls/${name}.csr" "${ext}"
  chmod 600 "${STATE}/tls/${name}.key"
}

issue_all() {
  local name
  for name in "${SERVICES[@]}" client; do issue "${name}" "$1"; done
}

write_bundle() {
  cat "${STATE}/tls/ca.crt" >"${STATE}/tls/bundle.crt"
  if [[ -f "${STATE}/tls/ca-other.crt" ]]; then
    cat "${STATE}/tls/ca-other.crt" >>"${STATE}/tls/bundle.crt"
  fi
}

secret() {
  local name=$1 type=$2
  shift 2
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n'
  printf '  name: %s\n  namespace: %s\n' "${name}" "${NAMESPACE}"
  printf '  labels:\n    app.kubernetes.io/part-of: duban\n'
  printf 'type: %s\ndata:\n' "${type}"
  local pair
  for pair in "$@"; do
    printf '  %s: %s\n' "${pair%%=*}" "$(b64 "${pair#*=}")"
  done
}

# The token signing key pair, made once.
ensure_signing_key() {
  [[ -s "${STATE}/auth/signing.key" && -s "${STATE}/auth/public.pem" ]] &&
    return
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "${STATE}/auth/signing.key" 2>/dev/null
  openssl pkey -in "${STATE}/auth/signing.key" -pubout \
    -out "${STATE}/auth/public.pem" 2>/dev/null
  chmod 600 "${STATE}/auth/signing.key"
}

print_secrets() {
  local user service args=()
  for user in "${REDIS_USERS[@]}"; do
    args+=("${user}=${STATE}/passwords/${user}")
  done
  secret duban-redis-passwords Opaque "${args[@]}"
  secret duban-redis-acl Opaque "users.acl=${STATE}/users.acl"
  for service in "${SERVICES[@]}" client; do
    secret "duban-tls-${service}" kubernetes.io/tls \
      "tls.crt=${STATE}/tls/${service}.crt" \
      "tls.key=${STATE}/tls/${service}.key" \
      "ca.crt=${STATE}/tls/bundle.crt"
  done
  secret duban-auth-keys Opaque "public.pem=${STATE}/auth/public.pem"
}

main() {
  local action="" action_user=""
  while (($# > 0)); do
    case "$1" in
      --rotate-password | --drop-old-password)
        (($# >= 2)) || die "$1 needs a user"
        action=$1 action_user=$2
        shift 2
        ;;
      --renew-certs | --new-ca | --promote-ca | --drop-old-ca)
        action=$1
        shift
        ;;
      -*) die "unknown option $1" ;;
      *) break ;;
    esac
  done
  (($# == 2)) || die "usage: $0 [OPTIONS] NAMESPACE STATE_DIR"
  NAMESPACE=$1
  STATE=$2
  [[ "${NAMESPACE}" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] ||
    die "namespace ${NAMESPACE} is not a valid name"
  if [[ -n "${action_user}" ]]; then
    [[ " ${REDIS_USERS[*]} " == *" ${action_user} "* ]] ||
      die "unknown user ${action_user} (one of ${REDIS_USERS[*]})"
  fi
  umask 077
  mkdir -p "${STATE}/passwords" "${STATE}/tls" "${STATE}/auth"

  local user
  for user in "${REDIS_USERS[@]}"; do
    [[ -s "${STATE}/passwords/${user}" ]] ||
      new_password >"${STATE}/passwords/${user}"
  done
  if [[ ! -f "${STATE}/tls/ca.crt" ]]; then
    new_ca ca
    issue_all ca
  fi

  local p="${STATE}/passwords/${action_user}"
  case "${action}" in
    --rotate-password)
      [[ ! -f "${p}.old" ]] ||
        die "${action_user} is mid-rotation; --drop-old-password ${action_user} first"
      mv "${p}" "${p}.old"
      new_password >"${p}"
      ;;
    --drop-old-password)
      [[ -f "${p}.old" ]] || die "${action_user} has no old password"
      rm "${p}.old"
      ;;
    --renew-certs) issue_all ca ;;
    --new-ca)
      [[ ! -f "${STATE}/tls/ca-other.crt" ]] ||
        die "a CA rotation is under way; --drop-old-ca first"
      new_ca ca-other
      ;;
    --promote-ca)
      [[ -f "${STATE}/tls/ca-other.key" ]] || die "no new CA; --new-ca first"
      # The new CA becomes current; the old one stays trusted as "other".
      local f
      for f in crt key; do
        mv "${STATE}/tls/ca.${f}" "${STATE}/tls/ca-old.${f}"
        mv "${STATE}/tls/ca-other.${f}" "${STATE}/tls/ca.${f}"
        mv "${STATE}/tls/ca-old.${f}" "${STATE}/tls/ca-other.${f}"
      done
      issue_all ca
      ;;
    --drop-old-ca)
      [[ -f "${STATE}/tls/ca-other.crt" ]] || die "only one CA is trusted"
      rm -f "${STATE}/tls/ca-other.crt" "${STATE}/tls/ca-other.key"
      ;;
  esac
  ensure_signing_key
  write_acl
  write_bundle
  print_secrets
}

main "$@"
