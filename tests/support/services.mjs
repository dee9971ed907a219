// What the node tests (tests/web, tests/contract) share: the real
// ocr-model-server and ocr-gateway started as child processes on free ports of
// 127.0.0.1, their logs in the artifacts folder, multi-page documents made
// from the test images (ImageMagick's `convert`, `img2pdf`), and the clean-up
// of all of it. Needs no npm package.
// Environment: OCR_MODEL_SERVER_BIN, OCR_GATEWAY_BIN, OCR_TESTDATA_DIR (required);
// OCR_ARTIFACTS_DIR (server logs; default: a temp folder).

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (CTest sets it; see the test folder's CMakeLists.txt)`);
  return value;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const imagePath = (name) => path.join(requireEnv('OCR_TESTDATA_DIR'), 'images', name);

export const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-node-test-'));
export const artifactsDir = process.env.OCR_ARTIFACTS_DIR || tmpDir;
const children = [];

function startChild(name, bin, args, env = {}) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const log = fs.openSync(path.join(artifactsDir, `${name}.log`), 'w');
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
        `${JSON.stringify(child.exitInfo)}; see ${artifactsDir}/${child.label}.log`);
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

// Starts ocr-model-server (log: `name`.log) on free ports; its REST base URL.
export async function startModelServer({ name = 'model-server', args = [] } = {}) {
  const portFile = path.join(tmpDir, `${name}.port`);
  const child = startChild(name, requireEnv('OCR_MODEL_SERVER_BIN'),
    ['--host=127.0.0.1', '--http-port=0', '--grpc-port=0', `--port-file=${portFile}`, ...args],
    { OMP_THREAD_LIMIT: '1' });
  return `http://127.0.0.1:${await waitForPort(child, portFile)}`;
}

// Starts ocr-gateway (log: `name`.log) on a free port in front of
// `modelUrl`, with `args`; its base URL.
export async function startGateway({ name = 'gateway', modelUrl, args = [] }) {
  const portFile = path.join(tmpDir, `${name}.port`);
  const child = startChild(name, requireEnv('OCR_GATEWAY_BIN'),
    ['--host=127.0.0.1', '--port=0', `--port-file=${portFile}`, `--model-url=${modelUrl}`, ...args]);
  return `http://127.0.0.1:${await waitForPort(child, portFile)}`;
}

// Sends `signal` to the child started as `name` (it is still stopped, and
// waited for, by stopServices).
export function signalChild(name, signal = 'SIGTERM') {
  const child = children.find((c) => c.label === name);
  if (!child) throw new Error(`no child named ${name}`);
  child.kill(signal);
}

// Stops every child, the last started first (gateways before the model
// service, so that they do not log it going away), and removes the temp
// folder unless it holds the artifacts.
export async function stopServices() {
  for (const child of [...children].reverse()) await stopChild(child);
  if (artifactsDir !== tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  console.log(`# artifacts in ${artifactsDir}`);
}

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
