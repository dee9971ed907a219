#!/usr/bin/env node
// Reads a rendered ocr-services manifest (file argument or stdin) and prints
// the facts chart_test.sh asserts on, one `key=value` per line:
//   count_<Kind>=N               objects of each kind
//   model_service_name / model_service_http_port   the plain model Service
//   model_isvc_name / model_isvc_namespace          the KServe InferenceService
//   gateway_model_url            --model-url (or GATEWAY_MODEL_URL) of the gateway
//   model_engines / model_cpu_limit                 from the model container
//   violation=...                a rule every workload must follow, broken
// Facts are read from the objects themselves, never from chart values, so the
// test compares what Kubernetes would actually get.

import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const text = readFileSync(process.argv[2] ?? 0, "utf8");
const docs = parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d && typeof d === "object");
const out = [];
const fact = (k, v) => out.push(`${k}=${v}`);
const violation = (msg) => fact("violation", msg);

const counts = {};
for (const d of docs) counts[d.kind] = (counts[d.kind] ?? 0) + 1;
for (const [k, n] of Object.entries(counts).sort()) fact(`count_${k}`, n);

const component = (d) => d.metadata?.labels?.["app.kubernetes.io/component"];
const flag = (args, name) => {
  const hit = (args ?? []).find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : hit.slice(name.length + 3);
};

// Workloads: [object, pod template metadata, pod spec, component].
const workloads = [];
for (const d of docs) {
  if (d.kind === "Deployment") workloads.push([d, d.spec.template.metadata, d.spec.template.spec, component(d)]);
  if (d.kind === "InferenceService") {
    const p = d.spec.predictor;
    workloads.push([d, { labels: p.labels, annotations: p.annotations }, p, component(d)]);
    fact("model_isvc_name", d.metadata.name);
    fact("model_isvc_namespace", d.metadata.namespace);
  }
}

for (const d of docs) {
  if (d.kind === "Service" && component(d) === "model-server") {
    const http = d.spec.ports.find((p) => p.name === "http");
    fact("model_service_name", d.metadata.name);
    fact("model_service_http_port", http?.port);
    // The Service must reach the model pods' http container port.
    const pods = workloads.filter(([, meta]) =>
      Object.entries(d.spec.selector).every(([k, v]) => meta.labels?.[k] === v));
    if (pods.length !== 1) violation(`model Service selects ${pods.length} workloads`);
    const named = pods[0]?.[2].containers[0].ports?.find((p) => p.name === http?.targetPort);
    if (!named) violation(`model Service targetPort ${http?.targetPort} is no container port`);
    if (!d.spec.ports.some((p) => p.name === "grpc")) violation("model Service has no grpc port");
  }
}

const cpuLimitEngines = [];
for (const [obj, meta, spec, comp] of workloads) {
  const where = `${obj.kind}/${obj.metadata.name}`;
  if (!["gateway", "model-server"].includes(comp)) violation(`${where}: component label is "${comp}"`);
  const c = spec.containers[0];
  if (comp === "gateway") {
    const env = (c.env ?? []).find((e) => e.name === "GATEWAY_MODEL_URL")?.value;
    fact("gateway_model_url", flag(c.args, "model-url") ?? env ?? "");
  } else if (comp === "model-server") {
    fact("model_engines", flag(c.args, "engines") ?? "");
    fact("model_cpu_limit", c.resources?.limits?.cpu ?? "");
    cpuLimitEngines.push(c);
  }
  // Readiness/liveness everywhere; startup probes where Knative allows them.
  for (const probe of ["livenessProbe", "readinessProbe"]) {
    if (!c[probe]?.httpGet?.path) violation(`${where}: no ${probe}`);
  }
  if (obj.kind === "Deployment" && !c.startupProbe) violation(`${where}: no startupProbe`);
  for (const kind of ["requests", "limits"]) {
    for (const r of ["cpu", "memory"]) {
      if (c.resources?.[kind]?.[r] === undefined) violation(`${where}: no resources.${kind}.${r}`);
    }
  }
  const sc = c.securityContext ?? {};
  if (sc.readOnlyRootFilesystem !== true || sc.allowPrivilegeEscalation !== false ||
      !(sc.capabilities?.drop ?? []).includes("ALL") || sc.runAsNonRoot !== true ||
      sc.seccompProfile?.type !== "RuntimeDefault") {
    violation(`${where}: container securityContext is not restricted`);
  }
  if (spec.securityContext?.runAsUser !== 10001 || spec.securityContext?.runAsGroup !== 10001) {
    violation(`${where}: pod does not run as 10001:10001`);
  }
  if (spec.automountServiceAccountToken !== false) violation(`${where}: service account token is mounted`);
  if (!(c.volumeMounts ?? []).some((m) => m.mountPath === "/tmp") ||
      !(spec.volumes ?? []).some((v) => v.emptyDir !== undefined)) {
    violation(`${where}: no emptyDir on /tmp`);
  }
  // The pod must outlive the preStop sleep plus the service's own drain.
  const grace = Number(flag(c.args, "shutdown-grace"));
  const sleep = Number(c.lifecycle?.preStop?.exec?.command?.at(-1));
  if (!Number.isFinite(grace) || !Number.isFinite(sleep)) violation(`${where}: no --shutdown-grace or preStop sleep`);
  else if (!(spec.terminationGracePeriodSeconds > grace + sleep)) {
    violation(`${where}: terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} <= ${grace} + ${sleep}`);
  }
  const a = meta.annotations ?? {};
  if (a["prometheus.io/scrape"] !== "true" || a["prometheus.io/path"] !== "/metrics" ||
      !(c.ports ?? []).some((p) => String(p.containerPort) === a["prometheus.io/port"])) {
    violation(`${where}: prometheus.io annotations missing or not a container port`);
  }
  if (!a["checksum/config"]) violation(`${where}: no checksum/config annotation`);
  const configMaps = (c.envFrom ?? []).map((e) => e.configMapRef?.name).filter(Boolean);
  if (!configMaps.some((n) => docs.some((d) => d.kind === "ConfigMap" && d.metadata.name === n))) {
    violation(`${where}: envFrom names no rendered ConfigMap`);
  }
}
if (cpuLimitEngines.length !== 1) violation(`${cpuLimitEngines.length} model-server workloads`);

const dashboards = docs.filter((d) => d.kind === "ConfigMap" && d.metadata.labels?.grafana_dashboard === "1");
fact("count_dashboard_configmaps", dashboards.length);
for (const d of dashboards) {
  for (const [k, v] of Object.entries(d.data ?? {})) {
    try {
      JSON.parse(v);
    } catch {
      violation(`dashboard ConfigMap key ${k} is not JSON`);
    }
  }
}

console.log(out.join("\n"));
