// Browser test of documents on the web page: a PDF is read as a job (POST
// /gateway/jobs) with the real gateway and model service on loopback, in
// Debian's headless Chromium. The progress bar reaches "3 of 3", the pages
// appear with their text, the downloads are the job's result in its output
// and its JSON; a 36-page job is cancelled from the keyboard and is gone
// (404) afterwards. The page stream is also read through a loopback proxy that
// hands the /pages answers over a few bytes at a time and keeps them open
// while the job runs (a streaming server on a slow network).
// Environment: see stack.mjs. Run: cd tests/web && npm ci && node --test jobs.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  EXPECTED_TEXT, SECOND_PAGE_TEXT, artifactsDir, foreignRequests, makeDocument, sleep, startStack,
  stopStack, unexpectedConsoleErrors,
} from './stack.mjs';

const collapse = (text) => text.replace(/\s+/g, ' ').trim();

// A proxy to the gateway on 127.0.0.1 that streams each GET .../pages: it asks
// the gateway again and again from its cursor and writes the records 7 bytes
// at a time, ending the answer only once the job has ended. Every other
// request is forwarded as it is.
function startStreamingProxy(gatewayUrl) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, gatewayUrl);
    const match = req.method === 'GET' && url.pathname.match(/^(\/gateway\/jobs\/[0-9a-z]+)\/pages$/);
    if (!match) {
      const upstream = http.request(new URL(req.url, gatewayUrl),
        { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    server.pageStreams += 1;
    let cursor = Number(url.searchParams.get('after') || 0);
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    for (let ended = false; !res.destroyed;) {
      const body = await (await fetch(`${gatewayUrl}${match[1]}/pages?after=${cursor}`)).text();
      for (const line of body.split('\n').filter(Boolean)) {
        cursor += 1;
        const bytes = Buffer.from(line + '\n');
        for (let at = 0; at < bytes.length; at += 7) {
          res.write(bytes.subarray(at, at + 7));
          await sleep(2);
        }
      }
      if (ended) break;
      const status = await (await fetch(`${gatewayUrl}${match[1]}?wait=5`)).json();
      ended = !['queued', 'running'].includes(status.status);
    }
    res.end();
  });
  server.pageStreams = 0;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('documents as jobs on the web page, in Chromium', { timeout: 170000 }, () => {
  let browser;
  let page;
  let baseUrl;
  let requests;
  let consoleErrors;
  let threePages;  // pyt-test.png, gos-001-helloworld.png, tjs-simple.png
  let longPdf;     // pyt-test.png 36 times

  before(async () => {
    threePages = makeDocument('three-pages.pdf', ['pyt-test.png', 'gos-001-helloworld.png', 'tjs-simple.png']);
    longPdf = makeDocument('thirty-six.pdf', Array(36).fill('pyt-test.png'));
    ({ baseUrl, browser, page, requests, consoleErrors } = await startStack());
  }, { timeout: 90000 });

  after(() => stopStack(browser));

  const nextJob = () => page.waitForResponse((r) => new URL(r.url()).pathname === '/gateway/jobs' &&
    r.request().method() === 'POST', { timeout: 60000 });

  // Every text the progress line shows and the live region announces, kept
  // by the page from now on.
  const recordProgress = () => page.evaluate(() => {
    window.seen = {};
    for (const id of ['job-progress-text', 'job-announce']) {
      const element = document.getElementById(id);
      window.seen[id] = [];
      new MutationObserver(() => window.seen[id].push(element.textContent))
        .observe(element, { childList: true, characterData: true, subtree: true });
    }
  });

  test('a 3-page PDF: progress to 3 of 3, each page\'s text, the result and its JSON to download', async () => {
    await page.goto(`${baseUrl}/`, { waitUntil: 'networkidle' });
    await recordProgress();
    const job = nextJob();
    await page.locator('#file-input').setInputFiles(threePages);
    const submitted = await job;
    assert.equal(submitted.status(), 202);
    const location = submitted.headers().location;
    assert.match(location, /^\/gateway\/jobs\/[0-9a-z]{26}$/);

    await page.waitForFunction(() => document.getElementById('job-progress-text').textContent === 'Page 3 of 3',
      null, { timeout: 60000 });
    await page.waitForFunction(() => !document.getElementById('recognize').disabled, null, { timeout: 30000 });
    const progress = page.locator('#job-progress');
    assert.equal(await progress.evaluate((p) => [p.value, p.max].join('/')), '3/3');
    assert.equal(await progress.getAttribute('aria-valuetext'), '3 of 3 pages read');
    assert.equal(await page.getByRole('progressbar', { name: 'Reading progress' }).count(), 1);
    assert.match(await page.locator('#job-eta').innerText(), /every page read/);
    assert.ok(await page.locator('#cancel-job').isHidden(), 'nothing to cancel once it ended');
    // Progress only went forward, from the upload to 3 of 3.
    const { seen } = await page.evaluate(() => ({ seen: window.seen }));
    const shown = seen['job-progress-text'].filter((t) => /^Page \d+ of 3/.test(t));
    const counts = shown.map((t) => Number(t.match(/^Page (\d+)/)[1]));
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b), `progress: ${shown}`);
    // Screen readers hear the progress from a polite live region, and the end
    // from the status line.
    const announce = page.locator('#job-announce');
    assert.equal(await announce.getAttribute('role'), 'status');
    assert.equal(await announce.getAttribute('aria-live'), 'polite');
    assert.ok(seen['job-announce'].some((t) => /^\d of 3 pages read/.test(t)), `announced: ${seen['job-announce']}`);
    assert.equal(await page.locator('#status').getAttribute('aria-live'), 'polite');
    assert.equal(await page.locator('#status').innerText(), 'Done');

    // The pages, in page order, each with the text the job's page stream has.
    const records = (await (await fetch(baseUrl + location + '/pages')).text())
      .split('\n').filter(Boolean).map((line) => JSON.parse(line));
    assert.equal(records.length, 3);
    const items = page.locator('#job-pages > li');
    assert.equal(await items.count(), 3);
    for (let i = 0; i < 3; ++i) {
      const item = items.nth(i);
      assert.equal(await item.getAttribute('data-page'), String(i + 1));
      assert.equal(await item.locator('h3').innerText(), `Page ${i + 1}`);
      const record = records.find((r) => r.page === i + 1);
      assert.equal(await item.locator('pre').innerText(), record.text.trim());
      assert.match(await item.locator('.page-meta').innerText(), /confidence \d+ · \d+ ms/);
    }
    assert.ok(collapse(await items.nth(0).innerText()).includes(EXPECTED_TEXT));
    assert.ok((await items.nth(2).innerText()).includes(SECOND_PAGE_TEXT));
    assert.equal(await items.nth(1).locator('pre').getAttribute('tabindex'), '0', 'scrollable from the keyboard');
    const text = collapse(await page.locator('#result').inputValue());
    assert.ok(text.includes(EXPECTED_TEXT) && text.includes(SECOND_PAGE_TEXT), text);
    assert.equal(await page.locator('#page-count').innerText(), '3');
    assert.ok(await page.locator('#error').isHidden());
    await page.screenshot({ path: path.join(artifactsDir, 'jobs-done.png'), fullPage: true });

    // The downloads: the result in the job's output (text), and its JSON.
    const expectedText = await (await fetch(baseUrl + location + '/result',
      { headers: { Accept: 'text/plain' } })).text();
    let download = page.waitForEvent('download', { timeout: 15000 });
    await page.locator('#download').click();
    let file = await download;
    assert.equal(file.suggestedFilename(), 'three-pages.txt');
    assert.equal(fs.readFileSync(await file.path(), 'utf8'), expectedText);
    assert.equal(expectedText.split('\f').length, 3, 'three pages apart by form feeds');

    const json = page.locator('#download-json');
    assert.ok(await json.isVisible(), 'a text job offers its JSON');
    download = page.waitForEvent('download', { timeout: 15000 });
    await json.focus();
    await page.keyboard.press('Enter');
    file = await download;
    assert.equal(file.suggestedFilename(), 'three-pages.json');
    const saved = JSON.parse(fs.readFileSync(await file.path(), 'utf8'));
    assert.deepEqual(saved.pages.map((p) => p.page), [1, 2, 3]);
    assert.deepEqual(saved, await (await fetch(baseUrl + location + '/result?output=json')).json());

    assert.equal(requests.filter((url) => url.includes('/gateway/ocr')).length, 0,
      'a document never goes to /gateway/ocr');
  });

  test('a 36-page job is cancelled from the keyboard, and is gone afterwards', async () => {
    const job = nextJob();
    await page.locator('#file-input').setInputFiles(longPdf);
    const location = (await job).headers().location;
    // Some pages read, not all: the bar moves, the time left shows.
    await page.waitForFunction(() => {
      const m = document.getElementById('job-progress-text').textContent.match(/^Page (\d+) of 36 read$/);
      return m && Number(m[1]) >= 2 && document.querySelectorAll('#job-pages > li').length >= 2;
    }, null, { timeout: 60000 });
    assert.match(await page.locator('#job-eta').innerText(), /left/);
    assert.ok(await page.locator('#job-pages > li').count() < 36);
    await page.screenshot({ path: path.join(artifactsDir, 'jobs-running.png'), fullPage: true });

    const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE', { timeout: 15000 });
    await page.locator('#cancel-job').focus();
    await page.keyboard.press('Enter');
    const answer = await deleted;
    assert.equal(answer.status(), 204);
    assert.equal(new URL(answer.url()).pathname, location);
    await page.waitForFunction(() => document.getElementById('status').textContent === 'Cancelled');
    const shown = await page.locator('#job-progress-text').innerText();
    assert.match(shown, /^Cancelled after \d+ of 36 pages$/);
    assert.ok(await page.locator('#recognize').isEnabled());
    assert.equal(await page.evaluate(() => document.activeElement.id), 'recognize', 'focus stays on the page');
    assert.ok(await page.locator('#download').isDisabled(), 'nothing to download');
    await page.screenshot({ path: path.join(artifactsDir, 'jobs-cancelled.png'), fullPage: true });

    for (const suffix of ['', '/pages', '/result']) {
      const gone = await fetch(baseUrl + location + suffix);
      assert.equal(gone.status, 404, suffix);
      assert.match((await gone.json()).detail, /no job/);
    }
    // The page stopped asking about it.
    const asked = requests.length;
    await sleep(1500);
    assert.deepEqual(requests.slice(asked).filter((url) => url.includes(location)), []);
  });

  test('pages streamed a few bytes at a time on one open answer each show once', async () => {
    const proxy = await startStreamingProxy(baseUrl);
    try {
      const proxied = `http://127.0.0.1:${proxy.address().port}`;
      await page.goto(`${proxied}/`, { waitUntil: 'networkidle' });
      await page.locator('#file-input').setInputFiles(threePages);
      await page.waitForFunction(() => document.querySelectorAll('#job-pages > li').length === 3 &&
        !document.getElementById('recognize').disabled, null, { timeout: 60000 });
      await sleep(500);
      const pages = await page.locator('#job-pages > li').evaluateAll((all) => all.map((li) => li.dataset.page));
      assert.deepEqual(pages, ['1', '2', '3']);
      assert.ok(collapse(await page.locator('#job-pages > li').first().innerText()).includes(EXPECTED_TEXT));
      // One answer held open while the job ran, then one more read once it had ended.
      assert.ok(proxy.pageStreams <= 3, `${proxy.pageStreams} page streams opened`);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  test('no request left 127.0.0.1, and no script error', () => {
    assert.deepEqual(foreignRequests(requests), []);
    assert.deepEqual(unexpectedConsoleErrors(consoleErrors), []);
  });
});
