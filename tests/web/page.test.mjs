// Browser test of the gateway's web page: the real ocr-model-server and
// ocr-gateway run as child processes on free ports, and Debian's headless
// Chromium (driven by playwright-core) uses the page as a person would.
// Images take the synchronous path (POST /gateway/ocr); PDFs and TIFFs are
// read as jobs (jobs.test.mjs follows one in detail).
//
// Multi-page files are made here from the test images with ImageMagick's
// `convert` (a 2-page TIFF) and `img2pdf` (a 2-page image PDF).
// Environment: see stack.mjs.
// Run: cd tests/web && npm ci && node --test page.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  EXPECTED_TEXT, SECOND_PAGE_TEXT, artifactsDir, foreignRequests, imagePath, isJobResult, makeDocument,
  startStack, stopStack, tmpDir, unexpectedConsoleErrors,
} from './stack.mjs';

describe('gateway web page in Chromium', { timeout: 170000 }, () => {
  let browser;
  let page;
  let baseUrl;
  let multiTiff;            // pyt-test.png then tjs-simple.png, as one TIFF
  let twoPagePdf;           // the same two images, as one PDF
  let requests;             // every URL the browser asked for
  let consoleErrors;        // console errors and uncaught page errors

  before(async () => {
    multiTiff = makeDocument('two-pages.tif', ['pyt-test.png', 'tjs-simple.png']);
    twoPagePdf = makeDocument('two-pages.pdf', ['pyt-test.png', 'tjs-simple.png']);
    ({ baseUrl, browser, page, requests, consoleErrors } = await startStack());
  }, { timeout: 90000 });

  after(() => stopStack(browser));

  test('the page loads offline with no console error', async () => {
    const languages = page.waitForResponse((r) => r.url().endsWith('/gateway/languages'));
    const response = await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'] || '', /^text\/html/);
    assert.equal((await languages).status(), 200);
    await page.waitForLoadState('networkidle');

    assert.match(await page.title(), /OCR/);
    for (const id of ['file-input', 'drop-zone', 'lang', 'psm', 'output', 'pages', 'recognize', 'show-boxes',
      'result', 'copy', 'download', 'elapsed', 'error']) {
      assert.equal(await page.locator(`#${id}`).count(), 1, `#${id} is missing`);
    }
    const langs = await page.locator('#lang option').evaluateAll((options) => options.map((o) => o.value));
    assert.ok(langs.includes('eng'), `languages offered: ${langs}`);
    assert.equal(await page.locator('#psm').inputValue(), '3');
    const accept = (await page.locator('#file-input').getAttribute('accept')).split(',');
    for (const type of ['image/*', 'application/pdf', '.pdf', '.tif', '.tiff']) {
      assert.ok(accept.includes(type), `the file picker accepts ${type}: ${accept}`);
    }
    const outputs = await page.locator('#output option').evaluateAll((options) => options.map((o) => o.value));
    assert.deepEqual(outputs, ['text', 'hocr', 'alto', 'tsv', 'json', 'pdf']);
    assert.equal(await page.locator('#output').inputValue(), 'text');
    // Every control has a label a screen reader announces.
    for (const [label, id] of [['Language', 'lang'], ['Page mode', 'psm'], ['Output', 'output'], ['Pages', 'pages']]) {
      // (A select's name also holds its chosen option.)
      assert.equal(await page.getByLabel(new RegExp(`^${label}\\b`)).getAttribute('id'), id, `label ${label}`);
    }
    assert.equal(await page.locator('#show-boxes').getAttribute('aria-pressed'), 'false');
    assert.ok(await page.locator('#error').isHidden(), 'no error shown on load');
    assert.ok(await page.locator('#boxes-card').isHidden(), 'no word boxes on load');

    assert.deepEqual(consoleErrors, [], 'console errors on load');
    assert.deepEqual(foreignRequests(requests), [], 'requests that left 127.0.0.1');
  });

  test('an uploaded image shows its text and the elapsed time', async () => {
    const png = imagePath('pyt-test.png');
    const ocr = page.waitForResponse((r) => r.url().includes('/gateway/ocr'), { timeout: 60000 });
    await page.locator('#file-input').setInputFiles(png);
    const response = await ocr;
    assert.equal(response.status(), 200);
    const url = new URL(response.url());
    assert.equal(url.searchParams.get('lang'), 'eng');
    assert.equal(url.searchParams.get('psm'), '3');
    assert.ok(response.headers()['x-request-id'], 'X-Request-ID header');

    // Tesseract breaks lines where the image does: compare with spaces collapsed.
    await page.waitForFunction((expected) => {
      const box = document.getElementById('result');
      const text = ('value' in box ? box.value : box.textContent).replace(/\s+/g, ' ');
      return text.includes(expected);
    }, EXPECTED_TEXT, { timeout: 60000 });
    await page.waitForFunction(() => !document.getElementById('recognize').disabled);
    assert.match(await page.locator('#elapsed').innerText(), /\d+\s*ms/);
    assert.ok(await page.locator('#error').isHidden(), 'no error after a good image');
    assert.ok(await page.locator('#copy').isEnabled(), 'Copy is enabled');
    await page.screenshot({ path: path.join(artifactsDir, 'page-result.png'), fullPage: true });
  });

  test('a file that is not an image shows a 415 error', async () => {
    const notImage = path.join(tmpDir, 'notes.txt');
    fs.writeFileSync(notImage, 'This is plain text, not an image.\n');
    const ocr = page.waitForResponse((r) => r.url().includes('/gateway/ocr'), { timeout: 60000 });
    await page.locator('#file-input').setInputFiles(notImage);
    assert.equal((await ocr).status(), 415);

    const error = page.locator('#error');
    await error.waitFor({ state: 'visible', timeout: 30000 });
    assert.equal(await error.getAttribute('role'), 'alert');
    const message = await error.innerText();
    assert.match(message, /415/);
    assert.ok(message.replace(/\D*415\D*?:/, '').trim().length > 3, `error has a message: ${message}`);
    await page.screenshot({ path: path.join(artifactsDir, 'page-error.png'), fullPage: true });
  });

  // Resolves with the next /gateway/ocr answer whose output is `output`.
  function nextOcr(output = 'text') {
    return page.waitForResponse((r) => r.url().includes('/gateway/ocr') &&
      (new URL(r.url()).searchParams.get('output') || 'text') === output, { timeout: 60000 });
  }

  // A document is a job: the next POST /gateway/jobs answer, and the next
  // result of a job in `output`.
  const nextJob = () => page.waitForResponse((r) => new URL(r.url()).pathname === '/gateway/jobs' &&
    r.request().method() === 'POST', { timeout: 60000 });
  const nextResult = (output = 'text') => page.waitForResponse((r) => isJobResult(r.url(), output),
    { timeout: 60000 });
  const ocrRequests = () => requests.filter((url) => url.includes('/gateway/ocr')).length;

  // Waits until the text area holds every one of `needles` (spaces collapsed).
  async function waitForText(needles) {
    await page.waitForFunction((wanted) => {
      const text = document.getElementById('result').value.replace(/\s+/g, ' ');
      return wanted.every((needle) => text.includes(needle));
    }, needles, { timeout: 60000 });
    await page.waitForFunction(() => !document.getElementById('recognize').disabled);
  }

  // The words of a JSON answer, page by page.
  const wordsOf = (json) => json.pages.map((p) => p.blocks.flatMap((b) => b.lines.flatMap((l) => l.words)));

  async function setWordBoxes(on) {
    const button = page.locator('#show-boxes');
    if ((await button.getAttribute('aria-pressed') === 'true') !== on) await button.click();
    assert.equal(await button.getAttribute('aria-pressed'), String(on));
  }

  test('a 2-page TIFF is read as a job and shows the text of both pages', async () => {
    const before = ocrRequests();
    const job = nextJob();
    const result = nextResult();
    await page.locator('#file-input').setInputFiles(multiTiff);
    const submitted = await job;
    assert.equal(submitted.status(), 202);
    assert.equal(new URL(submitted.url()).searchParams.get('pages'), null, 'no pages asked: all of them');
    assert.equal((await result).status(), 200);
    assert.equal(ocrRequests(), before, 'a document is not sent to /gateway/ocr');
    await waitForText([EXPECTED_TEXT, SECOND_PAGE_TEXT]);
    const text = await page.locator('#result').inputValue();
    assert.ok(text.indexOf(SECOND_PAGE_TEXT) > text.indexOf('lazy fox'), `page 2 after page 1: ${text}`);
    assert.equal(await page.locator('#page-count').innerText(), '2');
    assert.ok(await page.locator('#error').isHidden());
    // Chromium shows no TIFF: the name and a document icon instead of a preview.
    assert.ok(await page.locator('#preview').isHidden(), 'no broken preview');
    assert.ok(await page.locator('#doc-icon').isVisible(), 'the document icon');
    assert.match(await page.locator('#file-info').innerText(), /two-pages\.tif/);
  });

  test('hOCR, ALTO, TSV, JSON and PDF are shown as documents and download with their extension', async () => {
    const formats = [
      ['hocr', /^text\/html/, '.hocr', (body) => (body.match(/class='ocr_page'/g) || []).length === 2],
      ['alto', /^application\/xml/, '.xml', (body) => body.includes('<alto')],
      ['tsv', /^text\/tab-separated-values/, '.tsv', (body) => body.startsWith('level\t')],
      ['json', /^application\/json/, '.json', (body) => JSON.parse(body).pages.length === 2],
    ];
    for (const [output, type, ext, holds] of formats) {
      const ocr = nextResult(output);
      await page.locator('#output').selectOption(output);  // re-runs the 2-page TIFF
      const response = await ocr;
      assert.equal(response.status(), 200, output);
      assert.match(response.headers()['content-type'] || '', type, output);
      const documentView = page.locator('#document');
      await page.waitForFunction(() => !document.getElementById('download').disabled);
      assert.ok(await documentView.isVisible(), `${output} shown as preformatted text`);
      assert.ok(await page.locator('#result').isHidden(), `${output}: the text area makes way`);
      const shown = await documentView.textContent();
      if (output === 'hocr') assert.ok(shown.includes('ocr_page'), 'the hOCR holds ocr_page');
      assert.ok(shown.length > 100, `${output} shown: ${shown.slice(0, 80)}`);

      const download = page.waitForEvent('download', { timeout: 15000 });
      await page.locator('#download').click();
      const file = await download;
      assert.equal(file.suggestedFilename(), 'two-pages' + ext);
      const saved = fs.readFileSync(await file.path(), 'utf8');
      assert.equal(saved, await response.text(), `${output}: the download is the gateway's document`);
      assert.ok(holds(saved), `${output} content: ${saved.slice(0, 120)}`);
    }
    await page.screenshot({ path: path.join(artifactsDir, 'page-hocr.png'), fullPage: true });

    // A searchable PDF: bytes, not text; the download is the gateway's PDF.
    const pdfAnswer = nextResult('pdf');
    await page.locator('#output').selectOption('pdf');
    const pdfResponse = await pdfAnswer;
    assert.equal(pdfResponse.status(), 200);
    assert.match(pdfResponse.headers()['content-type'] || '', /^application\/pdf/);
    await page.waitForFunction(() => !document.getElementById('download').disabled);
    assert.match(await page.locator('#document').textContent(), /searchable PDF of/);
    assert.ok(await page.locator('#copy').isDisabled(), 'no text to copy');
    const pdfDownload = page.waitForEvent('download', { timeout: 15000 });
    await page.locator('#download').click();
    const pdfFile = await pdfDownload;
    assert.equal(pdfFile.suggestedFilename(), 'two-pages.pdf');
    // (Byte equality cannot hold: each answer has its own creation date.)
    const pdfBytes = fs.readFileSync(await pdfFile.path());
    assert.equal(String(pdfBytes.length), pdfResponse.headers()['content-length'], 'the download is the gateway\'s PDF');
    const pdfText = pdfBytes.toString('latin1');
    assert.ok(pdfText.startsWith('%PDF-') && pdfText.trimEnd().endsWith('%%EOF'), 'a whole PDF');
    const pagesDicts = pdfText.match(/<<[^<>]*\/Type\s*\/Pages\b[^<>]*>>/g) || [];
    assert.ok(pagesDicts.some((d) => /\/Count 2\b/.test(d)), `both pages of the TIFF: ${pagesDicts}`);

    const ocr = nextResult('text');
    await page.locator('#output').selectOption('text');
    await ocr;
    await waitForText([EXPECTED_TEXT, SECOND_PAGE_TEXT]);
    assert.ok(await page.locator('#document').isHidden());
    const download = page.waitForEvent('download', { timeout: 15000 });
    await page.locator('#download').click();
    assert.equal((await download).suggestedFilename(), 'two-pages.txt');
  });

  test('a PDF shows its text', async () => {
    const ocr = nextResult();
    await page.locator('#file-input').setInputFiles(imagePath('pyt-test.pdf'));
    assert.equal((await ocr).status(), 200);
    await waitForText([EXPECTED_TEXT]);
    assert.ok(await page.locator('#error').isHidden());
    assert.ok(await page.locator('#doc-icon').isVisible(), 'a PDF gets the document icon');
    assert.equal(await page.locator('#page-count').innerText(), '1');
  });

  test('the pages field picks a page of an image PDF', async () => {
    await page.locator('#pages').fill('2');
    const ocr = nextJob();
    await page.locator('#file-input').setInputFiles(twoPagePdf);
    const response = await ocr;
    assert.equal(response.status(), 202);
    assert.equal(new URL(response.url()).searchParams.get('pages'), '2');
    await waitForText([SECOND_PAGE_TEXT]);
    assert.ok(!(await page.locator('#result').inputValue()).includes('lazy fox'), 'page 1 left out');
    await page.locator('#pages').fill('');
  });

  test('word boxes over the image: one per word, where the JSON puts it', async () => {
    // A narrow window: the image is shown smaller than its 640 pixels.
    await page.setViewportSize({ width: 600, height: 860 });
    await page.locator('#file-input').setInputFiles(imagePath('pyt-test.png'));
    await waitForText([EXPECTED_TEXT]);

    const json = nextOcr('json');
    await setWordBoxes(true);
    const response = await json;
    assert.equal(response.status(), 200);
    const answer = await response.json();
    const words = wordsOf(answer).flat();
    assert.ok(words.length > 20, `words in the JSON: ${words.length}`);

    const boxes = page.locator('#pages-view .box');
    await page.waitForFunction((n) => document.querySelectorAll('#pages-view .box').length === n,
      words.length, { timeout: 15000 });
    assert.equal(await page.locator('#pages-view .sheet').count(), 1);
    const image = page.locator('#pages-view .sheet img');
    assert.equal(await image.count(), 1, 'the boxes are drawn over the image');
    await image.evaluate((img) => img.decode());

    // Both rectangles in one frame: the page may still be scrolling to the boxes.
    const { shown, first } = await image.evaluate((img) => {
      const r = img.getBoundingClientRect();
      const b = document.querySelector('#pages-view .box').getBoundingClientRect();
      return {
        shown: { x: r.x, y: r.y, width: r.width, height: r.height, natural: img.naturalWidth },
        first: { x: b.x, y: b.y, width: b.width, height: b.height },
      };
    });
    assert.equal(shown.natural, answer.pages[0].width);
    assert.ok(shown.width < answer.pages[0].width - 50, `the image is scaled down: ${shown.width} px`);
    const scale = shown.width / answer.pages[0].width;
    const [x0, y0, x1, y1] = words[0].bbox;
    const near = (actual, expected, what) =>
      assert.ok(Math.abs(actual - expected) <= 2, `${what}: ${actual} drawn, ${expected} expected`);
    near(first.x, shown.x + x0 * scale, 'left');
    near(first.y, shown.y + y0 * (shown.height / answer.pages[0].height), 'top');
    near(first.width, (x1 - x0) * scale, 'width');
    near(first.height, (y1 - y0) * (shown.height / answer.pages[0].height), 'height');

    // Low confidence words, and only they, look different.
    const low = await boxes.evaluateAll((all) => all.map((b) => b.classList.contains('low')));
    assert.deepEqual(low, words.map((w) => w.conf < 60));

    // The word and its confidence on hover, and from the keyboard.
    assert.equal(await boxes.first().getAttribute('title'), `${words[0].text} (confidence ${Math.round(words[0].conf)})`);
    await boxes.nth(1).hover();
    const info = page.locator('#word-info');
    assert.ok((await info.innerText()).includes(
      `word 2 of ${words.length}: “${words[1].text}”, confidence ${Math.round(words[1].conf)}`), await info.innerText());
    await page.locator('#pages-view .sheet').focus();
    await page.keyboard.press('End');
    assert.ok((await info.innerText()).includes(`“${words.at(-1).text}”`), await info.innerText());
    await page.keyboard.press('ArrowLeft');
    assert.ok((await info.innerText()).includes(`word ${words.length - 1} of`), await info.innerText());
    await page.screenshot({ path: path.join(artifactsDir, 'page-boxes.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('word boxes of a 2-page TIFF: two white pages of their sizes with the words', async () => {
    // The boxes are on: a new file brings its text, then its boxes (the
    // text job's result in output=json).
    const json = nextResult('json');
    await page.locator('#file-input').setInputFiles(multiTiff);
    const answer = await (await json).json();
    assert.equal(answer.pages.length, 2);
    await page.waitForFunction(() => document.querySelectorAll('#pages-view .sheet').length === 2, null,
      { timeout: 15000 });
    const perPage = wordsOf(answer);
    for (const [i, sheet] of (await page.locator('#pages-view .sheet').all()).entries()) {
      const { width, height } = answer.pages[i];
      assert.equal(await sheet.getAttribute('data-page'), String(i + 1));
      assert.match(await sheet.getAttribute('class'), /\bblank\b/, 'a white page, not an image');
      assert.equal(await sheet.locator('img').count(), 0);
      const size = await sheet.boundingBox();
      assert.ok(Math.abs(size.width / size.height - width / height) < 0.02,
        `page ${i + 1}: ${size.width}×${size.height} drawn for ${width}×${height}`);
      const texts = await sheet.locator('.box').evaluateAll((all) => all.map((b) => b.textContent));
      assert.deepEqual(texts, perPage[i].map((w) => w.text), `page ${i + 1}: the words inside their boxes`);
    }
    await waitForText([EXPECTED_TEXT, SECOND_PAGE_TEXT]);
    await page.screenshot({ path: path.join(artifactsDir, 'page-boxes-tiff.png'), fullPage: true });
  });

  test('a bad pages value shows why the job failed', async () => {
    for (const pages of ['abc', '9']) {
      await page.locator('#pages').fill(pages);
      const job = nextJob();
      await page.locator('#pages').press('Enter');
      const response = await job;
      assert.equal(response.status(), 202, `pages=${pages}`);
      assert.equal(new URL(response.url()).searchParams.get('pages'), pages);
      const error = page.locator('#error');
      await error.waitFor({ state: 'visible', timeout: 30000 });
      const message = await error.innerText();
      // The job's own account of it, as GET /gateway/jobs/{id} gives it.
      const status = await (await fetch(baseUrl + response.headers().location)).json();
      assert.equal(status.status, 'failed');
      const { detail } = status;
      assert.equal(typeof detail, 'string');
      assert.match(message, /failed/);
      assert.ok(message.includes(detail), `the detail "${detail}" is shown: ${message}`);
      if (pages === 'abc') assert.match(detail, /page list/);
      if (pages === '9') assert.match(detail, /2 pages/, 'names the page count');
      assert.ok(await page.locator('#download').isDisabled(), 'nothing to download after an error');
      assert.equal(await page.locator('#result').inputValue(), '');
      assert.match(await page.locator('#word-info').innerText(), /failed/);
    }
    await page.screenshot({ path: path.join(artifactsDir, 'page-pages-error.png'), fullPage: true });

    // Back to all pages: the error goes, and the boxes come back from the
    // JSON the page already has for these options.
    await page.locator('#pages').fill('');
    const ocr = nextResult('text');
    await page.locator('#pages').press('Enter');
    assert.equal((await ocr).status(), 200);
    await page.waitForFunction(() => document.querySelectorAll('#pages-view .sheet').length === 2);
    await waitForText([EXPECTED_TEXT, SECOND_PAGE_TEXT]);
    assert.ok(await page.locator('#error').isHidden());
    await setWordBoxes(false);
    assert.ok(await page.locator('#boxes-card').isHidden());
  });

  test('/docs renders the API description', async () => {
    const response = await page.goto(`${baseUrl}/docs`, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    const card = page.locator('[data-path="/gateway/ocr"][data-method="post"]');
    await card.waitFor({ state: 'visible', timeout: 15000 });
    const text = await card.innerText();
    for (const needle of ['/gateway/ocr', 'image_file', 'lang', 'psm', 'dpi', '415', '422', '503']) {
      assert.ok(text.includes(needle), `/docs lacks ${needle}`);
    }
    assert.match(await page.locator('h1').innerText(), /OCR gateway/);
    // The jobs API, its webhook (a callback) and the page stream's headers.
    const jobs = await page.locator('[data-path="/gateway/jobs"][data-method="post"]').innerText();
    for (const needle of ['202', 'Location', 'Retry-After', 'Idempotency-Key', 'Idempotent-Replayed', 'callback_url',
      '507', 'jobEnded', '{$request.query.callback_url}', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'JobEvent']) {
      assert.ok(jobs.includes(needle), `POST /gateway/jobs lacks ${needle}`);
    }
    const pages = await page.locator('[data-path="/gateway/jobs/{id}/pages"]').innerText();
    for (const needle of ['after', 'Last-Event-ID', 'application/x-ndjson', 'text/event-stream', 'PageRecord']) {
      assert.ok(pages.includes(needle), `GET /gateway/jobs/{id}/pages lacks ${needle}`);
    }
    for (const method of ['get', 'delete']) {
      assert.equal(await page.locator(`[data-path="/gateway/jobs/{id}"][data-method="${method}"]`).count(), 1);
    }
    assert.ok((await card.innerText()).includes('Preference-Applied'), '/gateway/ocr: the 202 of Prefer');
    await page.screenshot({ path: path.join(artifactsDir, 'docs.png'), fullPage: true });
  });

  test('no request ever left 127.0.0.1, and no script error', () => {
    assert.ok(requests.length > 0);
    assert.deepEqual(foreignRequests(requests), []);
    // Chromium logs each 4xx answer as a console error; those were asked for.
    assert.deepEqual(unexpectedConsoleErrors(consoleErrors), []);
  });
});
