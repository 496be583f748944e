// The checks must catch what they are for: each test breaks one thing in a
// rendered overlay and expects the problem to be reported, and the
// unbroken overlays to pass. Run by k8s/check/run.sh (`node --test`), which
// renders the overlays into DUBAN_RENDERED_DIR first; run alone, the
// overlays are rendered here with kubectl.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkAll, parseObjects } from "./policy.mjs";

const k8sDir = join(dirname(fileURLToPath(import.meta.url)), "..");

function rendered(overlay) {
  const dir = process.env.DUBAN_RENDERED_DIR;
  const text = dir
    ? readFileSync(join(dir, `${overlay}.yaml`), "utf8")
    : execFileSync("kubectl", ["kustomize", join(k8sDir, "overlays", overlay)], {
        encoding: "utf8",
      });
  return parseObjects(text);
}

const overlays = { dev: rendered("dev"), prod: rendered("prod") };

function find(objects, kind, name) {
  const obj = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(obj, `${kind}/${name} is rendered`);
  return obj;
}

function container(objects, kind, name) {
  return find(objects, kind, name).spec.template.spec.containers[0];
}

function redisConfigMap(objects) {
  return objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("redis-config"));
}

// Applies `breakIt` to a copy of `profile`'s objects and expects a problem
// matching `expected`.
async function expectCaught(profile, breakIt, expected) {
  const objects = structuredClone(overlays[profile]);
  const result = breakIt(objects);
  const broken = Array.isArray(result) ? result : objects;
  const problems = await checkAll(broken, profile);
  assert.ok(
    problems.some((p) => expected.test(p)),
    `expected a problem matching ${expected}, got:\n  ${problems.join("\n  ")}`,
  );
}

for (const profile of ["dev", "prod"]) {
  test(`${profile} overlay passes every check`, async () => {
    assert.deepEqual(await checkAll(overlays[profile], profile), []);
  });
}

test("a Deployment without a liveness probe is caught", () =>
  expectCaught("dev", (o) => {
    delete container(o, "Deployment", "plan").livenessProbe;
  }, /Deployment\/plan container plan-server: no livenessProbe/));

test("a Redis without a readiness probe is caught", () =>
  expectCaught("prod", (o) => {
    delete container(o, "StatefulSet", "redis").readinessProbe;
  }, /StatefulSet\/redis container redis: no readinessProbe/));

test("liveness that follows Redis (the readiness service) is caught", () =>
  expectCaught("prod", (o) => {
    container(o, "Deployment", "unit").livenessProbe.grpc.service = "duban.unit.v1.UnitService";
  }, /livenessProbe asks for service "duban.unit.v1.UnitService", not "liveness"/));

test("a probe on the API port instead of the health port is caught", () =>
  expectCaught("dev", (o) => {
    container(o, "Deployment", "progress").readinessProbe.grpc.port = 8443;
  }, /readinessProbe probes port 8443/));

test("an HTTP probe where a gRPC one belongs is caught", () =>
  expectCaught("dev", (o) => {
    container(o, "Deployment", "plan").startupProbe = { tcpSocket: { port: 8081 } };
  }, /startupProbe is not a gRPC probe/));

test("missing memory limit is caught", () =>
  expectCaught("prod", (o) => {
    delete container(o, "Deployment", "progress").resources.limits.memory;
  }, /no resources\.limits\.memory/));

test("a writable root filesystem is caught", () =>
  expectCaught("dev", (o) => {
    container(o, "Deployment", "unit").securityContext.readOnlyRootFilesystem = false;
  }, /readOnlyRootFilesystem is not true/));

test("privilege escalation, kept capabilities and no seccomp are caught", async () => {
  await expectCaught("prod", (o) => {
    container(o, "StatefulSet", "redis-sentinel").securityContext.allowPrivilegeEscalation = true;
  }, /allowPrivilegeEscalation is not false/);
  await expectCaught("prod", (o) => {
    container(o, "Deployment", "plan").securityContext.capabilities.drop = ["NET_RAW"];
  }, /capabilities do not drop ALL/);
  await expectCaught("dev", (o) => {
    delete container(o, "Deployment", "plan").securityContext.seccompProfile;
    delete find(o, "Deployment", "plan").spec.template.spec.securityContext.seccompProfile;
  }, /seccompProfile is not RuntimeDefault/);
  await expectCaught("dev", (o) => {
    delete container(o, "Deployment", "unit").securityContext.runAsNonRoot;
    delete find(o, "Deployment", "unit").spec.template.spec.securityContext.runAsNonRoot;
  }, /runAsNonRoot is not true/);
});

test("a grace period shorter than the server's drain is caught", () =>
  expectCaught("prod", (o) => {
    find(o, "Deployment", "plan").spec.template.spec.terminationGracePeriodSeconds = 20;
  }, /terminationGracePeriodSeconds 20 is not longer than preStop 5 s \+ DUBAN_SHUTDOWN_SECONDS 20/));

test("a rolling update that drops capacity is caught", () =>
  expectCaught("prod", (o) => {
    find(o, "Deployment", "unit").spec.strategy.rollingUpdate.maxUnavailable = 1;
  }, /maxUnavailable is not 0/));

test("a secret in an environment variable is caught", () =>
  expectCaught("dev", (o) => {
    container(o, "Deployment", "plan").env = [
      { name: "DUBAN_REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "duban-redis-passwords", key: "plan" } } },
    ];
  }, /in an environment variable; mount it as a file/));

test("a TLS key path outside any mounted Secret is caught", () =>
  expectCaught("dev", (o) => {
    const c = container(o, "Deployment", "progress");
    c.volumeMounts = c.volumeMounts.filter((m) => m.name !== "tls");
  }, /DUBAN_TLS_CERT_FILE=\/etc\/duban\/tls\/tls.crt is not in a mounted Secret/));

test("plaintext mode is caught", () =>
  expectCaught("dev", (o) => {
    const cm = o.find((x) => x.kind === "ConfigMap" && x.metadata.name.startsWith("duban-common"));
    cm.data.DUBAN_PLAINTEXT = "true";
  }, /DUBAN_PLAINTEXT is set/));

test("a server without its NetworkPolicy is caught", () =>
  expectCaught("prod", (o) => o.filter((x) => !(x.kind === "NetworkPolicy" && x.metadata.name === "progress")),
    /Deployment\/progress: no NetworkPolicy of its own/));

test("no default deny is caught", () =>
  expectCaught("dev", (o) => o.filter((x) => !(x.kind === "NetworkPolicy" && x.metadata.name === "default-deny")),
    /no default deny/));

test("a policy that blocks the health port is caught", () =>
  expectCaught("dev", (o) => {
    const np = find(o, "NetworkPolicy", "unit");
    np.spec.ingress = np.spec.ingress.filter((r) => !r.ports.some((p) => p.port === 8081));
  }, /Deployment\/unit: its NetworkPolicy does not let port 8081 in/));

test("a server without its PodDisruptionBudget in prod is caught", () =>
  expectCaught("prod", (o) => o.filter((x) => !(x.kind === "PodDisruptionBudget" && x.metadata.name === "unit")),
    /Deployment\/unit: no PodDisruptionBudget/));

test("a server without its HPA in prod is caught", () =>
  expectCaught("prod", (o) => o.filter((x) => !(x.kind === "HorizontalPodAutoscaler" && x.metadata.name === "plan")),
    /Deployment\/plan: no HorizontalPodAutoscaler/));

test("pods not spread across nodes in prod are caught", () =>
  expectCaught("prod", (o) => {
    delete find(o, "Deployment", "progress").spec.template.spec.topologySpreadConstraints;
  }, /Deployment\/progress: pods are not spread across nodes/));

test("servers not pointed at Sentinel in prod are caught", () =>
  expectCaught("prod", (o) => {
    const cm = o.find((x) => x.kind === "ConfigMap" && x.metadata.name.startsWith("duban-redis-endpoint"));
    cm.data = { DUBAN_REDIS: "redis-0.redis:6379" };
  }, /DUBAN_REDIS_SENTINELS is not set/));

test("Redis with eviction on is caught", () =>
  expectCaught("prod", (o) => {
    redisConfigMap(o).data["overlay.conf"] += "\nmaxmemory-policy allkeys-lru\n";
  }, /maxmemory-policy is allkeys-lru, not noeviction/));

test("Redis without AOF is caught", () =>
  expectCaught("dev", (o) => {
    const cm = redisConfigMap(o);
    cm.data["redis.conf"] = cm.data["redis.conf"].replace("appendonly yes", "appendonly no");
  }, /appendonly is not yes/));

test("prod Redis fsyncing once a second is caught", () =>
  expectCaught("prod", (o) => {
    const cm = redisConfigMap(o);
    cm.data["overlay.conf"] = cm.data["overlay.conf"].replace("appendfsync always", "appendfsync everysec");
  }, /appendfsync is everysec, prod wants always/));

test("Redis without a persistent volume is caught", () =>
  expectCaught("dev", (o) => {
    delete find(o, "StatefulSet", "redis").spec.volumeClaimTemplates;
  }, /no volumeClaimTemplates/));

test("a committed Secret is caught", () =>
  expectCaught("dev", (o) => [
    ...o,
    { apiVersion: "v1", kind: "Secret", metadata: { name: "duban-redis-passwords" }, stringData: { plan: "x" } },
  ], /Secret\/duban-redis-passwords: a Secret in the manifests/));

test("schema: a wrong type is caught", () =>
  expectCaught("dev", (o) => {
    container(o, "Deployment", "plan").ports[0].containerPort = "8443";
  }, /Deployment\/plan: schema: .*containerPort must be integer/));

test("schema: a missing required field is caught", () =>
  expectCaught("prod", (o) => {
    delete find(o, "HorizontalPodAutoscaler", "unit").spec.scaleTargetRef.kind;
  }, /HorizontalPodAutoscaler\/unit: schema: .*required property kind/));

test("schema: an unknown kind is caught", () =>
  expectCaught("dev", (o) => [...o, { apiVersion: "apps/v1", kind: "Deploymnet", metadata: { name: "x" } }],
    /Deploymnet\/x: unknown kind apps\/v1 Deploymnet/));
