// What the browser tests of the gateway's web page share: the real
// ocr-model-server and ocr-gateway started as child processes on free ports,
// Debian's headless Chromium driven by playwright-core, multi-page documents
// made from the test images (ImageMagick's `convert`, `img2pdf`), and the
// clean-up of all of it.
// Environment: OCR_MODEL_SERVER_BIN, OCR_GATEWAY_BIN, OCR_TESTDATA_DIR (required);
// OCR_ARTIFACTS_DIR (screenshots and server logs; default: a temp folder);
// OCR_CHROMIUM (default /usr/bin/chromium).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const EXPECTED_TEXT = 'The quick brown dog jumped over the lazy fox';  // pyt-test.png
export const SECOND_PAGE_TEXT = 'Tesseract.js';  // the text of tjs-simple.png
const CHROMIUM = process.env.OCR_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (CTest sets it; see tests/web/CMakeLists.txt)`);
  return value;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const imagePath = (name) => path.join(requireEnv('OCR_TESTDATA_DIR'), 'images', name);

export const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-web-test-'));
export const artifactsDir = process.env.OCR_ARTIFACTS_DIR || tmpDir;
const children = [];

function startChild(name, bin, args, env = {}) {
  const log = fs.openSync(path.join(artifactsDir, `web-test-${name}.log`), 'w');
  const child = spawn(bin, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  child.exitInfo = null;
  child.on('exit', (code, signal) => { child.exitInfo = { code, signal }; });
  child.on('error', (err) => { child.exitInfo = { error: err }; });
  child.label = name;
  children.push(child);
  return child;
}

// Resolves with the port the child wrote to portFile; rejects if it exits first.
async function waitForPort(child, portFile, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitInfo) {
      throw new Error(`${child.label} exited before writing its port file: ` +
        `${JSON.stringify(child.exitInfo)}; see ${artifactsDir}/web-test-${child.label}.log`);
    }
    try {
      const port = Number(fs.readFileSync(portFile, 'utf8').trim());
      if (port > 0) return port;
    } catch { /* not written yet */ }
    await sleep(50);
  }
  throw new Error(`${child.label} wrote no port file within ${timeoutMs} ms`);
}

async function stopChild(child) {
  if (child.exitInfo || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

// Last resort when the runner dies without running the after hook.
process.on('exit', () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }
});

// Makes `file` in the temp folder from the test images `pages` with
// ImageMagick (a .tif) or img2pdf (a .pdf); its path.
export function makeDocument(file, pages) {
  const out = path.join(tmpDir, file);
  const inputs = pages.map(imagePath);
  try {
    if (file.endsWith('.pdf')) execFileSync('img2pdf', [...inputs, '-o', out], { stdio: 'pipe' });
    else execFileSync('convert', [...inputs, '-compress', 'lzw', out], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`could not make ${file} (scripts/install-deps.sh installs ` +
      `imagemagick and img2pdf): ${err.message}`);
  }
  return out;
}

// Starts the model service and the gateway (with `gatewayArgs`), then
// Chromium on one page that records every URL it asks for and every console
// error. Returns { baseUrl, browser, page, requests, consoleErrors }.
export async function startStack({ gatewayArgs = [] } = {}) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const modelBin = requireEnv('OCR_MODEL_SERVER_BIN');
  const gatewayBin = requireEnv('OCR_GATEWAY_BIN');
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    throw new Error(`playwright-core is not installed: run 'npm ci' in tests/web (${err.message})`);
  }

  const modelPortFile = path.join(tmpDir, 'model.port');
  const model = startChild('model-server', modelBin,
    ['--host=127.0.0.1', '--http-port=0', '--grpc-port=0', `--port-file=${modelPortFile}`],
    { OMP_THREAD_LIMIT: '1' });
  const modelPort = await waitForPort(model, modelPortFile);

  const gatewayPortFile = path.join(tmpDir, 'gateway.port');
  const gateway = startChild('gateway', gatewayBin,
    ['--host=127.0.0.1', '--port=0', `--port-file=${gatewayPortFile}`,
      `--model-url=http://127.0.0.1:${modelPort}`, ...gatewayArgs]);
  const baseUrl = `http://127.0.0.1:${await waitForPort(gateway, gatewayPortFile)}`;

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  const page = await context.newPage();
  const requests = [];
  const consoleErrors = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  return { baseUrl, browser, page, requests, consoleErrors };
}

export async function stopStack(browser) {
  try {
    if (browser) await browser.close();
  } finally {
    // The gateway first, so that it does not log the model service going away.
    for (const child of [...children].reverse()) await stopChild(child);
    if (artifactsDir !== tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    console.log(`# artifacts in ${artifactsDir}`);
  }
}

// URLs asked for that left 127.0.0.1 (data: and blob: URLs stay in the page).
export function foreignRequests(requests) {
  return requests.filter((url) => {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:') return false;
    return hostname !== '127.0.0.1';
  });
}

// Console errors other than Chromium's line for each 4xx answer (asked for).
export const unexpectedConsoleErrors = (errors) =>
  errors.filter((e) => !/Failed to load resource: .* status of 4\d\d/.test(e));

// Whether `url` is a job's result (in `output` when given).
export function isJobResult(url, output) {
  const u = new URL(url);
  if (!/^\/gateway\/jobs\/[0-9a-z]+\/result$/.test(u.pathname)) return false;
  return output === undefined || (u.searchParams.get('output') || 'text') === output;
}
