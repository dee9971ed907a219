// The live gateway against its OpenAPI document: the real ocr-model-server
// (real Tesseract) and ocr-gateway on free ports of 127.0.0.1, with API keys
// and small upload limits, plus three gateways in front of fault "model
// services" (none listening, one that never answers, one that answers 500).
// Every documented operation is called so that it gives each documented
// status that can be made deterministically; every answer's status must be
// one openapi.json lists for the operation, its Content-Type one listed for
// that status, its body valid against the schema (contract.mjs). Every route
// the gateway's source registers must be documented, and every documented
// path must allow exactly its documented methods (405's Allow). At the end,
// every documented status must have been seen, but the few listed in
// NOT_PRODUCIBLE with the reason.
// Environment: OCR_MODEL_SERVER_BIN, OCR_GATEWAY_BIN, OCR_TESTDATA_DIR (CTest sets them).
// Run: cd tests/contract && npm ci && node --test live_gateway.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  imagePath, makeDocument, signalChild, sleep, startGateway, startModelServer, stopServices,
} from '../support/services.mjs';
import { Contract, METHODS, readDocument, validateDocument } from './contract.mjs';
import { closedPort, multipart, request, startFailingModel, startSilentModel } from './http.mjs';

const KEY = 'contract-test-key';
const AUTH = { 'X-API-Key': KEY };
const UNKNOWN_JOB = '0'.repeat(26);
// Documented statuses no test here makes, and why.
const NOT_PRODUCIBLE = {
  'POST /gateway/ocr 507': 'needs the job store\'s disk to be full',
  'POST /gateway/jobs 507': 'needs the job store\'s disk to be full',
  'POST /gateway/jobs 503': 'needs the job store to fail (an I/O error, a damaged database)',
};

const image = (name) => fs.readFileSync(imagePath(name));
const upload = (data, filename = 'page.png') => multipart([{ name: 'image_file', filename, data }]);

// Every (method, route template) the gateway's sources register: the
// router.Add and route(...) calls, and the GET routes of the web assets.
function registeredRoutes() {
  const root = fileURLToPath(new URL('../../src/gateway/', import.meta.url));
  const routes = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.cc')) {
        const text = fs.readFileSync(full, 'utf8');
        for (const m of text.matchAll(/(?:router\.Add|route)\(http::verb::(\w+),\s*"([^"]+)"/g)) {
          routes.push({ method: m[1].replace(/_$/, ''), path: m[2], file: entry.name });
        }
        if (/router\.Add\(http::verb::get, route,/.test(text)) {
          for (const m of text.matchAll(/std::pair\{"(\/[^"]*)",\s*"[^"]+"\}/g)) {
            routes.push({ method: 'get', path: m[1], file: entry.name });
          }
        }
      }
    }
  };
  walk(root);
  return routes;
}

// The events of a text/event-stream body: [{ event, id, data }] (one-line data).
const sseEvents = (text) => text.split('\n\n').filter((block) => block.trim()).map((block) => {
  const event = {};
  for (const line of block.split('\n')) {
    const m = /^(\w+): ?(.*)$/.exec(line);
    if (m) event[m[1]] = m[2];
  }
  return event;
});

describe('the live gateway keeps to openapi.json', { timeout: 240000 }, () => {
  let contract;
  let base;        // the gateway before the real model service
  let refused;     // ... before a port nothing listens on
  let silent;      // ... before a model that never answers (--timeout=1)
  let failing;     // ... before a model that answers 500
  let draining;    // ... before another silent model, to be stopped mid-request
  let drainModel;
  const faults = [];
  let longPdf;

  // `method` on `target` (path and query) of the gateway at `at`, checked
  // against the document; the answer with `body` parsed.
  const call = async (method, target, { at = base, headers = {}, body } = {}) => {
    const res = await request(method, at + target, { headers, body });
    const parsed = contract.check(method, new URL(target, at).pathname, res);
    return { ...res, body: parsed };
  };
  const post = (target, { data, filename, headers = AUTH, at } = {}) => {
    const form = upload(data, filename);
    return call('POST', target, { at, body: form.body, headers: { ...headers, 'Content-Type': form.contentType } });
  };
  // Polls a job until it has ended; its final status.
  const ended = async (location) => {
    for (;;) {
      const { status, body } = await call('GET', `${location}?wait=30`, { headers: AUTH });
      assert.equal(status, 200);
      if (!['queued', 'running'].includes(body.status)) return body;
    }
  };

  before(async () => {
    const { valid, errors, resolved } = await validateDocument(readDocument());
    assert.ok(valid, `openapi.json is not valid: ${JSON.stringify(errors)}`);
    contract = new Contract(resolved);
    longPdf = fs.readFileSync(makeDocument('long.pdf', Array(36).fill('pyt-test.png')));
    const modelUrl = await startModelServer();
    base = await startGateway({
      modelUrl, args: [`--api-keys=${KEY}`, '--max-upload-bytes=256k', '--max-job-bytes=640k'],
    });
    const silentModel = await startSilentModel();
    const failingModel = await startFailingModel();
    drainModel = await startSilentModel();
    faults.push(silentModel, failingModel, drainModel);
    refused = await startGateway({
      name: 'gateway-refused', modelUrl: `http://127.0.0.1:${await closedPort()}`, args: ['--retries=0'],
    });
    silent = await startGateway({
      name: 'gateway-silent', modelUrl: `http://127.0.0.1:${silentModel.address().port}`,
      args: ['--retries=0', '--timeout=1'],
    });
    draining = await startGateway({
      name: 'gateway-draining', modelUrl: `http://127.0.0.1:${drainModel.address().port}`,
      args: ['--retries=0', '--timeout=60', '--shutdown-grace=60'],
    });
    failing = await startGateway({
      name: 'gateway-failing', modelUrl: `http://127.0.0.1:${failingModel.address().port}`, args: ['--retries=0'],
    });
  }, { timeout: 90000 });

  after(async () => {
    await stopServices();
    for (const server of faults) await server.stop();
  });

  test('serves openapi.json as it is in the source tree', async () => {
    const { status, body } = await call('GET', '/openapi.json');
    assert.equal(status, 200);
    assert.deepEqual(body, readDocument(), 'the served document is not src/gateway/web/openapi.json (rebuild?)');
  });

  test('the page, its script, the docs and the probes', async () => {
    for (const target of ['/', '/docs', '/jobs.js', '/healthz', '/readyz', '/metrics']) {
      assert.equal((await call('GET', target)).status, 200, target);
    }
    assert.match((await call('GET', '/metrics')).body, /^# (HELP|TYPE) /m);
  });

  test('X-Request-ID: echoed when the documented schema takes it, replaced otherwise', async () => {
    const parameter = contract.document.paths['/healthz'].get.parameters.find((p) => p.name === 'X-Request-ID');
    const documented = contract.compile(parameter.schema);
    for (const id of ['contract-1.a:b_C', 'x'.repeat(128), 'x'.repeat(129), 'has space', 'a/b', '']) {
      const res = await call('GET', '/healthz', { headers: { 'X-Request-ID': id } });
      assert.equal(res.headers['x-request-id'] === id, documented(id), `X-Request-ID '${id}'`);
    }
  });

  test('POST /gateway/ocr answers in every output, and as a job', async () => {
    const png = image('pyt-test.png');
    const v2 = await post('/gateway/ocr', { data: png });
    assert.equal(v2.status, 200);
    assert.match(v2.body.outputs[0].data[0], /quick brown dog/);
    const text = await post('/gateway/ocr', { data: png, headers: { ...AUTH, Accept: 'text/plain' } });
    assert.equal(text.status, 200);
    assert.match(text.body, /quick brown dog/);
    for (const output of ['json', 'hocr', 'alto', 'tsv', 'pdf']) {
      const res = await post(`/gateway/ocr?output=${output}`, { data: png });
      assert.equal(res.status, 200, output);
    }
    const async = await post('/gateway/ocr', { data: png, headers: { ...AUTH, Prefer: 'respond-async' } });
    assert.equal(async.status, 202);
    await ended(async.headers.location);
  });

  test('POST /gateway/ocr refuses bad requests with the documented statuses', async () => {
    const png = image('pyt-test.png');
    assert.equal((await post('/gateway/ocr?output=docx', { data: png })).status, 400);
    assert.equal((await post('/gateway/ocr?psm=99', { data: png })).status, 400);
    assert.equal((await post('/gateway/ocr?lang=xx_not_installed', { data: png })).status, 400);
    assert.equal((await post('/gateway/ocr', { data: Buffer.alloc(0) })).status, 400);
    assert.equal((await post('/gateway/ocr', { data: png, headers: {} })).status, 401);
    assert.equal((await post('/gateway/ocr', { data: png, headers: { 'X-API-Key': 'wrong' } })).status, 401);
    assert.equal((await post('/gateway/ocr', { data: image('pyt-test.bmp') })).status, 413);
    assert.equal((await post('/gateway/ocr', { data: Buffer.from('just some text\n'), filename: 'a.png' })).status, 415);
    const noField = multipart([{ name: 'file', filename: 'page.png', data: png }]);
    const missing = await call('POST', '/gateway/ocr', {
      body: noField.body, headers: { ...AUTH, 'Content-Type': noField.contentType },
    });
    assert.equal(missing.status, 422);
    const notForm = await call('POST', '/gateway/ocr', {
      body: '{}', headers: { ...AUTH, 'Content-Type': 'application/json' },
    });
    assert.equal(notForm.status, 422);
  });

  test('POST /gateway/ocr takes every documented option value and refuses the others', async () => {
    const png = image('tjs-simple.png');
    const options = contract.document.paths['/gateway/ocr'].post.parameters
      .filter((p) => p.in === 'query' && (p.schema.enum || p.schema.minimum !== undefined));
    assert.ok(options.length >= 6, `only ${options.map((p) => p.name)}`);
    for (const { name, schema } of options) {
      const good = schema.enum || [schema.minimum, schema.maximum];
      for (const value of good) {
        const res = await post(`/gateway/ocr?${name}=${value}`, { data: png });
        assert.equal(res.status, 200, `${name}=${value} is documented but refused: ${JSON.stringify(res.body)}`);
      }
      const bad = schema.type === 'integer'
        ? [schema.minimum - 1, schema.maximum + 1,
          ...Array.from({ length: schema.maximum - schema.minimum + 1 }, (_, i) => schema.minimum + i)
            .filter((v) => schema.enum && !schema.enum.includes(v))]
        : ['bogus'];
      for (const value of bad) {
        const res = await post(`/gateway/ocr?${name}=${value}`, { data: png });
        assert.equal(res.status, 400, `${name}=${value} is not documented but taken`);
      }
    }
  });

  test('a failing, missing or silent model service: 502, 503 and 504', async () => {
    const png = image('pyt-test.png');
    assert.equal((await post('/gateway/ocr', { at: failing, data: png, headers: {} })).status, 502);
    const unavailable = await post('/gateway/ocr', { at: refused, data: png, headers: {} });
    assert.equal(unavailable.status, 503);
    assert.ok(unavailable.headers['retry-after'], '503 without Retry-After');
    assert.equal((await call('GET', '/gateway/languages', { at: refused })).status, 503);
    assert.equal((await post('/gateway/ocr', { at: silent, data: png, headers: {} })).status, 504);
    assert.equal((await call('GET', '/gateway/languages', { at: silent })).status, 504);
  });

  test('GET /readyz while the gateway drains after SIGTERM: 503', async () => {
    // A request in flight (the model never answers) keeps the draining
    // gateway taking connections; its readiness probe fails meanwhile.
    const inFlight = post('/gateway/ocr', { at: draining, data: image('pyt-test.png'), headers: {} });
    while (drainModel.connectionCount() === 0) await sleep(10);
    signalChild('gateway-draining');
    let probe;
    for (let i = 0; i < 100; i++) {
      try {
        probe = await call('GET', '/readyz', { at: draining });
        if (probe.status !== 200) break;
      } catch (err) {
        // A connection taken just as the drain began is closed unanswered.
        if (err.code !== 'ECONNRESET') throw err;
      }
      await sleep(20);
    }
    assert.equal(probe.status, 503);
    assert.equal(probe.body.status, 'shutting down');
    drainModel.dropConnections();
    assert.ok([502, 503].includes((await inFlight).status));
  });

  test('GET /gateway/languages', async () => {
    const { status, body } = await call('GET', '/gateway/languages', { headers: AUTH });
    assert.equal(status, 200);
    assert.ok(body.languages.includes('eng'));
    assert.equal((await call('GET', '/gateway/languages')).status, 401);
  });

  test('a job from submission to deletion, with an Idempotency-Key', async () => {
    const png = image('pyt-test.png');
    const key = { ...AUTH, 'Idempotency-Key': '"contract-1"' };
    const created = await post('/gateway/jobs', { data: png, headers: key });
    assert.equal(created.status, 202);
    const job = created.headers.location;
    assert.equal(job, `/gateway/jobs/${created.body.id}`);
    const replayed = await post('/gateway/jobs', { data: png, headers: key });
    assert.equal(replayed.status, 202);
    assert.equal(replayed.headers['idempotent-replayed'], 'true');
    assert.equal((await post('/gateway/jobs', { data: image('tjs-simple.png'), headers: key })).status, 422);

    assert.equal((await ended(job)).status, 'succeeded');
    const pages = await call('GET', `${job}/pages`, { headers: AUTH });
    assert.equal(pages.status, 200);
    assert.equal(pages.body.length, 1);
    const events = await call('GET', `${job}/pages`, { headers: { ...AUTH, Accept: 'text/event-stream' } });
    assert.equal(events.status, 200);
    const sse = sseEvents(events.body);
    assert.deepEqual(sse.filter((e) => e.event === 'page').map((e) => JSON.parse(e.data)), pages.body);
    assert.deepEqual(sse.slice(-1).map((e) => e.event), ['end']);
    const jobStatus = contract.compile(contract.document.components.schemas.JobStatus);
    assert.ok(jobStatus(JSON.parse(sse.at(-1).data)), `event: end: ${JSON.stringify(jobStatus.errors)}`);
    assert.equal((await call('GET', `${job}/result`, { headers: AUTH })).status, 200);
    assert.equal((await call('GET', `${job}/result`, { headers: { ...AUTH, Accept: 'text/plain' } })).status, 200);
    assert.equal((await call('GET', `${job}/result?output=json`, { headers: AUTH })).status, 200);
    assert.equal((await call('GET', `${job}/result?output=hocr`, { headers: AUTH })).status, 400);

    assert.equal((await call('DELETE', job, { headers: AUTH })).status, 204);
    for (const suffix of ['', '/pages', '/result']) {
      assert.equal((await call('GET', job + suffix, { headers: AUTH })).status, 404, suffix);
    }
    assert.equal((await call('DELETE', job, { headers: AUTH })).status, 404);
  });

  test('the jobs API refuses bad requests with the documented statuses', async () => {
    const png = image('pyt-test.png');
    assert.equal((await post('/gateway/jobs?output=docx', { data: png })).status, 400);
    assert.equal((await post('/gateway/jobs', { data: png, headers: { ...AUTH, 'Idempotency-Key': '"open' } })).status, 400);
    assert.equal((await post('/gateway/jobs?callback_url=http://127.0.0.1:9/hook', { data: png })).status, 400);
    assert.equal((await post('/gateway/jobs', { data: png, headers: {} })).status, 401);
    assert.equal((await post('/gateway/jobs', { data: image('pyt-test.bmp') })).status, 413);
    assert.equal((await post('/gateway/jobs', { data: Buffer.from('%!PS-Adobe-3.0\n') })).status, 415);
    const noField = multipart([{ name: 'file', filename: 'page.png', data: png }]);
    assert.equal((await call('POST', '/gateway/jobs', {
      body: noField.body, headers: { ...AUTH, 'Content-Type': noField.contentType },
    })).status, 422);

    const job = `/gateway/jobs/${UNKNOWN_JOB}`;
    for (const [method, target] of [['GET', job], ['DELETE', job], ['GET', `${job}/result`], ['GET', `${job}/pages`]]) {
      assert.equal((await call(method, target)).status, 401, `${method} ${target}`);
      assert.equal((await call(method, target, { headers: AUTH })).status, 404, `${method} ${target}`);
    }
    assert.equal((await call('GET', `${job}?wait=soon`, { headers: AUTH })).status, 400);
    assert.equal((await call('GET', `${job}/pages?after=-1`, { headers: AUTH })).status, 400);
  });

  test('a result asked for too early, or of a job with no page read: 409', async () => {
    const running = await post('/gateway/jobs', { data: longPdf, filename: 'long.pdf' });
    assert.equal(running.status, 202);
    const early = await call('GET', `${running.headers.location}/result`, { headers: AUTH });
    assert.equal(early.status, 409);
    assert.equal((await call('DELETE', running.headers.location, { headers: AUTH })).status, 204);

    const failed = await post('/gateway/jobs?lang=xx_not_installed', { data: image('pyt-test.png') });
    assert.equal(failed.status, 202);
    assert.equal((await ended(failed.headers.location)).status, 'failed');
    assert.equal((await call('GET', `${failed.headers.location}/result`, { headers: AUTH })).status, 409);
  });

  test('every route the gateway registers is documented, with exactly its methods', async () => {
    const document = contract.document;
    const routes = registeredRoutes();
    for (const known of ['post /gateway/ocr', 'delete /gateway/jobs/{id}', 'get /openapi.json', 'get /']) {
      assert.ok(routes.some((r) => `${r.method} ${r.path}` === known), `route scan found no ${known}: fix registeredRoutes()`);
    }
    const concrete = (template) => template.replace(/\{[^}]+\}/g, UNKNOWN_JOB);
    for (const { method, path: template, file } of routes) {
      assert.ok(document.paths[template] && document.paths[template][method],
        `${file} registers ${method.toUpperCase()} ${template}, which openapi.json does not document`);
      // The route is live (the router knows it), and its answer is documented.
      const res = await call(method.toUpperCase(), concrete(template), { headers: AUTH });
      assert.ok(res.status !== 405, `${method.toUpperCase()} ${template}: 405`);
    }
    for (const [template, item] of Object.entries(document.paths)) {
      const documented = METHODS.filter((m) => item[m]).map((m) => m.toUpperCase()).sort();
      const res = await request('PATCH', base + concrete(template), { headers: AUTH });
      assert.equal(res.status, 405, `PATCH ${template}`);
      const allowed = res.headers.allow.split(',').map((m) => m.trim()).sort();
      assert.deepEqual(allowed, documented, `${template}: the gateway allows ${allowed}, openapi.json documents ${documented}`);
    }
  });

  test('every documented status was given', async () => {
    const missing = contract.unexercised().filter((key) => !(key in NOT_PRODUCIBLE));
    assert.deepEqual(missing, [], 'documented statuses no test made: make them, or list them in NOT_PRODUCIBLE');
    const made = Object.keys(NOT_PRODUCIBLE).filter((key) => contract.seen.has(key));
    assert.deepEqual(made, [], 'NOT_PRODUCIBLE lists statuses a test made');
  });
});
