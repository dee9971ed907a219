// The web page's client of the gateway's jobs API (index.html loads it from
// /jobs.js): submits a document as a job, follows it until it ends (its
// status long-polled with ?wait, its finished pages read as NDJSON from
// /pages), fetches its result and cancels it. It draws nothing: the page
// gets each status and page record through callbacks.
//
// The page stream works with a response that ends at once (the pages
// finished so far) and with one that stays open and streams records as pages
// finish: whenever a response ends before the job does, it is asked again
// from where it stopped (?after=) once the job's status moves. Records seen
// twice are dropped by page number, so a cursor that lags never shows a page
// twice.
'use strict';

window.OcrJobs = (() => {
  const FINAL = new Set(['succeeded', 'partially_succeeded', 'failed', 'cancelled']);
  const isFinal = (status) => Boolean(status) && FINAL.has(status.status);

  // Resolves after `ms`, or at once when `signal` aborts.
  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      if (signal) signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }

  // An answer as the page handles it: { response, raw, body }, where raw is
  // the text (a Blob for a PDF) and body the parsed JSON, or null.
  async function readAnswer(response) {
    const binary = response.ok && (response.headers.get('Content-Type') || '').startsWith('application/pdf');
    const raw = binary ? await response.blob() : await response.text();
    let body = null;
    if (!binary) try { body = JSON.parse(raw); } catch (_) { /* not JSON */ }
    return { response, raw, body };
  }

  // An error that carries the gateway's answer (shown with its status).
  class AnswerError extends Error {
    constructor(answer) {
      super('HTTP ' + answer.response.status);
      this.answer = answer;
    }
  }

  // POST /gateway/jobs with the file: the answer (202 and the job's status
  // when accepted).
  async function submit(file, params, signal) {
    const form = new FormData();
    form.append('image_file', file, file.name || 'document');
    const response = await fetch('/gateway/jobs?' + params.toString(), {
      method: 'POST', body: form, headers: { Accept: 'application/json' }, signal,
    });
    return readAnswer(response);
  }

  // GET .../result in `params`' output (text comes as the V2 JSON for `accept`
  // application/json, as /gateway/ocr answers it).
  async function result(location, params, accept, signal) {
    const response = await fetch(location + '/result?' + params.toString(), {
      headers: { Accept: accept }, signal,
    });
    return readAnswer(response);
  }

  // DELETE: cancels and purges the job; the answer (204 when done).
  async function cancel(location) {
    const response = await fetch(location, { method: 'DELETE', keepalive: true });
    return readAnswer(response);
  }

  // Follows one job: onStatus(status) for every status read, onPage(record)
  // once for every finished page. follow() resolves with the final status;
  // it rejects with an AnswerError when the status cannot be read (404: the
  // job is gone), or with an AbortError once `signal` aborts.
  class JobFollower {
    constructor(location, { onStatus, onPage, signal }) {
      this.location = location;
      this.onStatus = onStatus;
      this.onPage = onPage;
      this.controller = new AbortController();
      if (signal) {
        if (signal.aborted) this.controller.abort();
        signal.addEventListener('abort', () => this.controller.abort(), { once: true });
      }
      this.status = null;
      this.version = 0;        // moves with every status read
      this.wake = null;        // resolves the page reader's wait
      this.cursor = 0;         // records read so far: the next ?after=
      this.pages = new Set();  // page numbers shown
    }

    async follow(initial) {
      this.update(initial);
      const pages = this.readPages();
      try {
        await this.pollStatus();
      } catch (err) {
        this.controller.abort();
        await pages;
        throw err;
      }
      this.poke();
      await pages;  // the last records, read after the job ended
      return this.status;
    }

    update(status) {
      this.status = status;
      this.version += 1;
      this.onStatus(status);
      this.poke();
    }

    poke() {
      const wake = this.wake;
      this.wake = null;
      if (wake) wake();
    }

    // Long polls until the job is final; network errors and 5xx answers are
    // retried a few times (a gateway restarting keeps its jobs).
    async pollStatus() {
      const signal = this.controller.signal;
      let failures = 0;
      while (!isFinal(this.status)) {
        let answer = null;
        try {
          answer = await readAnswer(await fetch(this.location + '?wait=10', {
            headers: { Accept: 'application/json' }, signal,
          }));
        } catch (err) {
          if (signal.aborted || ++failures > 5) throw err;
        }
        if (answer && answer.response.ok && answer.body) {
          failures = 0;
          this.update(answer.body);
          continue;
        }
        if (answer && (answer.response.status < 500 || ++failures > 5)) throw new AnswerError(answer);
        await sleep(500 * failures, signal);
        if (signal.aborted) throw new DOMException('aborted', 'AbortError');
      }
    }

    // Reads /pages from the cursor until a response that began after the job
    // ended has been read to its end.
    async readPages() {
      const signal = this.controller.signal;
      while (!signal.aborted) {
        const ended = isFinal(this.status);
        const version = this.version;
        try {
          const response = await fetch(this.location + '/pages?after=' + this.cursor, {
            headers: { Accept: 'application/x-ndjson' }, signal,
          });
          if (response.status === 404) return;  // the job is gone
          if (response.ok && response.body) await this.readRecords(response.body);
        } catch (_) {
          // Aborted, or the stream broke: the status poll decides what follows.
        }
        if (ended || signal.aborted) return;
        if (this.version === version) {
          await Promise.race([new Promise((resolve) => { this.wake = resolve; }), sleep(2000, signal)]);
        }
      }
    }

    // Every complete line of the stream, as it comes.
    async readRecords(body) {
      const reader = body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        buffer += decoder.decode(value || new Uint8Array(0), { stream: !done });
        let end;
        while ((end = buffer.indexOf('\n')) >= 0) {
          this.record(buffer.slice(0, end));
          buffer = buffer.slice(end + 1);
        }
        if (done) break;
      }
      this.record(buffer);  // a last line without its newline, if whole
    }

    record(line) {
      const text = line.trim();
      if (!text) return;
      let record;
      try { record = JSON.parse(text); } catch (_) { return; }  // cut short
      if (!record || !Number.isInteger(record.page)) return;
      this.cursor += 1;
      if (this.pages.has(record.page)) return;
      this.pages.add(record.page);
      this.onPage(record);
    }
  }

  // "about 40 s left", "about 3 min left", "about 2 h 5 min left"; "" when unknown.
  function describeEta(seconds) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '';
    if (seconds < 10) return 'a few seconds left';
    if (seconds < 90) return 'about ' + Math.round(seconds / 5) * 5 + ' s left';
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return 'about ' + minutes + ' min left';
    return 'about ' + Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min left';
  }

  return { isFinal, readAnswer, submit, result, cancel, JobFollower, AnswerError, describeEta };
})();
