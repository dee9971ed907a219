// Type-checks monitoring/dashboards/ocr-services.json against Grafana's own
// dashboard types (@grafana/schema) with tsc --strict.
//
// Why a generator: importing a .json file widens every string to `string`,
// so enum-like fields ("absolute", "datasource", ...) could never satisfy the
// schema. Pasting the JSON as an object literal keeps the literal types and
// also turns on excess-property checks, so a misspelt field fails too.
// The generated dashboard_typecheck.ts lives in a temp dir, never in the tree.
//
// A self-test then breaks a copy on purpose (schemaVersion as a string, a
// panel's gridPos.h as a string) and requires tsc to reject it, so the check
// cannot pass vacuously (e.g. if the Dashboard type became `any`).
//
// Usage: node dashboard_typecheck.mjs [path/to/dashboard.json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dashboardPath = resolve(
    process.argv[2] ?? join(here, '../../../monitoring/dashboards/ocr-services.json'));
const schemaTypes = join(here, 'node_modules/@grafana/schema/dist/types/index.d.ts');
const tsc = join(here, 'node_modules/typescript/bin/tsc');

function typecheck(dashboard, dir) {
  writeFileSync(join(dir, 'dashboard_typecheck.ts'),
      `// Generated from ${dashboardPath}\n` +
      `import type { Dashboard } from '@grafana/schema';\n` +
      `export const dashboard = ${JSON.stringify(dashboard, null, 2)} satisfies Dashboard;\n`);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', module: 'esnext',
      moduleResolution: 'bundler', types: [], skipLibCheck: false,
      exactOptionalPropertyTypes: false,
      paths: { '@grafana/schema': [schemaTypes] },
    },
    files: ['dashboard_typecheck.ts'],
  }, null, 2));
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    return { ok: true, output: '' };
  } catch (e) {
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'ocr-dashboard-tsc-'));
let failed = false;
try {
  const real = typecheck(dashboard, dir);
  if (real.ok) {
    console.log(`ok: ${dashboardPath} satisfies Dashboard (@grafana/schema, tsc --strict)`);
  } else {
    console.error(`FAIL: ${dashboardPath} does not satisfy Dashboard:\n${real.output}`);
    failed = true;
  }

  const broken = structuredClone(dashboard);
  broken.schemaVersion = String(broken.schemaVersion);
  broken.panels.find((p) => p.type !== 'row').gridPos.h = 'eight';
  const bad = typecheck(broken, dir);
  // Only meaningful when the real dashboard passed: then any error is ours.
  if (real.ok && !bad.ok) {
    console.log('ok: self-test: a deliberately broken copy is rejected');
  } else {
    console.error('FAIL: self-test: tsc accepted a broken dashboard (or the real one failed)');
    failed = true;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
