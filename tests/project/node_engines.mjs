// Every npm package the tests install (every tests/**/package-lock.json)
// runs on the oldest Node.js the project supports: Debian bookworm's, which
// scripts/install-deps.sh installs on a fresh machine. A machine with a newer
// Node would not notice a package that needs more; this check does.
//
// Usage: node tests/project/node_engines.mjs REPO_ROOT
import fs from 'node:fs';
import path from 'node:path';

// Debian bookworm's nodejs (bookworm and bookworm-security: 18.20.4).
export const NODE_FLOOR = '18.20.4';

const parse = (v) => {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?$/.exec(v);
  if (!m) return null;
  const part = (p) => (p === undefined || /[xX*]/.test(p) ? null : Number(p));
  return [part(m[1]), part(m[2]), part(m[3])];
};
const cmp = (a, b) => {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
};
// The versions [low, high) a partial version stands for: "18" is [18.0.0, 19.0.0).
const span = (p) => {
  const low = p.map((x) => x ?? 0);
  if (p[0] === null) return [[0, 0, 0], [Infinity, 0, 0]];
  if (p[1] === null) return [low, [p[0] + 1, 0, 0]];
  if (p[2] === null) return [low, [p[0], p[1] + 1, 0]];
  return [low, [p[0], p[1], p[2] + 1]];
};

// Does `version` (x.y.z) satisfy one comparator such as ">=14.17", "^18", "~1.2", "18.x"?
function comparator(version, c) {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(c);
  const p = m && parse(m[2]);
  if (!p) throw new Error(`cannot read the version range part '${c}'`);
  const [low, high] = span(p);
  switch (m[1]) {
    case '>=': return cmp(version, low) >= 0;
    case '>': return cmp(version, high) >= 0;
    case '<': return cmp(version, low) < 0;
    case '<=': return cmp(version, high) < 0;
    case '^': {
      const i = low[0] !== 0 || p[1] === null ? 0 : low[1] !== 0 || p[2] === null ? 1 : 2;
      const top = [0, 0, 0].map((_, j) => (j < i ? low[j] : j === i ? low[j] + 1 : 0));
      return cmp(version, low) >= 0 && cmp(version, top) < 0;
    }
    case '~': {
      const top = p[1] === null ? [low[0] + 1, 0, 0] : [low[0], low[1] + 1, 0];
      return cmp(version, low) >= 0 && cmp(version, top) < 0;
    }
    default: return cmp(version, low) >= 0 && cmp(version, high) < 0;
  }
}

export function satisfies(version, range) {
  const v = parse(version);
  return range.split('||').some((alt) => {
    const parts = alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean);
    // "a - b" hyphen ranges.
    if (parts.length === 3 && parts[1] === '-') {
      return comparator(v, `>=${parts[0]}`) && comparator(v, `<=${parts[2]}`);
    }
    return parts.length === 0 || parts.every((c) => comparator(v, c));
  });
}

function lockfiles(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) lockfiles(full, out);
    else if (entry.name === 'package-lock.json') out.push(full);
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const root = process.argv[2] || '.';
  // The checker itself first: the ranges npm packages use.
  const selfCheck = [['18.20.4', '>=18', true], ['18.20.4', '>=20', false],
    ['18.20.4', '>= 14.6', true], ['18.20.4', '^18.17.0 || >=20.5.0', true],
    ['18.20.4', '^20.17.0 || >=22.9.0', false], ['18.20.4', '18.x', true],
    ['18.20.4', '~18.19', false], ['18.20.4', '>=16 <19', true], ['18.20.4', '*', true]];
  for (const [v, r, want] of selfCheck) {
    if (satisfies(v, r) !== want) throw new Error(`range check wrong for ${v} in '${r}'`);
  }
  const problems = [];
  let checked = 0;
  for (const lock of lockfiles(path.join(root, 'tests'))) {
    const { packages = {} } = JSON.parse(fs.readFileSync(lock, 'utf8'));
    for (const [name, meta] of Object.entries(packages)) {
      const range = meta.engines && meta.engines.node;
      if (!range) continue;
      checked++;
      if (!satisfies(NODE_FLOOR, range)) {
        problems.push(`${path.relative(root, lock)}: ${name.replace(/^node_modules\//, '')}@${meta.version} needs Node ${range}`);
      }
    }
  }
  if (problems.length) {
    console.error(`These npm packages do not run on Node.js ${NODE_FLOOR} (Debian bookworm's, which a fresh machine gets):`);
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log(`node_engines: ${checked} packages with an engines.node range all accept Node.js ${NODE_FLOOR}`);
}
