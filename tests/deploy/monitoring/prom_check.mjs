// Asks a running Prometheus (PROM_URL, e.g. http://127.0.0.1:9090) whether the
// monitoring's queries return data. Used by prometheus_e2e.sh.
//
//   node prom_check.mjs wait 'EXPR' SECONDS   until EXPR returns a series
//   node prom_check.mjs all DASHBOARD.json    every panel query, the seed
//                                             dashboard's queries, every rule
//   node prom_check.mjs target-down JOB       up == 0 for JOB and the
//                                             OCRTargetDown alert active
//
// "Data" means at least one series whose value is a number (not NaN): a
// histogram_quantile over no traffic yields NaN, which Grafana draws as
// nothing, so it must not count as data.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const prom = process.env.PROM_URL;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(path, params = {}) {
  const res = await fetch(`${prom}${path}?${new URLSearchParams(params)}`);
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
  return body.data;
}

async function query(expr) {
  try {
    const data = await api('/api/v1/query', { query: expr });
    const numeric = data.result.filter((s) => !Number.isNaN(Number(s.value[1])));
    return { ok: numeric.length > 0, series: data.result.length, numeric: numeric.length, sample: numeric[0] };
  } catch (e) {
    return { ok: false, error: e.message };
  }
}

// Grafana's interval variables become 1m (the e2e scrapes every 1s, so a 1m
// window holds the whole test's traffic); every other template variable
// (${datasource} is not in exprs; $namespace, $instance) becomes ".*", which is
// what "All" sends (allValue ".*") and also matches series without the label.
export function substitute(expr) {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '1m')
    .replace(/\$\{\w+(?::\w+)?\}|\$\w+/g, '.*');
}

// An alert's expression only returns series while the alert condition holds,
// and a healthy test stack must not trip thresholds. To prove the expression
// is sound (metric names, labels, vector matching, recorded series) without
// faking a failure, every comparison outside label matchers and strings is
// turned into its `bool` form: `a > 0.05` -> `a > bool 0.05`. A bool
// comparison keeps every series the filtering one could keep (value 0 or 1),
// so "the bool form returns data" means "the selectors match real series",
// which is what a renamed metric or label would break. `and` still requires
// both sides to match. (The target-down alert is also proven for real, with
// its original expression, by stopping the model.)
export function boolify(expr) {
  let out = '';
  let braces = 0;
  let quote = null;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      out += c;
      if (c === '\\') { out += expr[++i] ?? ''; continue; }
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') { quote = c; out += c; continue; }
    if (c === '{') braces++;
    if (c === '}') braces--;
    if (braces === 0) {
      const two = expr.slice(i, i + 2);
      let op = null;
      if (['==', '!=', '>=', '<='].includes(two)) op = two;
      else if (c === '>' || c === '<') op = c;
      if (op) {
        out += op;
        i += op.length - 1;
        if (!/^\s*bool\b/.test(expr.slice(i + 1))) out += ' bool ';
        continue;
      }
    }
    out += c;
  }
  return out;
}

function dashboardQueries(path) {
  const d = JSON.parse(readFileSync(path, 'utf8'));
  const panels = (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((p) => (p.targets ?? []).map((t) => ({
    what: `panel "${p.title}" ${t.refId}`, expr: substitute(t.expr),
  })));
}

// The seed dashboard's queries (docs contract, section 3), verbatim: existing
// dashboards must keep working. rate(container_cpu_usage_seconds_total) is
// cAdvisor's (Kubernetes only) and cannot exist here.
const seedQueries = [
  'sum(rate(request_predict_seconds_count[1m]))',
  'histogram_quantile(0.95, sum(rate(request_predict_seconds_bucket[5m])) by (le))',
  'sum(rate(request_errors_total[1m]))',
].map((expr) => ({ what: 'seed dashboard', expr }));

async function ruleQueries() {
  const data = await api('/api/v1/rules');
  const rules = data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
  const out = [];
  const problems = [];
  if (rules.filter((r) => r.type === 'alerting').length < 9 || rules.filter((r) => r.type === 'recording').length < 9) {
    problems.push(`rule file not (fully) loaded: ${rules.length} rules`);
  }
  for (const r of rules) {
    if (r.health !== 'ok' && r.health !== 'unknown') problems.push(`rule ${r.name}: health ${r.health} ${r.lastError ?? ''}`);
    if (r.type === 'recording') {
      out.push({ what: `recording rule ${r.name} (expr)`, expr: r.query });
      out.push({ what: `recording rule ${r.name} (recorded series)`, expr: r.name });
    } else {
      out.push({ what: `alert ${r.name} (bool form)`, expr: boolify(r.query) });
    }
  }
  return { queries: out, problems };
}

async function all(dashboardPath) {
  const { queries: rq, problems } = await ruleQueries();
  const queries = [...dashboardQueries(dashboardPath), ...seedQueries, ...rq];
  // Scrapes (1s) and rule evaluations (1s) lag the traffic a little: retry the
  // missing ones for a bounded time, never relax what counts as data.
  const deadline = Date.now() + Number(process.env.PROM_CHECK_DEADLINE_SECONDS ?? 30) * 1000;
  let results;
  for (;;) {
    results = await Promise.all(queries.map(async (q) => ({ ...q, ...(await query(q.expr)) })));
    if (results.every((r) => r.ok) || Date.now() > deadline) break;
    await sleep(1000);
  }
  for (const r of results) {
    const detail = r.ok ? `${r.numeric} series, e.g. ${JSON.stringify(r.sample.metric)} = ${r.sample.value[1]}`
                        : (r.error ?? `no data (${r.series} series, all NaN or none)`);
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.what}: ${r.expr}\n       -> ${detail}`);
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`\n${results.length - failed.length}/${results.length} queries returned data`);
  for (const p of problems) console.error(`FAIL: ${p}`);
  if (failed.length > 0) {
    console.error(`FAIL: no data for:\n  ${failed.map((r) => `${r.what}: ${r.expr}`).join('\n  ')}`);
  }
  return failed.length === 0 && problems.length === 0;
}

async function wait(expr, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const r = await query(expr);
    if (r.ok) return true;
    if (Date.now() > deadline) {
      console.error(`FAIL: no data for ${expr} after ${seconds}s ${r.error ?? ''}`);
      return false;
    }
    await sleep(250);
  }
}

async function targetDown(job) {
  // The alert's own condition, unmodified, must now select the stopped target.
  const rules = (await api('/api/v1/rules')).groups.flatMap((g) => g.rules);
  const rule = rules.find((r) => r.name === 'OCRTargetDown');
  if (!rule) { console.error('FAIL: alert OCRTargetDown not loaded'); return false; }
  if (!await wait(`(${rule.query}) and on (job) up{job="${job}"}`, 30)) return false;
  console.log(`ok: ${rule.query} selects job ${job}`);
  // And Prometheus itself evaluates it as active (pending for its `for`, then firing).
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { alerts } = await api('/api/v1/alerts');
    const a = alerts.find((x) => x.labels.alertname === 'OCRTargetDown' && x.labels.job === job);
    if (a && (a.state === 'pending' || a.state === 'firing')) {
      console.log(`ok: alert OCRTargetDown is ${a.state} for ${JSON.stringify(a.labels)}`);
      return true;
    }
    if (Date.now() > deadline) {
      console.error(`FAIL: OCRTargetDown not active for job ${job}: ${JSON.stringify(alerts)}`);
      return false;
    }
    await sleep(500);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!prom) throw new Error('PROM_URL is not set');
  const [cmd, ...args] = process.argv.slice(2);
  let ok;
  if (cmd === 'wait') ok = await wait(args[0], Number(args[1] ?? 30));
  else if (cmd === 'all') ok = await all(args[0]);
  else if (cmd === 'target-down') ok = await targetDown(args[0]);
  else throw new Error(`unknown command ${cmd}`);
  process.exit(ok ? 0 : 1);
}
