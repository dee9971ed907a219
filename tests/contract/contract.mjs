// The gateway's OpenAPI document as the contract tests read it: validated by
// @seriousme/openapi-schema-validator against the official OpenAPI schema
// (its $refs resolved), its schemas compiled by Ajv (strict mode, with the
// OpenAPI 3.0 keywords), and a Contract that checks live answers against it:
// the status is one the operation lists, the Content-Type one it lists for
// that status, the body valid against that media type's schema, documented
// headers valid against theirs. It records which documented statuses were
// seen, so a test can tell which were never exercised.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

export const DOCUMENT_PATH = new URL('../../src/gateway/web/openapi.json', import.meta.url);
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export const readDocument = () => JSON.parse(fs.readFileSync(DOCUMENT_PATH, 'utf8'));

// { valid, errors, version, resolved }: resolved is the document with every
// $ref replaced by what it names (only when valid).
export async function validateDocument(document) {
  const validator = new Validator();
  const { valid, errors } = await validator.validate(structuredClone(document));
  return { valid, errors, version: validator.version, resolved: valid ? validator.resolveRefs() : null };
}

// Every operation: { path, method, operation } (method lower case).
export function operations(document) {
  const out = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      if (item[method]) out.push({ path, method, operation: item[method] });
    }
  }
  return out;
}

// Ajv for OpenAPI 3.0 schema objects: strict (an unknown keyword is an
// error), with `nullable` (Ajv knows it), the formats the document uses and
// the OpenAPI-only annotations.
export function schemaCompiler() {
  const ajv = new Ajv({ strict: true, allErrors: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  ajv.addVocabulary(['example', 'xml', 'externalDocs']);
  const cache = new WeakMap();
  return (schema) => {
    if (!cache.has(schema)) cache.set(schema, ajv.compile(schema));
    return cache.get(schema);
  };
}

const mediaTypeOf = (contentType) => (contentType || '').split(';')[0].trim().toLowerCase();
const isJson = (mediaType) => mediaType === 'application/json' || mediaType.endsWith('+json');

// The document's template for a concrete path ("/gateway/jobs/abc" ->
// "/gateway/jobs/{id}"), literal segments before parameters; or null.
export function templateOf(document, pathname) {
  const parts = pathname.split('/');
  let best = null;
  let bestLiterals = -1;
  for (const template of Object.keys(document.paths)) {
    const t = template.split('/');
    if (t.length !== parts.length) continue;
    let literals = 0;
    const matches = t.every((segment, i) => {
      if (/^\{[^}]+\}$/.test(segment)) return parts[i] !== '';
      literals += 1;
      return segment === parts[i];
    });
    if (matches && literals > bestLiterals) {
      best = template;
      bestLiterals = literals;
    }
  }
  return best;
}

function checkValue(compile, schema, value, what) {
  const validate = compile(schema);
  assert.ok(validate(value), `${what} does not match its schema: ${JSON.stringify(validate.errors)}; ` +
    `got ${JSON.stringify(value).slice(0, 500)}`);
}

// A header's text as its schema's type.
function headerValue(schema, text) {
  if (schema.type === 'integer' || schema.type === 'number') return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  return text;
}

export class Contract {
  constructor(resolved) {
    this.document = resolved;
    this.compile = schemaCompiler();
    this.seen = new Set();  // "METHOD template status"
  }

  // Checks `res` ({ status, headers (lower-case names), body: Buffer }), the
  // answer to `method` on `pathname`, against the document; returns the body
  // parsed (JSON), split (NDJSON: an array) or as text.
  check(method, pathname, res) {
    const template = templateOf(this.document, pathname);
    const what = `${method.toUpperCase()} ${pathname} -> ${res.status}`;
    assert.ok(template, `${what}: openapi.json has no path for ${pathname}`);
    const operation = this.document.paths[template][method.toLowerCase()];
    assert.ok(operation, `${what}: openapi.json has no ${method.toUpperCase()} ${template}`);
    const status = String(res.status);
    const listed = Object.keys(operation.responses);
    const response = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ??
      operation.responses.default;
    assert.ok(response, `${what}: status ${status} is not in openapi.json for ` +
      `${method.toUpperCase()} ${template} (it lists ${listed.join(', ')}); body: ${res.body.toString().slice(0, 300)}`);
    this.seen.add(`${method.toUpperCase()} ${template} ${status}`);

    for (const [name, header] of Object.entries(response.headers || {})) {
      const text = res.headers[name.toLowerCase()];
      if (text !== undefined && header.schema) {
        checkValue(this.compile, header.schema, headerValue(header.schema, text), `${what}: header ${name}`);
      }
    }
    assert.ok(res.headers['x-request-id'], `${what}: no X-Request-ID header`);

    if (!response.content) {
      assert.equal(res.body.length, 0, `${what}: documented without a body, but has one`);
      return null;
    }
    const mediaType = mediaTypeOf(res.headers['content-type']);
    assert.ok(mediaType in response.content, `${what}: Content-Type '${res.headers['content-type']}' ` +
      `is not one openapi.json lists for ${status} (${Object.keys(response.content).join(', ')})`);
    const { schema } = response.content[mediaType];
    const text = res.body.toString('utf8');
    let body;
    if (isJson(mediaType)) {
      body = JSON.parse(text);
      if (schema) checkValue(this.compile, schema, body, `${what}: ${mediaType} body`);
    } else if (mediaType === 'application/x-ndjson') {
      body = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
      body.forEach((record, i) => checkValue(this.compile, schema, record, `${what}: NDJSON line ${i + 1}`));
    } else {
      body = text;
      if (schema && schema.format !== 'binary') checkValue(this.compile, schema, body, `${what}: ${mediaType} body`);
    }
    return body;
  }

  // Documented "METHOD template status" never seen by check().
  unexercised() {
    const out = [];
    for (const { path, method, operation } of operations(this.document)) {
      for (const status of Object.keys(operation.responses)) {
        const key = `${method.toUpperCase()} ${path} ${status}`;
        if (!this.seen.has(key)) out.push(key);
      }
    }
    return out;
  }
}
