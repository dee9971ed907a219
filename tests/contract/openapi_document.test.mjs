// The gateway's OpenAPI document (src/gateway/web/openapi.json, served at
// /openapi.json) on its own: valid against the official OpenAPI schema of
// the version it declares, every $ref resolving, every schema one Ajv
// compiles in strict mode, and every error answer of every operation a JSON
// body with `detail` (the FastAPI shape the README promises).
// Run: cd tests/contract && npm ci && node --test openapi_document.test.mjs

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { operations, readDocument, schemaCompiler, validateDocument } from './contract.mjs';

// Error answers that are no error body: the readiness probe's 503 is the
// probe's own status report ({"status": "shutting down"}), as its 200 is.
const NOT_ERROR_BODIES = new Set(['GET /readyz 503']);

// Every schema object in `node` that Ajv is to compile: those of media types,
// parameters and headers (components included, through the resolved tree).
function schemasIn(node, where, out = []) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => schemasIn(item, `${where}/${i}`, out));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'schema' && value && typeof value === 'object') out.push({ where: `${where}/schema`, schema: value });
      else if (key !== 'example' && key !== 'examples') schemasIn(value, `${where}/${key}`, out);
    }
  }
  return out;
}

describe('openapi.json', () => {
  const document = readDocument();
  let result;

  before(async () => {
    result = await validateDocument(document);
  });

  test('is a valid OpenAPI document of the version it declares, every $ref resolving', () => {
    assert.match(document.openapi, /^3\.0\.\d+$/);
    assert.ok(result.valid, `openapi.json is not valid OpenAPI ${document.openapi}: ${JSON.stringify(result.errors, null, 1)}`);
    assert.equal(result.version, '3.0');
    assert.ok(!JSON.stringify(result.resolved).includes('"$ref"'), 'a $ref is left after resolving');
  });

  test('the validator refuses a broken document (it does check)', async () => {
    const dangling = structuredClone(document);
    dangling.paths['/healthz'].get.responses['200'].content['application/json'].schema =
      { $ref: '#/components/schemas/NoSuchSchema' };
    assert.equal((await validateDocument(dangling)).valid, false, 'a dangling $ref passed');
    const misplaced = structuredClone(document);
    misplaced.paths['/healthz'].get.responses['200'].contents = {};
    assert.equal((await validateDocument(misplaced)).valid, false, 'an unknown field passed');
  });

  test('operation ids are unique and every path parameter is declared', () => {
    const ids = operations(result.resolved).map(({ operation }) => operation.operationId);
    assert.equal(new Set(ids).size, ids.length, `duplicate operationId in ${ids}`);
    for (const { path, method, operation } of operations(result.resolved)) {
      const declared = (operation.parameters || []).filter((p) => p.in === 'path').map((p) => p.name);
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      assert.deepEqual(declared.sort(), inTemplate.sort(), `${method.toUpperCase()} ${path}: path parameters`);
    }
  });

  test('every schema compiles with Ajv in strict mode', () => {
    const compile = schemaCompiler();
    const schemas = schemasIn(result.resolved.paths, '#/paths');
    assert.ok(schemas.length > 50, `only ${schemas.length} schemas found`);
    for (const { where, schema } of schemas) {
      assert.doesNotThrow(() => compile(schema), `${where} does not compile`);
    }
  });

  test('every answer documents X-Request-ID; every error answer is JSON with detail', () => {
    const compile = schemaCompiler();
    for (const { path, method, operation } of operations(result.resolved)) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(Object.keys(operation.responses).length > 0, `${where} documents no answer`);
      for (const [status, response] of Object.entries(operation.responses)) {
        assert.ok(response.headers && response.headers['X-Request-ID'], `${where} ${status}: no X-Request-ID header`);
        if (!/^[45]/.test(status) || NOT_ERROR_BODIES.has(`${where} ${status}`)) continue;
        const json = response.content && response.content['application/json'];
        assert.ok(json && json.schema, `${where} ${status}: no application/json schema for the error body`);
        assert.deepEqual(Object.keys(response.content), ['application/json'], `${where} ${status}: error bodies are JSON only`);
        // The schema takes {"detail": "..."} (or the 422 list) and refuses a body without detail.
        const validate = compile(json.schema);
        const samples = [{ detail: 'why' },
          { detail: [{ type: 'missing', loc: ['body', 'image_file'], msg: 'Field required', input: null }] }];
        assert.ok(samples.some((s) => validate(s)), `${where} ${status}: the schema takes no {"detail": ...}`);
        assert.ok(!validate({ error: 'why' }), `${where} ${status}: the schema takes a body without detail`);
      }
    }
  });
});
