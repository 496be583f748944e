#!/usr/bin/env bash
# Runs duban on this machine, from a fresh Debian 12 install to two imported
# plans: installs missing packages (deploy/install-deps.sh), builds the
# servers and dubanctl (Release, in build/), starts Redis on 127.0.0.1:6390
# (AOF on, data in .run/redis/) and every server that is built, waits until
# each reports SERVING, and imports the two seed plans.
#
# Every server listens with mutual TLS, on development certificates made
# here with openssl in .run/tls/ (a CA, one certificate per server, used
# also to call the other servers, and one for dubanctl); the closing
# instructions say which environment variables point dubanctl at them.
#
# Authentication is on: every call needs a credential. In .run/auth/,
# tools/duban-token makes a signing key pair (kept) and development tokens
# (made again on every run, valid 30 days): an administrator, a supervisor
# per organization, a reporter of one unit and an integrator. The servers
# know each other by their client certificates (principals.json maps
# plan-server, unit-server and progress-server to system principals). This
# script acts as the administrator; the closing instructions print the
# DUBAN_TOKEN_FILE lines for each token.
#
# Run it again at any time: a process whose pidfile is alive and healthy is
# reused; a dead, unhealthy or rebuilt one is restarted. Logs are in
# .run/logs/, pidfiles in .run/. deploy/stop-local.sh stops what it started.
#
# Environment: DUBAN_BUILD_DIR (default build/), DUBAN_JOBS (default 2).
set -euo pipefail

readonly SCRIPT_NAME=run-local
# shellcheck source=deploy/local-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/local-lib.sh"

readonly JOBS="${DUBAN_JOBS:-2}"
# Servers that call each other read these (flags are settable as
# DUBAN_<FLAG>); dubanctl reads them too.
export DUBAN_PLAN_ADDR="127.0.0.1:${SERVICE_PORTS[plan]}"
export DUBAN_UNIT_ADDR="127.0.0.1:${SERVICE_PORTS[unit]}"
export DUBAN_PROGRESS_ADDR="127.0.0.1:${SERVICE_PORTS[progress]}"
# The demo year is filed on the days it would have been (2020), so the
# local progress-server takes backdated reports; no real server should.
export DUBAN_ALLOW_BACKDATED_REPORTS=true
# dubanctl's TLS settings (DUBAN_TLS_*), also printed at the end. The
# servers get theirs as flags, which win over these variables.
export DUBAN_TLS_CA_FILE="${TLS_DIR}/ca.pem"
export DUBAN_TLS_CERT_FILE="${TLS_DIR}/dubanctl.pem"
export DUBAN_TLS_KEY_FILE="${TLS_DIR}/dubanctl.key"
unset DUBAN_PLAINTEXT DUBAN_TLS_SERVER_NAME DUBAN_TOKEN
# Everything below runs as the development administrator.
export DUBAN_TOKEN_FILE="${AUTH_DIR}/admin.token"
readonly AUTH_ISSUER=duban-local-dev
readonly AUTH_AUDIENCE=duban
readonly DUBAN_TOKEN_TOOL="${BUILD_DIR}/tools/duban-token/duban-token"
REPORTER_UNIT=

install_and_build() {
  "${ROOT}/deploy/install-deps.sh"
  log "configuring ${BUILD_DIR} (Release)"
  cmake -S "${ROOT}" -B "${BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release >/dev/null
  # Only what runs here; deploy/test.sh builds the rest.
  local targets=(dubanctl duban-token) available service
  available=$(cmake --build "${BUILD_DIR}" --target help)
  for service in "${SERVICES[@]}"; do
    # "... plan-server" (Makefiles) or "plan-server: phony" (Ninja).
    if grep -Eq -- "(^|\.\.\. )${service}-server(:|\$)" <<<"${available}"; then
      targets+=("${service}-server")
    fi
  done
  log "building ${targets[*]} (-j${JOBS})"
  cmake --build "${BUILD_DIR}" -j "${JOBS}" --target "${targets[@]}"
}

# True when certificate $1 exists and stays valid for at least a day.
cert_fresh() {
  [[ -s "$1" ]] && openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1
}

# Signs a certificate for $1 (its common name and file name) with the
# development CA, usable to serve on localhost/127.0.0.1 and as a client.
issue_dev_cert() {
  local name=$1
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "${TLS_DIR}/${name}.key" -out "${TLS_DIR}/${name}.csr" \
    -subj "/O=duban local development/CN=${name}" 2>/dev/null
  printf '%s\n' \
    'basicConstraints = critical, CA:FALSE' \
    'keyUsage = critical, digitalSignature, keyEncipherment' \
    'extendedKeyUsage = serverAuth, clientAuth' \
    'subjectAltName = DNS:localhost, IP:127.0.0.1' >"${TLS_DIR}/${name}.ext"
  openssl x509 -req -in "${TLS_DIR}/${name}.csr" -CA "${TLS_DIR}/ca.pem" \
    -CAkey "${TLS_DIR}/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 365 -sha256 -extfile "${TLS_DIR}/${name}.ext" \
    -out "${TLS_DIR}/${name}.pem" 2>/dev/null
  rm -f "${TLS_DIR}/${name}.csr" "${TLS_DIR}/${name}.ext"
}

# Makes the development CA and certificates in .run/tls/ unless they exist
# and stay valid for another day. Running servers read renewed files within
# a minute (--tls_refresh_seconds); until then they fail the health check
# and are restarted.
ensure_dev_certs() {
  local name renew=no
  for name in ca "${SERVICES[@]/%/-server}" dubanctl; do
    cert_fresh "${TLS_DIR}/${name}.pem" || renew=yes
  done
  if [[ "${renew}" == no ]]; then
    log "tls: development certificates in ${TLS_DIR}, reused"
    return
  fi
  command -v openssl >/dev/null ||
    die "openssl is needed to make the development certificates"
  log "tls: making a development CA and certificates in ${TLS_DIR}"
  mkdir -p "${TLS_DIR}"
  chmod 700 "${TLS_DIR}"
  (
    set -e
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "${TLS_DIR}/ca.key" -out "${TLS_DIR}/ca.pem" -days 3650 \
      -subj "/O=duban local development/CN=duban development CA" \
      -addext "basicConstraints = critical, CA:TRUE" \
      -addext "keyUsage = critical, keyCertSign, cRLSign" 2>/dev/null
    for name in "${SERVICES[@]/%/-server}" dubanctl; do
      issue_dev_cert "${name}"
    done
  ) || die "openssl could not make the development certificates"
}

# Mints token file $1 (in .run/auth/) for principal $2 of kind $3; the
# remaining arguments are ROLE=SCOPE bindings.
mint_token() {
  local file=$1 sub=$2 kind=$3 role args=()
  shift 3
  for role in "$@"; do args+=(--role "${role}"); done
  (
    umask 077
    "${DUBAN_TOKEN_TOOL}" mint --private-key "${AUTH_DIR}/signing.key" \
      --issuer "${AUTH_ISSUER}" --audience "${AUTH_AUDIENCE}" \
      --sub "${sub}" --kind "${kind}" --ttl 720h "${args[@]}" \
      >"${AUTH_DIR}/${file}.tmp"
  ) || die "duban-token could not mint ${file}"
  mv "${AUTH_DIR}/${file}.tmp" "${AUTH_DIR}/${file}"
}

# The development signing key pair (made once), the servers' certificate
# principals, and the tokens that need no unit id: the administrator this
# script acts as, one supervisor per organization it creates, and an
# integrator. The reporter's token waits for its unit (mint_reporter_token).
ensure_dev_credentials() {
  mkdir -p "${AUTH_DIR}"
  chmod 700 "${AUTH_DIR}"
  if [[ ! -s "${AUTH_DIR}/signing.key" || ! -s "${AUTH_DIR}/signing.pub" ]]; then
    log "auth: making a development signing key pair in ${AUTH_DIR}"
    rm -f "${AUTH_DIR}/signing.key" "${AUTH_DIR}/signing.pub"
    "${DUBAN_TOKEN_TOOL}" keygen --private-key "${AUTH_DIR}/signing.key" \
      --public-key "${AUTH_DIR}/signing.pub" ||
      die "duban-token could not make the signing key pair"
  fi
  # What each server may do on its own (calls outside any caller's
  # request): plan-server commits assignments, progress-server reads plans
  # and assignments, unit-server reads plans.
  cat >"${AUTH_DIR}/principals.json.tmp" <<'JSON'
{
  "principals": [
    {"common_name": "plan-server", "id": "plan-server",
     "name": "plan service",
     "roles": [{"role": "SUPERVISOR", "scope": "*"}]},
    {"common_name": "unit-server", "id": "unit-server",
     "name": "unit service",
     "roles": [{"role": "INTEGRATOR", "scope": "*"}]},
    {"common_name": "progress-server", "id": "progress-server",
     "name": "progress service",
     "roles": [{"role": "INTEGRATOR", "scope": "*"}]}
  ]
}
JSON
  mv "${AUTH_DIR}/principals.json.tmp" "${AUTH_DIR}/principals.json"
  mint_token admin.token dev-admin person 'ADMINISTRATOR=*'
  mint_token supervisor-hunan-edu.token dev-supervisor-hunan person \
    SUPERVISOR=organizations/hunan-edu
  mint_token supervisor-yiyang-edu.token dev-supervisor-yiyang person \
    SUPERVISOR=organizations/yiyang-edu
  mint_token integrator.token dev-integrator system 'INTEGRATOR=*'
  log "auth: development tokens in ${AUTH_DIR}"
}

# reporter.token: a reporter of unit $2 (as printed) of organization $1,
# once the unit exists.
mint_reporter_token() {
  local org=$1 unit=$2 name
  name=$("${DUBANCTL}" --json unit get "${unit}" --org "${org}" |
    grep -o '"name": *"organizations/[^"]*/units/[^"]*"' | head -n 1 |
    sed -E 's/.*"(organizations[^"]*)"$/\1/') || true
  [[ "${name}" == organizations/*/units/* ]] ||
    die "cannot find unit ${unit} of ${org} for the reporter's token"
  mint_token reporter.token dev-reporter person "REPORTER=${name}"
  REPORTER_UNIT="${name} (${unit})"
}

redis_answers() {
  [[ "$(redis-cli -h 127.0.0.1 -p "${REDIS_PORT}" ping 2>/dev/null)" == PONG ]]
}

start_redis() {
  local pid i
  if pid=$(live_pid "${REDIS_PIDFILE}" redis-server); then
    if redis_answers; then
      log "redis: running (pid ${pid}), reused"
      return
    fi
    log "redis: pid ${pid} does not answer PING; restarting it"
    stop_pid "${pid}" redis-server
  fi
  rm -f "${REDIS_PIDFILE}"
  if port_in_use "${REDIS_PORT}"; then
    die "port ${REDIS_PORT} is taken by a process that run-local did not" \
      "start; stop it (or free the port) and run again"
  fi
  mkdir -p "${RUN_DIR}/redis" "${LOG_DIR}"
  redis-server "${ROOT}/deploy/redis-local.conf" \
    --dir "${RUN_DIR}/redis" \
    --pidfile "${REDIS_PIDFILE}" \
    --logfile "${LOG_DIR}/redis.log"
  # Loading a large AOF takes a while; PING answers LOADING until then.
  for ((i = 0; i < 300; i++)); do
    if redis_answers; then
      log "redis: started on ${REDIS_ADDR} (pid $(<"${REDIS_PIDFILE}"))"
      return
    fi
    sleep 0.1
  done
  tail -n 20 "${LOG_DIR}/redis.log" >&2 || true
  die "redis did not answer on ${REDIS_ADDR} within 30 s; see ${LOG_DIR}/redis.log"
}

# Starts (or reuses) <service>-server. Prints nothing and returns 0 when the
# binary is not built (the service is still being written).
start_server() {
  local service=$1
  local name="${service}-server"
  local binary="${BUILD_DIR}/services/${service}/${name}"
  local port="${SERVICE_PORTS[${service}]}"
  local pidfile="${RUN_DIR}/${name}.pid"
  local logfile="${LOG_DIR}/${name}.log"
  local pid
  if [[ ! -x "${binary}" ]]; then
    log "${name}: not built (coming later), skipped"
    return
  fi
  if pid=$(live_pid "${pidfile}" "${name}"); then
    if [[ "$(readlink "/proc/${pid}/exe")" == *" (deleted)" ]]; then
      log "${name}: binary was rebuilt; restarting pid ${pid}"
      stop_pid "${pid}" "${name}"
    elif "${DUBANCTL}" health "${service}" --wait 5s >/dev/null 2>&1; then
      log "${name}: running and SERVING (pid ${pid}), reused"
      return
    else
      log "${name}: pid ${pid} is not SERVING; restarting it"
      stop_pid "${pid}" "${name}"
    fi
  fi
  rm -f "${pidfile}"
  if port_in_use "${port}"; then
    die "port ${port} is taken by a process that run-local did not start;" \
      "stop it and run again"
  fi
  mkdir -p "${LOG_DIR}"
  # setsid: the server must outlive this script and ignore the terminal's
  # Ctrl-C. The shell records its own pid, then becomes the server.
  # shellcheck disable=SC2016  # expanded by that inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "${pidfile}" \
    "${binary}" --listen="127.0.0.1:${port}" --redis="${REDIS_ADDR}" \
    --tls_cert_file="${TLS_DIR}/${name}.pem" \
    --tls_key_file="${TLS_DIR}/${name}.key" \
    --tls_client_ca_file="${TLS_DIR}/ca.pem" \
    --tls_ca_file="${TLS_DIR}/ca.pem" \
    --auth_public_key_file="${AUTH_DIR}/signing.pub" \
    --auth_issuer="${AUTH_ISSUER}" --auth_audience="${AUTH_AUDIENCE}" \
    --auth_client_principals_file="${AUTH_DIR}/principals.json" \
    >>"${logfile}" 2>&1 </dev/null &
  if ! "${DUBANCTL}" health "${service}" --wait 30s; then
    tail -n 20 "${logfile}" >&2 || true
    die "${name} did not report SERVING within 30 s; see ${logfile}"
  fi
  log "${name}: started on 127.0.0.1:${port} (pid $(<"${pidfile}"))"
}

# Imports seed document $2 as plan id $1 unless that plan exists; extra
# arguments go to `dubanctl plan import`.
import_seed() {
  local id=$1 file=$2
  shift 2
  local err
  if err=$("${DUBANCTL}" plan get "${id}" 2>&1 >/dev/null); then
    log "plan ${id}: exists, not imported again"
    return
  fi
  if [[ "${err}" != *NOT_FOUND* ]]; then
    die "cannot check plan ${id}: ${err}"
  fi
  log "plan ${id}: importing ${file}"
  "${DUBANCTL}" plan import "${ROOT}/tests/testdata/${file}" --id "${id}" "$@"
}

# Creates organization $1 (id) named $2 at level $3 unless it exists; extra
# arguments go to `dubanctl org create`.
ensure_org() {
  local id=$1 name=$2 level=$3
  shift 3
  local err
  if err=$("${DUBANCTL}" org get "${id}" 2>&1 >/dev/null); then
    return
  fi
  if [[ "${err}" != *NOT_FOUND* ]]; then
    die "cannot check organization ${id}: ${err}"
  fi
  log "organization ${id}: creating ${name}"
  "${DUBANCTL}" org create --id "${id}" --name "${name}" --level "${level}" \
    "$@" >/dev/null
}

# Gives every unit printed in plan $1 a unit of its organization (short and
# long forms merged, as a supervisor confirms them) and issues the plan,
# which creates its assignments. Skipped once the plan is issued.
resolve_and_issue() {
  local id=$1 state
  state=$("${DUBANCTL}" --json plan get "${id}" | grep -o '"state": *"[A-Z]*"')
  if [[ "${state}" != *DRAFT* ]]; then
    log "plan ${id}: already issued"
    return
  fi
  log "plan ${id}: resolving its units"
  "${DUBANCTL}" units resolve --plan "${id}" --create-missing \
    --accept-suggestions >/dev/null
  log "plan ${id}: issuing"
  "${DUBANCTL}" plan issue "${id}" >/dev/null
}

# Fills plan $1 with a demo year of progress reports (a monthly schedule and
# 2020's reports up to 10 December) unless it has reports already or
# progress-server is not built.
fill_demo_reports() {
  local id=$1 count
  if [[ ! -x "${BUILD_DIR}/services/progress/progress-server" ]]; then
    return
  fi
  count=$("${DUBANCTL}" --json report list "${id}" |
    { grep -o '"revision_count"' || true; } | wc -l) ||
    die "cannot list the reports of plan ${id}"
  if ((count > 0)); then
    log "plan ${id}: ${count} reports exist, no demo reports filed"
    return
  fi
  log "plan ${id}: filing a demo year of progress reports"
  "${DUBANCTL}" demo fill --plan "${id}" --year 2020 --as-of 2020-12-10
}

print_next_steps() {
  local service
  cat <<EOF

duban is running:
  redis            ${REDIS_ADDR}   data .run/redis/, log .run/logs/redis.log
EOF
  for service in "${SERVICES[@]}"; do
    if [[ -x "${BUILD_DIR}/services/${service}/${service}-server" ]]; then
      printf '  %-16s 127.0.0.1:%s  log .run/logs/%s-server.log\n' \
        "${service}-server" "${SERVICE_PORTS[${service}]}" "${service}"
    fi
  done
  cat <<EOF

Every server requires mutual TLS; the development certificates are in
${TLS_DIR}/ (the CA, one per server, one for dubanctl).

Authentication is on; development tokens (30 days) are in ${AUTH_DIR}/:
  admin.token                   dev-admin: ADMINISTRATOR of everything
  supervisor-hunan-edu.token    dev-supervisor-hunan: SUPERVISOR of hunan-edu
  supervisor-yiyang-edu.token   dev-supervisor-yiyang: SUPERVISOR of yiyang-edu
  reporter.token                dev-reporter: REPORTER of ${REPORTER_UNIT:-(no unit yet)}
  integrator.token              dev-integrator: INTEGRATOR (reads everything)
More: ${DUBAN_TOKEN_TOOL} mint --private-key ${AUTH_DIR}/signing.key
  --issuer ${AUTH_ISSUER} --audience ${AUTH_AUDIENCE} --sub NAME --kind person --role ROLE=SCOPE

Try:
  export PATH="${BUILD_DIR}/tools/dubanctl:\$PATH"
  export DUBAN_TLS_CA_FILE=${TLS_DIR}/ca.pem
  export DUBAN_TLS_CERT_FILE=${TLS_DIR}/dubanctl.pem
  export DUBAN_TLS_KEY_FILE=${TLS_DIR}/dubanctl.key
  export DUBAN_TOKEN_FILE=${AUTH_DIR}/admin.token
  dubanctl whoami
  DUBAN_TOKEN_FILE=${AUTH_DIR}/reporter.token dubanctl whoami
  DUBAN_TOKEN_FILE=${AUTH_DIR}/reporter.token dubanctl org get yiyang-edu
  dubanctl plan list
  dubanctl plan get hunan-2020
  dubanctl plan items yiyang-2020 --unit 基教科
  dubanctl plan item yiyang-2020 8
  dubanctl plan items hunan-2020 --section 5 --keyword 学前
  dubanctl --json plan item hunan-2020 1
  dubanctl plan import tests/testdata/yiyang-education-2020.txt --dry-run
  dubanctl units resolve --plan yiyang-2020
  dubanctl unit list --org yiyang-edu
  dubanctl assignments --plan yiyang-2020
  dubanctl responsibilities 基教科 --org yiyang-edu
  dubanctl assignments --unit 教育督导科 --org yiyang-edu
  dubanctl health plan
  dubanctl schedule get yiyang-2020
  dubanctl report list yiyang-2020 --unit 基教科 --period 2020-11
  dubanctl overdue --plan yiyang-2020 --as-of 2020-12-10
  dubanctl scorecard --plan yiyang-2020 --as-of 2020-12-10
  dubanctl rollup --plan yiyang-2020 --as-of 2020-12-10
  dubanctl rollup --plan hunan-2020 --as-of 2020-12-10
  dubanctl watch --plan yiyang-2020 --from '\$'   (Ctrl-C to stop)

Stop everything with deploy/stop-local.sh (data stays in .run/redis/).
EOF
}

main() {
  install_and_build
  mkdir -p "${RUN_DIR}" "${LOG_DIR}"
  ensure_dev_certs
  ensure_dev_credentials
  start_redis
  local service
  for service in "${SERVICES[@]}"; do
    start_server "${service}"
  done
  import_seed hunan-2020 hunan-education-2020.txt
  import_seed yiyang-2020 yiyang-education-2020.txt --parent hunan-2020
  ensure_org hunan-edu 湖南省教育厅 province --alias 中共湖南省委教育工作委员会
  ensure_org yiyang-edu 益阳市教育局 city --parent hunan-edu \
    --alias 中共益阳市委教育工作委员会
  resolve_and_issue hunan-2020
  resolve_and_issue yiyang-2020
  mint_reporter_token yiyang-edu 基教科
  fill_demo_reports hunan-2020
  fill_demo_reports yiyang-2020
  print_next_steps
}

main "$@"
