// Structural checks of the Grafana dashboard that the type check cannot make:
// identity (uid, schemaVersion), the ${datasource} variable, unique panel ids,
// a gridPos on every panel inside the 24-column grid without overlaps, every
// target with a PromQL expr on ${datasource}, only known template variables,
// and one panel at least per metric the monitoring promises to show.
// Usage: node dashboard_structure.mjs [path/to/dashboard.json]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const path = resolve(process.argv[2] ?? join(here, '../../../monitoring/dashboards/ocr-services.json'));
const d = JSON.parse(readFileSync(path, 'utf8'));
const errors = [];
const check = (cond, msg) => { if (!cond) errors.push(msg); };

check(d.uid === 'ocr-services', `uid is ${d.uid}, want ocr-services`);
check(d.schemaVersion === 39, `schemaVersion is ${d.schemaVersion}, want 39`);
check(typeof d.title === 'string' && d.title.length > 0, 'title missing');

const vars = d.templating?.list ?? [];
const dsVar = vars.find((v) => v.name === 'datasource');
check(dsVar?.type === 'datasource' && dsVar?.query === 'prometheus',
    'templating needs a variable "datasource" of type datasource, query prometheus');
const varNames = new Set(vars.map((v) => v.name));
check(varNames.has('instance'), 'templating needs an instance variable');
for (const v of vars.filter((x) => x.type === 'query')) {
  check(v.datasource?.uid === '${datasource}', `variable ${v.name} must query \${datasource}`);
}
// Grafana's own variables, usable in any expr.
const builtins = new Set(['__rate_interval', '__interval', '__range', '__range_s', '__interval_ms']);

// Flatten rows (collapsed rows keep their panels inside).
const panels = [];
for (const p of d.panels ?? []) {
  panels.push(p);
  for (const c of p.panels ?? []) panels.push(c);
}
const ids = new Set();
const boxes = [];
for (const p of panels) {
  const name = `panel ${p.id} "${p.title}"`;
  check(Number.isInteger(p.id), `${name}: id must be an integer`);
  check(!ids.has(p.id), `${name}: duplicate id`);
  ids.add(p.id);
  const g = p.gridPos;
  const gridOk = g && ['h', 'w', 'x', 'y'].every((k) => Number.isInteger(g[k]) && g[k] >= 0);
  check(gridOk, `${name}: gridPos with integer h, w, x, y required`);
  if (gridOk) {
    check(g.w > 0 && g.h > 0 && g.x + g.w <= 24, `${name}: gridPos outside the 24-column grid`);
    for (const [other, b] of boxes) {
      const overlap = g.x < b.x + b.w && b.x < g.x + g.w && g.y < b.y + b.h && b.y < g.y + g.h;
      check(!overlap, `${name}: gridPos overlaps ${other}`);
    }
    boxes.push([name, g]);
  }
  if (p.type === 'row') continue;
  check(p.datasource?.uid === '${datasource}', `${name}: panel datasource must be \${datasource}`);
  check(Array.isArray(p.targets) && p.targets.length > 0, `${name}: no targets`);
  const refIds = new Set();
  for (const t of p.targets ?? []) {
    const tn = `${name} target ${t.refId}`;
    check(typeof t.refId === 'string' && !refIds.has(t.refId), `${tn}: refId missing or duplicate`);
    refIds.add(t.refId);
    check(t.datasource?.uid === '${datasource}' && t.datasource?.type === 'prometheus',
        `${tn}: target datasource must be {type: prometheus, uid: \${datasource}}`);
    check(typeof t.expr === 'string' && t.expr.trim().length > 0, `${tn}: empty expr`);
    for (const m of (t.expr ?? '').matchAll(/\$\{?(\w+)/g)) {
      check(varNames.has(m[1]) || builtins.has(m[1]), `${tn}: unknown variable $${m[1]}`);
    }
  }
}

// What the dashboard promises to show (docs/monitoring.md), by metric.
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
const required = [
  'request_predict_seconds_count', 'request_predict_seconds_bucket', 'request_errors_total',
  'http_requests_total', 'ocr_queue_depth', 'ocr_queue_capacity', 'ocr_engines_busy',
  'ocr_engines{', 'ocr_mean_word_confidence', 'ocr_characters_recognized_total',
  'gateway_upstream_attempt_duration_seconds', 'gateway_upstream_retries_total',
  'gateway_upstream_failures_total', 'process_cpu_seconds_total', 'process_resident_memory_bytes',
  'ocr_result_cache_hits_total', 'ocr_result_cache_misses_total',
  'grpc_server_handled_total', 'grpc_server_handling_seconds_bucket',
  'gateway_jobs_active', 'gateway_jobs_created_total', 'gateway_jobs_finished_total',
  'gateway_job_pages_queued', 'gateway_job_pages_in_flight',
  'gateway_job_oldest_queued_page_age_seconds', 'gateway_job_page_duration_seconds_bucket',
  'gateway_job_page_duration_seconds_count', 'gateway_job_webhook_deliveries_total',
];
for (const metric of required) {
  check(exprs.some((e) => e.includes(metric)), `no panel queries ${metric}`);
}
for (const q of [0.5, 0.95, 0.99]) {
  check(exprs.some((e) => e.startsWith(`histogram_quantile(${q}, `) && e.includes('request_predict_seconds_bucket')),
      `no p${q * 100} predict latency panel query`);
}
for (const q of [0.5, 0.95]) {
  check(exprs.some((e) => e.startsWith(`histogram_quantile(${q}, `) && e.includes('gateway_job_page_duration_seconds_bucket')),
      `no p${q * 100} job page latency panel query`);
}
check(panels.some((p) => p.type === 'heatmap' && p.targets?.[0]?.format === 'heatmap'),
    'no latency heatmap panel (type heatmap, format heatmap)');

if (errors.length > 0) {
  console.error(`FAIL: ${path}:\n  ${errors.join('\n  ')}`);
  process.exit(1);
}
console.log(`ok: ${path}: ${panels.length} panels, ${exprs.length} queries, structure valid`);
