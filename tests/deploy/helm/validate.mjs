#!/usr/bin/env node
// Validates rendered Kubernetes manifests (e.g. `helm template` output).
//
// Usage: node validate.mjs [FILE ...]     (no FILE or "-": read stdin)
//
// Every YAML document is checked against the JSON schema of its
// apiVersion/kind: kubernetes-models for built-in kinds,
// @kubernetes-models/prometheus-operator for ServiceMonitor/PrometheusRule.
// Kinds without a published model (KServe InferenceService) are checked by
// hand here. The models catch wrong types and missing required fields, not
// unknown fields; `helm lint --strict` and values.schema.json cover those.
// Prints one line per failure and exits 1 if there is any.

import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { PodSpec } from "kubernetes-models/v1";

// apiVersion -> module exporting one class per kind.
const MODULES = {
  "v1": "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "policy/v1": "kubernetes-models/policy/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "batch/v1": "kubernetes-models/batch/v1",
  "monitoring.coreos.com/v1":
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

// Kinds checked by hand, keyed by "apiVersion kind".
const MANUAL = {
  "serving.kserve.io/v1beta1 InferenceService": checkInferenceService,
};

// Object names: DNS-1123 subdomain; Services need a DNS-1123 label (<= 63).
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function readInputs(args) {
  const files = args.length === 0 ? ["-"] : args;
  return files.map((f) => ({ name: f === "-" ? "<stdin>" : f, text: readFileSync(f === "-" ? 0 : f, "utf8") }));
}

// KServe v1beta1 custom predictor: the predictor inlines a PodSpec plus
// KServe's component fields; validate the PodSpec part with the core model.
const KSERVE_COMPONENT_FIELDS = new Set([
  "minReplicas", "maxReplicas", "scaleTarget", "scaleMetric", "containerConcurrency",
  "timeout", "canaryTrafficPercent", "logger", "batcher", "labels", "annotations",
  "deploymentStrategy",
]);

function checkInferenceService(doc) {
  const errors = [];
  const predictor = doc.spec?.predictor;
  if (!predictor || typeof predictor !== "object") return ["spec.predictor is required"];
  const containers = predictor.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    return ["spec.predictor.containers must be a non-empty array (custom predictor)"];
  }
  if (containers[0].name !== "kserve-container") {
    errors.push(`spec.predictor.containers[0].name must be "kserve-container", got "${containers[0].name}"`);
  }
  const ports = containers[0].ports ?? [];
  if (ports.length !== 1) errors.push("spec.predictor.containers[0] must declare exactly one port (Knative)");
  for (const key of ["minReplicas", "maxReplicas"]) {
    if (predictor[key] !== undefined && !(Number.isInteger(predictor[key]) && predictor[key] >= 0)) {
      errors.push(`spec.predictor.${key} must be a non-negative integer`);
    }
  }
  if (Number.isInteger(predictor.minReplicas) && Number.isInteger(predictor.maxReplicas) &&
      predictor.maxReplicas > 0 && predictor.minReplicas > predictor.maxReplicas) {
    errors.push("spec.predictor.minReplicas exceeds maxReplicas");
  }
  for (const key of ["labels", "annotations"]) {
    const m = predictor[key];
    if (m !== undefined && (typeof m !== "object" || Object.values(m).some((v) => typeof v !== "string"))) {
      errors.push(`spec.predictor.${key} must map strings to strings`);
    }
  }
  const mode = doc.metadata?.annotations?.["serving.kserve.io/deploymentMode"];
  if (mode !== undefined && !["RawDeployment", "Serverless", "ModelMesh"].includes(mode)) {
    errors.push(`unknown serving.kserve.io/deploymentMode "${mode}"`);
  }
  const podSpec = Object.fromEntries(Object.entries(predictor).filter(([k]) => !KSERVE_COMPONENT_FIELDS.has(k)));
  try {
    new PodSpec(podSpec).validate();
  } catch (e) {
    errors.push(`spec.predictor (as PodSpec): ${e.message}`);
  }
  return errors;
}

async function validateDoc(doc) {
  const errors = [];
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion and kind are required"];
  const name = doc.metadata?.name;
  if (typeof name !== "string" || !DNS_SUBDOMAIN.test(name) || name.length > 253) {
    errors.push(`metadata.name "${name}" is not a DNS-1123 subdomain`);
  } else if (kind === "Service" && (!DNS_LABEL.test(name) || name.length > 63)) {
    errors.push(`Service name "${name}" is not a DNS-1123 label (<= 63 chars)`);
  }
  for (const [k, v] of Object.entries(doc.metadata?.labels ?? {})) {
    if (typeof v !== "string" || v.length > 63) errors.push(`label ${k} must be a string of <= 63 chars`);
  }
  const manual = MANUAL[`${apiVersion} ${kind}`];
  if (manual) return errors.concat(manual(doc));
  const modulePath = MODULES[apiVersion];
  if (!modulePath) return errors.concat([`no schema model for apiVersion ${apiVersion}`]);
  const mod = await import(modulePath);
  const Model = mod[kind];
  if (typeof Model !== "function") return errors.concat([`no schema model for ${apiVersion} ${kind}`]);
  try {
    new Model(doc).validate();
  } catch (e) {
    errors.push(e.message);
  }
  return errors;
}

async function main() {
  const failures = [];
  const seen = new Map();
  const kinds = new Map();
  let count = 0;
  for (const input of readInputs(process.argv.slice(2))) {
    const docs = parseAllDocuments(input.text);
    for (const [i, parsed] of docs.entries()) {
      const where = `${input.name} document ${i + 1}`;
      if (parsed.errors.length > 0) {
        failures.push(`${where}: YAML: ${parsed.errors.map((e) => e.message).join("; ")}`);
        continue;
      }
      const doc = parsed.toJS();
      if (doc === null || doc === undefined) continue; // empty document (e.g. a disabled template)
      if (typeof doc !== "object" || Array.isArray(doc)) {
        failures.push(`${where}: not a mapping`);
        continue;
      }
      count += 1;
      const id = `${doc.kind}/${doc.metadata?.namespace ?? ""}/${doc.metadata?.name}`;
      const label = `${where} (${doc.apiVersion} ${doc.kind} ${doc.metadata?.name})`;
      if (seen.has(id)) failures.push(`${label}: duplicate of ${seen.get(id)}`);
      seen.set(id, label);
      kinds.set(doc.kind, (kinds.get(doc.kind) ?? 0) + 1);
      for (const e of await validateDoc(doc)) failures.push(`${label}: ${e}`);
    }
  }
  if (count === 0) failures.push("no Kubernetes documents found");
  const summary = [...kinds.entries()].sort().map(([k, n]) => `${k}=${n}`).join(" ");
  if (failures.length > 0) {
    for (const f of failures) console.error(`INVALID ${f}`);
    console.error(`validate: ${failures.length} failure(s) in ${count} document(s)`);
    process.exit(1);
  }
  console.log(`validate: ${count} document(s) valid: ${summary}`);
}

await main();
