// What the browser tests of the gateway's web page share: the real
// ocr-model-server and ocr-gateway (tests/support/services.mjs starts them),
// Debian's headless Chromium driven by playwright-core, and the clean-up of
// all of it.
// Environment: OCR_MODEL_SERVER_BIN, OCR_GATEWAY_BIN, OCR_TESTDATA_DIR (required);
// OCR_ARTIFACTS_DIR (screenshots and server logs; default: a temp folder);
// OCR_CHROMIUM (default /usr/bin/chromium).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startGateway, startModelServer, stopServices } from '../support/services.mjs';

export {
  artifactsDir, imagePath, makeDocument, requireEnv, sleep, tmpDir,
} from '../support/services.mjs';

export const EXPECTED_TEXT = 'The quick brown dog jumped over the lazy fox';  // pyt-test.png
export const SECOND_PAGE_TEXT = 'Tesseract.js';  // the text of tjs-simple.png
const CHROMIUM = process.env.OCR_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

// Starts the model service and the gateway (with `gatewayArgs`), then
// Chromium on one page that records every URL it asks for and every console
// error. Returns { baseUrl, browser, page, requests, consoleErrors }.
export async function startStack({ gatewayArgs = [] } = {}) {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    throw new Error(`playwright-core is not installed: run 'npm ci' in tests/web (${err.message})`);
  }

  const modelUrl = await startModelServer();
  const baseUrl = await startGateway({ modelUrl, args: gatewayArgs });

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
    await stopServices();
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
