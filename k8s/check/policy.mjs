// The checks of k8s/check/run.sh, over the objects of one rendered overlay:
// schema validation (kubernetes-models: types and required fields) and
// duban's own deployment policy. Each check returns a list of problems, one
// string each, naming the object; an empty list means the overlay passes.
import { parseAllDocuments } from "yaml";

// Parses multi-document YAML (kubectl kustomize's output) into objects.
export function parseObjects(text) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

export function describe(obj) {
  return `${obj?.kind ?? "?"}/${obj?.metadata?.name ?? "?"}`;
}

// kubernetes-models' module for an apiVersion: "v1" → "v1",
// "apps/v1" → "apps/v1", "networking.k8s.io/v1" → the same.
async function modelClass(apiVersion, kind) {
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

// Validates every object against the Kubernetes OpenAPI schema of its kind.
export async function validateSchemas(objects) {
  const problems = [];
  for (const obj of objects) {
    if (typeof obj?.apiVersion !== "string" || typeof obj?.kind !== "string") {
      problems.push(`${describe(obj)}: no apiVersion or kind`);
      continue;
    }
    const Model = await modelClass(obj.apiVersion, obj.kind);
    if (!Model) {
      problems.push(`${describe(obj)}: unknown kind ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    try {
      new Model(structuredClone(obj)).validate();
    } catch (e) {
      problems.push(`${describe(obj)}: schema: ${e.message}`);
    }
  }
  return problems;
}

const HEALTH_PORT = 8081;
const API_PORT = 8443;
const METRICS_PORT = 9464;
// The servers (Deployments) and the gRPC service each reports readiness for.
const SERVICE_NAMES = {
  plan: "duban.plan.v1.PlanService",
  unit: "duban.unit.v1.UnitService",
  progress: "duban.progress.v1.ProgressService",
};

function matches(selector, labels) {
  if (!selector) return false;
  const wanted = selector.matchLabels ?? {};
  for (const [key, value] of Object.entries(wanted)) {
    if (labels?.[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = labels && expr.key in labels;
    const value = labels?.[expr.key];
    switch (expr.operator) {
      case "In":
        if (!has || !expr.values.includes(value)) return false;
        break;
      case "NotIn":
        if (has && expr.values.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function ofKind(objects, kind) {
  return objects.filter((o) => o.kind === kind);
}

function podLabels(workload) {
  return workload.spec?.template?.metadata?.labels ?? {};
}

// The value a container gets for environment variable `name` from its env
// and the ConfigMaps of its envFrom (later sources win, env over envFrom).
function envValue(container, name, configMaps) {
  let value;
  for (const source of container.envFrom ?? []) {
    const cm = configMaps.find((c) => c.metadata.name === source.configMapRef?.name);
    const prefix = source.prefix ?? "";
    for (const [key, v] of Object.entries(cm?.data ?? {})) {
      if (prefix + key === name) value = v;
    }
  }
  for (const e of container.env ?? []) {
    if (e.name === name && e.value !== undefined) value = e.value;
  }
  return value;
}

function checkSecurityContext(where, pod, container, problems) {
  const podSc = pod.securityContext ?? {};
  const sc = container.securityContext ?? {};
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) {
    problems.push(`${where}: runAsNonRoot is not true`);
  }
  const uid = sc.runAsUser ?? podSc.runAsUser;
  if (uid === 0) problems.push(`${where}: runAsUser is 0`);
  if (sc.readOnlyRootFilesystem !== true) {
    problems.push(`${where}: readOnlyRootFilesystem is not true`);
  }
  if (sc.allowPrivilegeEscalation !== false) {
    problems.push(`${where}: allowPrivilegeEscalation is not false`);
  }
  if (sc.privileged === true) problems.push(`${where}: privileged`);
  const drop = sc.capabilities?.drop ?? [];
  if (!drop.includes("ALL")) problems.push(`${where}: capabilities do not drop ALL`);
  if ((sc.capabilities?.add ?? []).length > 0) {
    problems.push(`${where}: capabilities added: ${sc.capabilities.add.join(",")}`);
  }
  const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
  if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
    problems.push(`${where}: seccompProfile is not RuntimeDefault`);
  }
}

function checkResources(where, container, problems) {
  for (const kind of ["requests", "limits"]) {
    for (const resource of ["cpu", "memory"]) {
      if (container.resources?.[kind]?.[resource] === undefined) {
        problems.push(`${where}: no resources.${kind}.${resource}`);
      }
    }
  }
}

function checkProbesPresent(where, container, problems) {
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    if (!container[probe]) problems.push(`${where}: no ${probe}`);
  }
}

// Every container of every workload: the restricted securityContext,
// requests and limits, the three probes.
function checkWorkloads(objects, problems) {
  for (const workload of [...ofKind(objects, "Deployment"), ...ofKind(objects, "StatefulSet")]) {
    const pod = workload.spec?.template?.spec ?? {};
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) {
      problems.push(`${describe(workload)}: uses a host namespace`);
    }
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const where = `${describe(workload)} container ${container.name}`;
      checkSecurityContext(where, pod, container, problems);
      checkResources(where, container, problems);
    }
    for (const container of pod.containers ?? []) {
      checkProbesPresent(`${describe(workload)} container ${container.name}`, container, problems);
    }
  }
}

// The servers: gRPC probes on the health port (liveness and startup on
// "liveness", which does not follow Redis; readiness on the service's own
// name), config from ConfigMaps, secrets as files, a grace period longer
// than the server's drain, no lost capacity during a rolling update, a
// Service with the API and metrics ports.
function checkServers(objects, problems) {
  const configMaps = ofKind(objects, "ConfigMap");
  const deployments = ofKind(objects, "Deployment");
  for (const name of Object.keys(SERVICE_NAMES)) {
    if (!deployments.some((d) => d.metadata.name === name)) {
      problems.push(`Deployment/${name}: missing`);
    }
  }
  for (const d of deployments) {
    const pod = d.spec?.template?.spec ?? {};
    const container = pod.containers?.[0] ?? {};
    const where = `${describe(d)} container ${container.name}`;
    const serviceName = SERVICE_NAMES[d.metadata.name];
    if (!serviceName) {
      problems.push(`${describe(d)}: not a duban server (plan, unit, progress)`);
      continue;
    }
    const expected = {
      startupProbe: "liveness",
      livenessProbe: "liveness",
      readinessProbe: serviceName,
    };
    for (const [probe, service] of Object.entries(expected)) {
      const p = container[probe];
      if (!p) continue; // reported by checkWorkloads
      if (!p.grpc) {
        problems.push(`${where}: ${probe} is not a gRPC probe`);
        continue;
      }
      if (p.grpc.port !== HEALTH_PORT) {
        problems.push(`${where}: ${probe} probes port ${p.grpc.port}, not the health port ${HEALTH_PORT}`);
      }
      if ((p.grpc.service ?? "") !== service) {
        problems.push(`${where}: ${probe} asks for service "${p.grpc.service ?? ""}", not "${service}"`);
      }
    }
    if ((container.envFrom ?? []).filter((e) => e.configMapRef).length === 0) {
      problems.push(`${where}: no configuration from a ConfigMap (envFrom)`);
    }
    for (const e of container.env ?? []) {
      if (e.valueFrom?.secretKeyRef) {
        problems.push(`${where}: secret ${e.valueFrom.secretKeyRef.name} in an environment variable; mount it as a file`);
      }
    }
    for (const flag of ["DUBAN_LISTEN", "DUBAN_HEALTH_LISTEN", "DUBAN_METRICS_LISTEN"]) {
      if (envValue(container, flag, configMaps) === undefined) {
        problems.push(`${where}: ${flag} is not set`);
      }
    }
    if (envValue(container, "DUBAN_PLAINTEXT", configMaps) !== undefined) {
      problems.push(`${where}: DUBAN_PLAINTEXT is set (local development only)`);
    }
    // DUBAN_TLS_CA_FILE: the roots a server trusts when it calls another
    // service (the system store would not know duban's CA).
    for (const flag of ["DUBAN_TLS_CERT_FILE", "DUBAN_TLS_KEY_FILE", "DUBAN_TLS_CA_FILE",
      "DUBAN_REDIS_PASSWORD_FILE"]) {
      const path = envValue(container, flag, configMaps);
      if (path === undefined) {
        problems.push(`${where}: ${flag} is not set`);
      } else if (!(container.volumeMounts ?? []).some((m) => path.startsWith(`${m.mountPath}/`) &&
          (pod.volumes ?? []).some((v) => v.name === m.name && v.secret))) {
        problems.push(`${where}: ${flag}=${path} is not in a mounted Secret`);
      }
    }
    const shutdown = Number(envValue(container, "DUBAN_SHUTDOWN_SECONDS", configMaps) ?? 10);
    const preStop = container.lifecycle?.preStop?.exec?.command;
    const preStopSeconds = preStop?.[0] === "sleep" ? Number(preStop[1]) : 0;
    const grace = d.spec?.template?.spec?.terminationGracePeriodSeconds ?? 30;
    if (!(grace > shutdown + preStopSeconds)) {
      problems.push(`${describe(d)}: terminationGracePeriodSeconds ${grace} is not longer than preStop ${preStopSeconds} s + DUBAN_SHUTDOWN_SECONDS ${shutdown}`);
    }
    const rolling = d.spec?.strategy?.rollingUpdate;
    if (d.spec?.strategy?.type === "Recreate" || String(rolling?.maxUnavailable ?? "25%") !== "0") {
      problems.push(`${describe(d)}: rolling update may take pods away before new ones are ready (maxUnavailable is not 0)`);
    }
    const service = ofKind(objects, "Service").find(
      (s) => s.spec?.selector && matches({ matchLabels: s.spec.selector }, podLabels(d)));
    if (!service) {
      problems.push(`${describe(d)}: no Service selects its pods`);
    } else {
      for (const port of [API_PORT, METRICS_PORT]) {
        if (!(service.spec.ports ?? []).some((p) => p.port === port)) {
          problems.push(`${describe(service)}: no port ${port}`);
        }
      }
    }
  }
}

// NetworkPolicy: a default deny for both directions, and for every workload
// a policy of its own (selecting it, not all pods) that lets traffic in.
function checkNetworkPolicies(objects, problems) {
  const policies = ofKind(objects, "NetworkPolicy");
  const denyAll = policies.some((p) =>
    Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
    (p.spec?.policyTypes ?? []).includes("Ingress") &&
    (p.spec?.policyTypes ?? []).includes("Egress") &&
    (p.spec?.ingress ?? []).length === 0 && (p.spec?.egress ?? []).length === 0);
  if (!denyAll) problems.push("NetworkPolicy: no default deny (empty podSelector, Ingress and Egress, no rules)");
  for (const workload of [...ofKind(objects, "Deployment"), ...ofKind(objects, "StatefulSet")]) {
    const own = policies.filter((p) =>
      Object.keys(p.spec?.podSelector ?? {}).length > 0 &&
      matches(p.spec.podSelector, podLabels(workload)) &&
      (p.spec?.ingress ?? []).length > 0);
    if (own.length === 0) {
      problems.push(`${describe(workload)}: no NetworkPolicy of its own lets traffic in`);
      continue;
    }
    if (ofKind(objects, "Deployment").includes(workload)) {
      const ports = new Set(own.flatMap((p) => p.spec.ingress.flatMap((r) => (r.ports ?? []).map((x) => x.port))));
      for (const port of [API_PORT, HEALTH_PORT]) {
        if (!ports.has(port)) problems.push(`${describe(workload)}: its NetworkPolicy does not let port ${port} in`);
      }
    }
  }
}

// Redis: a StatefulSet with a persistent volume, AOF on, noeviction, an ACL
// file; appendfsync always in prod.
function redisConfig(objects, redis) {
  const volume = (redis.spec?.template?.spec?.volumes ?? []).find((v) => v.configMap);
  const cm = ofKind(objects, "ConfigMap").find((c) => c.metadata.name === volume?.configMap?.name);
  if (!cm) return undefined;
  // redis.conf, then overlay.conf (which redis.conf includes last).
  const settings = {};
  for (const file of ["redis.conf", "overlay.conf"]) {
    for (const line of (cm.data?.[file] ?? "").split("\n")) {
      const words = line.trim().split(/\s+/);
      if (words[0] === "" || words[0].startsWith("#")) continue;
      settings[words[0].toLowerCase()] = words.slice(1).join(" ");
    }
  }
  return settings;
}

function checkRedis(objects, profile, problems) {
  const redis = ofKind(objects, "StatefulSet").find((s) => s.metadata.name === "redis");
  if (!redis) {
    problems.push("StatefulSet/redis: missing");
    return;
  }
  if ((redis.spec?.volumeClaimTemplates ?? []).length === 0) {
    problems.push("StatefulSet/redis: no volumeClaimTemplates (data would not persist)");
  }
  const conf = redisConfig(objects, redis);
  if (!conf) {
    problems.push("StatefulSet/redis: no ConfigMap with redis.conf mounted");
    return;
  }
  if (conf.appendonly !== "yes") problems.push("redis.conf: appendonly is not yes");
  if (conf["maxmemory-policy"] !== "noeviction") {
    problems.push(`redis.conf: maxmemory-policy is ${conf["maxmemory-policy"] ?? "unset"}, not noeviction`);
  }
  if (!conf.aclfile) problems.push("redis.conf: no aclfile (one user per service)");
  const fsync = profile === "prod" ? "always" : "everysec";
  if (conf.appendfsync !== fsync) {
    problems.push(`redis.conf: appendfsync is ${conf.appendfsync ?? "unset"}, ${profile} wants ${fsync}`);
  }
}

// prod: every workload has a PodDisruptionBudget; every server an
// autoscaling/v2 HPA on CPU from 3 and pods spread across nodes; Sentinel
// runs and the servers use it.
function checkProd(objects, problems) {
  const configMaps = ofKind(objects, "ConfigMap");
  const pdbs = ofKind(objects, "PodDisruptionBudget");
  const hpas = ofKind(objects, "HorizontalPodAutoscaler");
  for (const workload of [...ofKind(objects, "Deployment"), ...ofKind(objects, "StatefulSet")]) {
    if (!pdbs.some((p) => matches(p.spec?.selector, podLabels(workload)))) {
      problems.push(`${describe(workload)}: no PodDisruptionBudget`);
    }
    const pod = workload.spec?.template?.spec ?? {};
    const spread = (pod.topologySpreadConstraints ?? []).some(
      (t) => t.topologyKey === "kubernetes.io/hostname" && t.whenUnsatisfiable === "DoNotSchedule");
    const anti = (pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(
      (t) => t.topologyKey === "kubernetes.io/hostname");
    if (!spread && !anti) problems.push(`${describe(workload)}: pods are not spread across nodes`);
  }
  for (const d of ofKind(objects, "Deployment")) {
    const hpa = hpas.find((h) => h.spec?.scaleTargetRef?.kind === "Deployment" &&
      h.spec.scaleTargetRef.name === d.metadata.name);
    if (!hpa) {
      problems.push(`${describe(d)}: no HorizontalPodAutoscaler`);
      if ((d.spec?.replicas ?? 1) < 3) problems.push(`${describe(d)}: fewer than 3 replicas`);
      continue;
    }
    if (hpa.apiVersion !== "autoscaling/v2") problems.push(`${describe(hpa)}: not autoscaling/v2`);
    if ((hpa.spec.minReplicas ?? 1) < 3) problems.push(`${describe(hpa)}: minReplicas below 3`);
    if (!(hpa.spec.metrics ?? []).some((m) => m.type === "Resource" && m.resource?.name === "cpu")) {
      problems.push(`${describe(hpa)}: does not scale on CPU`);
    }
    if (d.spec?.replicas !== undefined) {
      problems.push(`${describe(d)}: sets replicas, which every apply would force on its HPA`);
    }
    const container = d.spec?.template?.spec?.containers?.[0] ?? {};
    if (!envValue(container, "DUBAN_REDIS_SENTINELS", configMaps)) {
      problems.push(`${describe(d)}: DUBAN_REDIS_SENTINELS is not set`);
    }
    if (envValue(container, "DUBAN_REDIS", configMaps) !== undefined) {
      problems.push(`${describe(d)}: DUBAN_REDIS is set beside the sentinels`);
    }
  }
  const redis = ofKind(objects, "StatefulSet").find((s) => s.metadata.name === "redis");
  if (redis && (redis.spec?.replicas ?? 1) < 3) problems.push("StatefulSet/redis: fewer than 3 pods");
  const sentinel = ofKind(objects, "StatefulSet").find((s) => s.metadata.name === "redis-sentinel");
  if (!sentinel) {
    problems.push("StatefulSet/redis-sentinel: missing");
  } else if ((sentinel.spec?.replicas ?? 1) !== 3) {
    problems.push("StatefulSet/redis-sentinel: not 3 sentinels");
  }
}

// No Secret is rendered: secrets are made per cluster (k8s/secrets.sh),
// never committed.
function checkNoSecrets(objects, problems) {
  for (const s of ofKind(objects, "Secret")) {
    problems.push(`${describe(s)}: a Secret in the manifests; create it with k8s/secrets.sh instead`);
  }
}

// The project's policy for one overlay; profile is "dev" or "prod".
export function checkPolicy(objects, profile) {
  const problems = [];
  checkWorkloads(objects, problems);
  checkServers(objects, problems);
  checkNetworkPolicies(objects, problems);
  checkRedis(objects, profile, problems);
  checkNoSecrets(objects, problems);
  if (profile === "prod") checkProd(objects, problems);
  return problems;
}

export async function checkAll(objects, profile) {
  return [...(await validateSchemas(objects)), ...checkPolicy(objects, profile)];
}

// The alerts file (k8s/monitoring/alerts.yaml): every rule complete, every
// duban metric it names one the servers export, and every runbook link an
// anchor of k8s/README.md.
const METRICS = new Set([
  "duban_rpc_requests_total",
  "duban_rpc_latency_seconds_bucket",
  "duban_rpc_latency_seconds_count",
  "duban_rpc_latency_seconds_sum",
  "duban_redis_errors_total",
  "duban_watchers",
]);

// GitHub's anchor of a Markdown heading.
function anchor(heading) {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- ]/gu, "").replace(/ /g, "-");
}

export function checkAlerts(doc, readme) {
  const problems = [];
  const anchors = new Set(
    readme.split("\n").filter((l) => /^#{1,6} /.test(l)).map((l) => anchor(l.replace(/^#+ /, ""))));
  const groups = doc?.groups ?? [];
  if (groups.length === 0) problems.push("alerts: no groups");
  const names = new Set();
  for (const group of groups) {
    for (const rule of group.rules ?? []) {
      const where = `alert ${rule.alert ?? "?"}`;
      if (!rule.alert) problems.push(`${where}: no name`);
      if (names.has(rule.alert)) problems.push(`${where}: defined twice`);
      names.add(rule.alert);
      if (typeof rule.expr !== "string" || rule.expr.trim() === "") problems.push(`${where}: no expr`);
      if (!/^\d+[smh]$/.test(rule.for ?? "")) problems.push(`${where}: no "for" duration`);
      if (!["page", "ticket"].includes(rule.labels?.severity)) {
        problems.push(`${where}: severity is not page or ticket`);
      }
      if (!rule.annotations?.summary) problems.push(`${where}: no summary`);
      const runbook = rule.annotations?.runbook ?? "";
      const [file, hash] = runbook.split("#");
      if (file !== "k8s/README.md" || !anchors.has(hash)) {
        problems.push(`${where}: runbook "${runbook}" is not a heading of k8s/README.md`);
      }
      for (const metric of (rule.expr ?? "").match(/\bduban_[a-z_]+/g) ?? []) {
        if (!METRICS.has(metric)) problems.push(`${where}: unknown metric ${metric}`);
      }
    }
  }
  return problems;
}
