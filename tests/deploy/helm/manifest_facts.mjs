#!/usr/bin/env node
// Reads a rendered ocr-services manifest (file argument or stdin) and prints
// the facts chart_test.sh asserts on, one `key=value` per line:
//   count_<Kind>=N               objects of each kind
//   model_service_name / model_service_http_port   the plain model Service
//   model_service_grpc_port / model_service_grpc_app_protocol   its grpc port
//   model_container_grpc_port / model_grpc_port_arg  the model container's
//                                port named grpc and its --grpc-port
//   model_isvc_name / model_isvc_namespace          the KServe InferenceService
//   gateway_model_url            --model-url (or GATEWAY_MODEL_URL) of the gateway
//   gateway_upstream_protocol    --upstream-protocol (or GATEWAY_UPSTREAM_PROTOCOL;
//                                v2-json when neither is set)
//   model_engines / model_cpu_limit                 from the model container
//   model_netpol_count           NetworkPolicies that select the model pods
//   model_netpol_peers           who they admit: "gateway" (a podSelector that
//                                selects exactly the gateway pods) and/or
//                                "prometheus" (namespaceSelector + podSelector)
//   model_netpol_prometheus      that Prometheus peer, as JSON
//   gateway_api_keys_file / gateway_api_keys_secret  --api-keys-file of the
//                                gateway and the Secret mounted where it points
//   gateway_job_dir              --job-dir of the gateway
//   gateway_job_volume           what is mounted there: "emptyDir",
//                                "emptyDir:<sizeLimit>" or "pvc:<claim>"
//   gateway_job_page_concurrency --job-page-concurrency of the gateway
//   gateway_strategy             the gateway Deployment's strategy type
//   gateway_webhook_secret       <Secret>/<key> of GATEWAY_WEBHOOK_SECRET
//   gateway_config_<VAR>         the gateway ConfigMap's GATEWAY_* values
//   model_config_<VAR>           the model server ConfigMap's OCR_* values
//   <gateway|model>_env          every environment variable name the
//                                component's container gets (env, and the keys
//                                of the ConfigMaps and rendered Secrets of its
//                                envFrom), sorted, comma-joined; an existing
//                                Secret the chart did not render counts as
//                                "secret:<name>"
//   pvc_<name>                   each PersistentVolumeClaim: mode,size,class
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
    const grpc = d.spec.ports.find((p) => p.name === "grpc");
    if (!grpc) violation("model Service has no grpc port");
    fact("model_service_grpc_port", grpc?.port);
    fact("model_service_grpc_app_protocol", grpc?.appProtocol ?? "");
    const grpcTarget = pods[0]?.[2].containers[0].ports?.find((p) => p.name === grpc?.targetPort);
    if (grpc && !grpcTarget) violation(`model Service grpc targetPort ${grpc.targetPort} is no container port`);
  }
}
// Which container port a URL of the gateway reaches: host = a Service of the
// manifest (short name), port = one of its ports, its targetPort (name or
// number) resolved in the pods that Service selects. undefined when none.
const containerPortOf = (url, workloadsList) => {
  const m = /^[a-z]+:\/\/([^:/]+):(\d+)$/.exec(url ?? "");
  if (!m) return undefined;
  const svc = docs.find((d) => d.kind === "Service" && d.metadata.name === m[1]);
  const port = svc?.spec.ports.find((p) => p.port === Number(m[2]));
  if (!port) return undefined;
  const pods = workloadsList.filter(([, meta]) =>
    Object.entries(svc.spec.selector ?? {}).every(([k, v]) => meta.labels?.[k] === v));
  const cport = pods[0]?.[2].containers[0].ports?.find((p) =>
    p.name === port.targetPort || p.containerPort === port.targetPort);
  return cport?.containerPort;
};

// Label selectors as Kubernetes evaluates them.
const selects = (selector, labels = {}) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) =>
    operator === "In" ? values.includes(labels[key]) :
    operator === "NotIn" ? !values.includes(labels[key]) :
    operator === "Exists" ? key in labels : !(key in labels));
const isEmpty = (selector) =>
  Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;

// Model NetworkPolicies: exactly whom they admit, from the rendered objects.
// Pods that could be peers: every workload's pods and bare Pods (helm test).
const podLabels = [
  ...workloads.map(([obj, meta, , comp]) => ({ name: `${obj.kind}/${obj.metadata.name}`, comp, labels: meta.labels })),
  ...docs.filter((d) => d.kind === "Pod").map((d) => ({ name: `Pod/${d.metadata.name}`, comp: component(d), labels: d.metadata.labels })),
];
const modelPods = workloads.filter(([, , , comp]) => comp === "model-server");
const modelPorts = new Set(modelPods.flatMap(([, , spec]) => (spec.containers[0].ports ?? []).map((p) => p.containerPort)));
let netpols = 0;
const peers = new Set();
const gatewayPorts = new Set();  // ports the model's policies admit the gateway on
for (const d of docs.filter((x) => x.kind === "NetworkPolicy")) {
  if (!modelPods.some(([, meta]) => selects(d.spec.podSelector, meta.labels))) continue;
  netpols++;
  const where = `NetworkPolicy/${d.metadata.name}`;
  if (isEmpty(d.spec.podSelector)) violation(`${where}: selects every pod of the namespace`);
  if (!(d.spec.policyTypes ?? []).includes("Ingress")) violation(`${where}: does not restrict ingress`);
  for (const rule of d.spec.ingress ?? []) {
    if (!rule.from?.length) violation(`${where}: a rule without "from" admits every source`);
    if (!rule.ports?.length) violation(`${where}: a rule without ports admits every port`);
    for (const p of rule.ports ?? []) {
      if (!modelPorts.has(p.port)) violation(`${where}: port ${p.port} is no model container port`);
    }
    for (const peer of rule.from ?? []) {
      if (peer.ipBlock) violation(`${where}: admits an ipBlock`);
      else if (!peer.namespaceSelector) {
        const hit = podLabels.filter((p) => selects(peer.podSelector, p.labels));
        if (isEmpty(peer.podSelector) || hit.length !== 1 || hit[0].comp !== "gateway") {
          violation(`${where}: a same-namespace peer selects ${hit.map((p) => p.name).join(", ") || "nothing"}, not just the gateway pods`);
        } else {
          peers.add("gateway");
          for (const p of rule.ports ?? []) gatewayPorts.add(p.port);
        }
      } else if (isEmpty(peer.namespaceSelector) || isEmpty(peer.podSelector)) {
        violation(`${where}: a peer admits every namespace or every pod of some namespaces`);
      } else {
        peers.add("prometheus");
        fact("model_netpol_prometheus", JSON.stringify({ namespaceSelector: peer.namespaceSelector, podSelector: peer.podSelector }));
      }
    }
  }
}
fact("model_netpol_count", netpols);
fact("model_netpol_peers", [...peers].sort().join(","));

// The gateway's keys file must be a mounted Secret's item.
for (const [, , spec, comp] of workloads.filter(([, , , c]) => c === "gateway")) {
  const c = spec.containers[0];
  const file = flag(c.args, "api-keys-file") ?? "";
  fact("gateway_api_keys_file", file);
  if (!file) continue;
  const mount = (c.volumeMounts ?? []).find((m) => file.startsWith(`${m.mountPath}/`));
  const volume = (spec.volumes ?? []).find((v) => v.name === mount?.name);
  const item = volume?.secret?.items?.find((i) => `${mount.mountPath}/${i.path}` === file);
  if (!item || mount.readOnly !== true) violation(`gateway --api-keys-file ${file} is no read-only Secret item`);
  else fact("gateway_api_keys_secret", `${volume.secret.secretName}/${item.key}`);
}

// Jobs: the job folder must be a mounted, writable volume (the root
// filesystem is read-only), and the webhook secret must come from a Secret.
for (const [obj, , spec] of workloads.filter(([, , , c]) => c === "gateway")) {
  const c = spec.containers[0];
  const where = `${obj.kind}/${obj.metadata.name}`;
  const dir = flag(c.args, "job-dir") ?? "";
  fact("gateway_job_dir", dir);
  fact("gateway_job_page_concurrency", flag(c.args, "job-page-concurrency") ?? "");
  fact("gateway_strategy", obj.spec?.strategy?.type ?? "RollingUpdate");
  const mount = (c.volumeMounts ?? []).find((m) => m.mountPath === dir);
  const volume = (spec.volumes ?? []).find((v) => v.name === mount?.name);
  if (!dir) violation(`${where}: no --job-dir (jobs would go to /tmp and vanish with the pod's tmp volume)`);
  else if (!mount || mount.readOnly) violation(`${where}: --job-dir ${dir} is not a writable volume mount`);
  else if (volume?.emptyDir) {
    fact("gateway_job_volume", volume.emptyDir.sizeLimit ? `emptyDir:${volume.emptyDir.sizeLimit}` : "emptyDir");
  } else if (volume?.persistentVolumeClaim) {
    fact("gateway_job_volume", `pvc:${volume.persistentVolumeClaim.claimName}`);
  } else violation(`${where}: --job-dir ${dir} is on neither an emptyDir nor a claim`);
  const hook = (c.env ?? []).find((e) => e.name === "GATEWAY_WEBHOOK_SECRET");
  if (hook && !hook.valueFrom?.secretKeyRef) violation(`${where}: GATEWAY_WEBHOOK_SECRET is not read from a Secret`);
  fact("gateway_webhook_secret", hook ? `${hook.valueFrom.secretKeyRef.name}/${hook.valueFrom.secretKeyRef.key}` : "");
  for (const name of (c.envFrom ?? []).map((e) => e.configMapRef?.name).filter(Boolean)) {
    const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === name);
    for (const [k, v] of Object.entries(cm?.data ?? {})) {
      if (k.startsWith("GATEWAY_")) fact(`gateway_config_${k}`, v);
    }
    if ("GATEWAY_WEBHOOK_SECRET" in (cm?.data ?? {})) violation(`${where}: the webhook secret is in ConfigMap ${name}`);
  }
}
// What each component's process can read from its environment.
for (const [, , spec, comp] of workloads) {
  const key = comp === "gateway" ? "gateway" : comp === "model-server" ? "model" : "";
  if (!key) continue;
  const c = spec.containers[0];
  const names = new Set((c.env ?? []).map((e) => e.name));
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? "ConfigMap" : "Secret";
    const obj = docs.find((d) => d.kind === kind && d.metadata.name === ref?.name);
    if (!obj) names.add(`secret:${ref?.name}`);
    for (const [k, v] of Object.entries(obj?.data ?? obj?.stringData ?? {})) {
      names.add(k);
      if (key === "model" && kind === "ConfigMap" && k.startsWith("OCR_")) fact(`model_config_${k}`, v);
    }
  }
  fact(`${key}_env`, [...names].sort().join(","));
}
for (const d of docs.filter((x) => x.kind === "PersistentVolumeClaim")) {
  fact(`pvc_${d.metadata.name}`, `${d.spec.accessModes.join("+")},${d.spec.resources.requests.storage},${d.spec.storageClassName ?? ""}`);
}

const cpuLimitEngines = [];
for (const [obj, meta, spec, comp] of workloads) {
  const where = `${obj.kind}/${obj.metadata.name}`;
  if (!["gateway", "model-server"].includes(comp)) violation(`${where}: component label is "${comp}"`);
  const c = spec.containers[0];
  if (comp === "gateway") {
    const env = (name) => (c.env ?? []).find((e) => e.name === name)?.value;
    const url = flag(c.args, "model-url") ?? env("GATEWAY_MODEL_URL") ?? "";
    const protocol = flag(c.args, "upstream-protocol") ?? env("GATEWAY_UPSTREAM_PROTOCOL") ?? "v2-json";
    fact("gateway_model_url", url);
    fact("gateway_upstream_protocol", protocol);
    // The gateway refuses a grpc:// URL without grpc and the reverse.
    if (url.startsWith("grpc://") !== (protocol === "grpc")) {
      violation(`${where}: --upstream-protocol=${protocol} with --model-url=${url}`);
    }
    // A model NetworkPolicy must let the gateway reach the port it calls.
    const target = containerPortOf(url, workloads);
    if (netpols > 0 && target !== undefined && !gatewayPorts.has(target)) {
      violation(`${where}: the model NetworkPolicy does not admit the gateway on port ${target} (${url})`);
    }
  } else if (comp === "model-server") {
    fact("model_engines", flag(c.args, "engines") ?? "");
    fact("model_grpc_port_arg", flag(c.args, "grpc-port") ?? "");
    fact("model_container_grpc_port", (c.ports ?? []).find((p) => p.name === "grpc")?.containerPort ?? "");
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
