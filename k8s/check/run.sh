#!/usr/bin/env bash
# Checks k8s/ offline (npm's registry is the only thing fetched, by `npm
# ci`, pinned by package-lock.json):
#
#   1. every overlay in k8s/overlays/ renders with `kubectl kustomize`;
#   2. every rendered object validates against the Kubernetes schema of its
#      kind (kubernetes-models: types and required fields), and the project
#      policy holds (policy.mjs: probes, resources, securityContext, grace
#      period, NetworkPolicy per workload, Redis AOF and noeviction; in prod
#      PDBs, HPAs, spreading, Sentinel);
#   3. the policy catches what it is for: policy.test.mjs breaks rendered
#      overlays one way at a time (node --test), and a broken copy of k8s/
#      (the liveness probe cut out of base/plan.yaml) must fail;
#   4. k8s/secrets.sh makes valid Secrets and an ACL file that a real
#      redis-server loads and enforces (secrets-test.sh);
#   5. prod's Redis topology bootstraps and fails over with the pods' own
#      start scripts, on loopback (sentinel-test.sh);
#   6. monitoring/alerts.yaml is complete and names only real metrics and
#      README anchors.
#
# Needs kubectl (kustomize is built in), node and npm, redis-server,
# redis-cli, openssl, and root for unshare (sentinel-test.sh gives its
# processes their own /etc/hosts). Exit status non-zero when any step
# fails.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly K8S="${HERE}/.."

die() {
  echo "k8s-check: error: $*" >&2
  exit 2
}
for tool in kubectl node npm redis-server redis-cli openssl unshare; do
  command -v "${tool}" >/dev/null || die "${tool} not found"
done

tmp=$(mktemp -d)
trap 'rm -rf "${tmp}"' EXIT
failed=()
step() { printf -- '--- %s\n' "$1"; }

# Profile of an overlay: prod's rules for "prod", dev's for the rest.
profile_of() {
  if [[ "$1" == prod ]]; then echo prod; else echo dev; fi
}

step "npm ci (kubernetes-models, yaml)"
(cd "${HERE}" && npm ci --no-audit --no-fund --loglevel=error) ||
  die "npm ci failed"

export DUBAN_RENDERED_DIR="${tmp}/rendered"
mkdir -p "${DUBAN_RENDERED_DIR}"
overlays=()
for dir in "${K8S}"/overlays/*/; do
  overlays+=("$(basename "${dir}")")
done
((${#overlays[@]} > 0)) || die "no overlays in ${K8S}/overlays"

for overlay in "${overlays[@]}"; do
  step "render + check overlay ${overlay} ($(profile_of "${overlay}") rules)"
  out="${DUBAN_RENDERED_DIR}/${overlay}.yaml"
  if ! kubectl kustomize "${K8S}/overlays/${overlay}" >"${out}"; then
    failed+=("render-${overlay}")
    continue
  fi
  node "${HERE}/check.mjs" --profile "$(profile_of "${overlay}")" "${out}" ||
    failed+=("check-${overlay}")
done

step "the checks catch broken manifests (node --test)"
(cd "${HERE}" && node --test policy.test.mjs) || failed+=(policy-tests)

step "a broken copy of k8s/ fails the check"
cp -r "${K8S}" "${tmp}/k8s-broken"
rm -rf "${tmp}/k8s-broken/check/node_modules"
# Cut the livenessProbe block out of plan's Deployment.
awk '
  /^          livenessProbe:/ { skip = 1; next }
  skip && /^ {0,10}[^ ]/ { skip = 0 }
  !skip { print }
' "${K8S}/base/plan.yaml" >"${tmp}/k8s-broken/base/plan.yaml"
if cmp -s "${K8S}/base/plan.yaml" "${tmp}/k8s-broken/base/plan.yaml"; then
  echo "could not break base/plan.yaml (no livenessProbe found)"
  failed+=(broken-copy)
else
  kubectl kustomize "${tmp}/k8s-broken/overlays/dev" >"${tmp}/broken.yaml"
  if node "${HERE}/check.mjs" --profile dev "${tmp}/broken.yaml" \
    >"${tmp}/broken.out"; then
    echo "the broken copy passed the check"
    failed+=(broken-copy)
  elif grep -q "Deployment/plan container plan-server: no livenessProbe" \
    "${tmp}/broken.out"; then
    echo "caught: $(grep -m1 'no livenessProbe' "${tmp}/broken.out" | sed 's/^ *//')"
  else
    cat "${tmp}/broken.out"
    echo "the broken copy failed, but not for its missing liveness probe"
    failed+=(broken-copy)
  fi
fi

step "k8s/secrets.sh: Secrets, Redis ACL, certificates"
if "${HERE}/secrets-test.sh" "${tmp}/secrets.yaml" >"${tmp}/secrets.out" 2>&1; then
  tail -n 1 "${tmp}/secrets.out"
  node "${HERE}/check-secrets.mjs" "${tmp}/secrets.yaml" || failed+=(secrets-schema)
else
  grep -v '^ok:' "${tmp}/secrets.out"
  failed+=(secrets)
fi

step "Redis Sentinel: bootstrap and failover with the pods' start scripts"
if "${HERE}/sentinel-test.sh" >"${tmp}/sentinel.out" 2>&1; then
  tail -n 1 "${tmp}/sentinel.out"
else
  grep -v '^ok:' "${tmp}/sentinel.out"
  failed+=(sentinel)
fi

step "monitoring/alerts.yaml"
node "${HERE}/check-alerts.mjs" "${K8S}/monitoring/alerts.yaml" \
  "${K8S}/README.md" || failed+=(alerts)

if ((${#failed[@]} > 0)); then
  echo "k8s-check: FAILED: ${failed[*]}"
  exit 1
fi
echo "k8s-check: all passed (${overlays[*]})"
