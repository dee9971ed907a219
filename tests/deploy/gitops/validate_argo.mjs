// Validates the ArgoCD manifests in argo/ without a cluster:
//  1. every YAML document parses and passes the Argo CD schema of its kind
//     (@kubernetes-models/argo-cd: wrong types, missing required fields);
//  2. the ApplicationSet is expanded per list element, the way the
//     ApplicationSet controller does it, and each generated Application is
//     validated too;
//  3. what ArgoCD would only find out at sync time: the chart path and the
//     values files exist, the sync policy is as documented, every destination
//     and repository is allowed by the AppProject, and every object the chart
//     renders (real helm template with each Application's values files) is a
//     kind the project allows.
//
// Usage: node validate_argo.mjs            (repo root from OCR_REPO_ROOT, or
//                                            three folders up from this file)
// Needs helm: OCR_HELM, else <repo>/.cache/tools/helm (scripts/install-helm.sh),
// else helm on PATH.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  Application,
  ApplicationSet,
  AppProject,
} from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(process.env.OCR_REPO_ROOT || path.join(here, "../../.."));
const argoDir = path.join(repo, "argo");

const failures = [];
function check(condition, message) {
  if (condition) {
    console.log(`ok   ${message}`);
  } else {
    console.log(`FAIL ${message}`);
    failures.push(message);
  }
}

const MODELS = {
  "argoproj.io/v1alpha1/Application": Application,
  "argoproj.io/v1alpha1/ApplicationSet": ApplicationSet,
  "argoproj.io/v1alpha1/AppProject": AppProject,
};

function validateModel(doc, where) {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) {
    check(false, `${where}: ${doc.apiVersion} ${doc.kind} is an Argo CD kind this test knows`);
    return;
  }
  try {
    new Model(doc).validate();
    check(true, `${where}: ${doc.kind} ${doc.metadata?.name} matches the Argo CD schema`);
  } catch (err) {
    check(false, `${where}: ${doc.kind} ${doc.metadata?.name} matches the Argo CD schema: ${err.message}`);
  }
}

// JSON with sorted keys: equal objects give equal strings whatever the key order.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// Shell-style glob (ArgoCD uses github.com/gobwas/glob for project patterns).
function globMatch(pattern, value) {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

// --- 1. Parse and validate every document --------------------------------
const docs = [];
const yamlFiles = fs.readdirSync(argoDir).filter((f) => /\.ya?ml$/.test(f)).sort();
check(yamlFiles.length >= 3, `argo/ holds the project, application and applicationset files (${yamlFiles.join(", ")})`);
for (const file of yamlFiles) {
  const text = fs.readFileSync(path.join(argoDir, file), "utf8");
  for (const parsed of YAML.parseAllDocuments(text)) {
    if (parsed.errors.length > 0) {
      check(false, `argo/${file} parses: ${parsed.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const doc = parsed.toJS();
    if (doc === null) continue;  // empty document after a trailing ---
    check(doc.metadata?.namespace === "argocd", `argo/${file}: ${doc.kind} ${doc.metadata?.name} lives in namespace argocd`);
    validateModel(doc, `argo/${file}`);
    docs.push({ file, doc });
  }
}

const projects = docs.filter((d) => d.doc.kind === "AppProject").map((d) => d.doc);
const apps = docs.filter((d) => d.doc.kind === "Application").map((d) => d.doc);
const appSets = docs.filter((d) => d.doc.kind === "ApplicationSet").map((d) => d.doc);
check(projects.length === 1, "exactly one AppProject");
check(apps.length === 1, "exactly one Application (the dev environment)");
check(appSets.length === 1, "exactly one ApplicationSet");
if (failures.length > 0) finish();
const project = projects[0];

// --- 2. Expand the ApplicationSet ------------------------------------------
// Go-template fields of the form {{ .key }}; with missingkey=error an unknown
// key fails the whole ApplicationSet, so it fails here too.
function render(text, element, where) {
  return text.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_, key) => {
    if (!(key in element)) {
      check(false, `${where}: template key .${key} is defined by every element`);
      return "";
    }
    return String(element[key]);
  });
}
function renderTree(node, element, where) {
  if (typeof node === "string") return render(node, element, where);
  if (Array.isArray(node)) return node.map((n) => renderTree(n, element, where));
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [render(k, element, where), renderTree(v, element, where)]));
  }
  return node;
}
// templatePatch is merged into the rendered Application (maps merge, the
// patch wins on scalars and lists).
function merge(base, patch) {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = { ...(base && typeof base === "object" && !Array.isArray(base) ? base : {}) };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
  return out;
}

const appSet = appSets[0];
check(appSet.spec.goTemplate === true, "ApplicationSet uses Go templates (needed by templatePatch)");
const listGen = (appSet.spec.generators || []).find((g) => g.list);
const elements = listGen?.list?.elements || [];
const envs = elements.map((e) => e.env);
check(elements.length >= 2, `ApplicationSet list generator covers >= 2 environments (${envs.join(", ")})`);
check(new Set(envs).size === envs.length, "environment names are unique");
const generated = elements.map((element) => {
  const where = `ApplicationSet element ${element.env}`;
  let app = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { namespace: appSet.metadata.namespace, ...renderTree(appSet.spec.template.metadata, element, where) },
    spec: renderTree(appSet.spec.template.spec, element, where),
  };
  if (appSet.spec.templatePatch) {
    app = merge(app, YAML.parse(render(appSet.spec.templatePatch, element, where)));
  }
  validateModel(app, where);
  return { element, app };
});
const byEnv = Object.fromEntries(generated.map((g) => [g.element.env, g]));
for (const env of ["dev", "staging", "prod"]) {
  check(env in byEnv, `ApplicationSet has the ${env} environment`);
}
const expected = {
  dev: { namespace: "ocr-dev", values: "ci/minikube-small-values.yaml", prune: true },
  staging: { namespace: "ocr-staging", values: "ci/production-values.yaml", prune: true },
  prod: { namespace: "ocr-prod", values: "ci/production-values.yaml", prune: false },
};
for (const [env, want] of Object.entries(expected)) {
  const app = byEnv[env]?.app;
  if (!app) continue;
  check(app.spec.destination.namespace === want.namespace, `${env}: namespace ${want.namespace}`);
  check(JSON.stringify(app.spec.source.helm?.valueFiles) === JSON.stringify([want.values]), `${env}: values file ${want.values}`);
  check(app.spec.syncPolicy?.automated?.prune === want.prune, `${env}: automated prune is ${want.prune} (a boolean)`);
  check(app.spec.syncPolicy?.automated?.selfHeal === true, `${env}: automated selfHeal`);
}

// --- 3. Checks on every Application (the file's and the generated ones) ---
const application = apps[0];
check(application.metadata.name === "ocr-services-dev", "the Application is ocr-services-dev");
check(application.spec.syncPolicy?.automated?.prune === true, "Application: automated prune");
check(application.spec.syncPolicy?.automated?.selfHeal === true, "Application: automated selfHeal");
check((application.spec.syncPolicy?.retry?.limit ?? 0) > 0 && !!application.spec.syncPolicy?.retry?.backoff?.duration, "Application: retry with backoff");
check(Number.isInteger(application.spec.revisionHistoryLimit), "Application: revisionHistoryLimit set");
check(JSON.stringify(application.spec.source.helm?.valueFiles) === JSON.stringify(["ci/minikube-small-values.yaml"]), "Application: values file ci/minikube-small-values.yaml");
// application.yaml is the ApplicationSet's dev element written out: if the
// two drifted, applying one or the other would deploy different things.
if (byEnv.dev) {
  const gen = byEnv.dev.app;
  check(gen.metadata.name === application.metadata.name, "dev: the ApplicationSet generates the same name as application.yaml");
  check(canonical(gen.spec) === canonical(application.spec),
    `dev: the ApplicationSet generates the same spec as application.yaml${canonical(gen.spec) === canonical(application.spec) ? "" : `\n  generated: ${canonical(gen.spec)}\n  file:      ${canonical(application.spec)}`}`);
  check(canonical(gen.metadata.labels) === canonical(application.metadata.labels), "dev: same labels as application.yaml");
}

const allApps = [{ name: `argo/application.yaml ${application.metadata.name}`, app: application },
  ...generated.map((g) => ({ name: `generated ${g.app.metadata.name}`, app: g.app }))];
const chartDir = path.join(repo, "ocr-services");
for (const { name, app } of allApps) {
  const spec = app.spec;
  check(spec.project === project.metadata.name, `${name}: in project ${project.metadata.name}`);
  check(spec.source.path === "ocr-services", `${name}: source path is ocr-services`);
  check(fs.existsSync(path.join(repo, spec.source.path, "Chart.yaml")), `${name}: ${spec.source.path}/Chart.yaml exists in the repository`);
  for (const vf of spec.source.helm?.valueFiles || []) {
    check(fs.existsSync(path.join(chartDir, vf)), `${name}: values file ocr-services/${vf} exists`);
  }
  check(project.spec.sourceRepos.includes(spec.source.repoURL), `${name}: repoURL ${spec.source.repoURL} is allowed by the project`);
  check(project.spec.destinations.some((d) => d.server === spec.destination.server && globMatch(d.namespace, spec.destination.namespace)),
    `${name}: destination ${spec.destination.server} ${spec.destination.namespace} is allowed by the project`);
  const syncOptions = spec.syncPolicy?.syncOptions || [];
  check(syncOptions.includes("CreateNamespace=true"), `${name}: syncOptions CreateNamespace=true`);
  check((project.spec.clusterResourceWhitelist || []).some((r) => r.group === "" && r.kind === "Namespace"),
    `${name}: the project allows the Namespace that CreateNamespace creates`);
}

// --- 4. The project allows what the chart renders --------------------------
const KINDS = [
  ["", "ConfigMap"], ["", "Secret"], ["", "Service"], ["", "ServiceAccount"],
  ["apps", "Deployment"], ["autoscaling", "HorizontalPodAutoscaler"],
  ["policy", "PodDisruptionBudget"], ["networking.k8s.io", "NetworkPolicy"],
  ["rbac.authorization.k8s.io", "Role"], ["rbac.authorization.k8s.io", "RoleBinding"],
  ["monitoring.coreos.com", "ServiceMonitor"], ["monitoring.coreos.com", "PrometheusRule"],
  ["serving.kserve.io", "InferenceService"],
];
const nsAllowed = project.spec.namespaceResourceWhitelist || [];
const clusterAllowed = project.spec.clusterResourceWhitelist || [];
const allows = (list, group, kind) => list.some((r) => globMatch(r.group, group) && globMatch(r.kind, kind));
for (const [group, kind] of KINDS) {
  check(allows(nsAllowed, group, kind), `project allows ${group || "core"}/${kind}`);
}

function findHelm() {
  const candidates = [process.env.OCR_HELM, path.join(repo, ".cache/tools/helm")].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return c;
  try {
    return execFileSync("sh", ["-c", "command -v helm"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}
const helm = findHelm();
check(!!helm, "helm found (OCR_HELM, .cache/tools/helm from scripts/install-helm.sh, or PATH)");
if (helm && fs.existsSync(path.join(chartDir, "Chart.yaml"))) {
  // helm template needs no cluster; a dummy kubeconfig and private helm
  // folders keep it from reading or writing the user's.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "validate-argo-"));
  try {
    fs.writeFileSync(path.join(tmp, "kubeconfig"), "apiVersion: v1\nkind: Config\n");
    const env = {
      ...process.env,
      KUBECONFIG: path.join(tmp, "kubeconfig"),
      HELM_CACHE_HOME: path.join(tmp, "cache"),
      HELM_CONFIG_HOME: path.join(tmp, "config"),
      HELM_DATA_HOME: path.join(tmp, "data"),
    };
    const seen = new Set();
    for (const { name, app } of allApps) {
      const spec = app.spec;
      const key = JSON.stringify([spec.source.helm?.valueFiles, spec.destination.namespace]);
      if (seen.has(key)) continue;
      seen.add(key);
      const args = ["template", spec.source.helm?.releaseName || app.metadata.name, chartDir,
        "--namespace", spec.destination.namespace,
        // ArgoCD does not run helm test hooks.
        "--skip-tests"];
      for (const vf of spec.source.helm?.valueFiles || []) args.push("-f", path.join(chartDir, vf));
      let out;
      try {
        out = execFileSync(helm, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (err) {
        check(false, `${name}: helm template succeeds: ${err.stderr || err.message}`);
        continue;
      }
      const objects = YAML.parseAllDocuments(out).map((d) => d.toJS()).filter((o) => o && o.kind);
      check(objects.length > 0, `${name}: helm template renders objects (${objects.length})`);
      for (const o of objects) {
        const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
        const what = `${group || "core"}/${o.kind} ${o.metadata?.name}`;
        check(allows(nsAllowed, group, o.kind) || allows(clusterAllowed, group, o.kind),
          `${name}: the project allows rendered ${what}`);
        const ns = o.metadata?.namespace;
        check(ns === undefined || ns === spec.destination.namespace,
          `${name}: rendered ${what} stays in the destination namespace`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

finish();

function finish() {
  if (failures.length > 0) {
    console.log(`\n${failures.length} check(s) failed:`);
    for (const f of failures) console.log(`  - ${f}`);
    process.exit(1);
  }
  console.log("\nall ArgoCD manifest checks passed");
  process.exit(0);
}
