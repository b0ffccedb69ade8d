// The UI's contract with the gateway, checked against its OpenAPI document:
// - checkEndpoints: every REST call the UI makes (ENDPOINTS in src/services/api.js) exists with
//   that method, and no file under src/ reaches /api/ except through the api module, so
//   ENDPOINTS is the whole list;
// - checkReads: every field of an answer the UI read during the end-to-end run (recorded by
//   src/services/readRecorder.js, "<endpoint> <path>") is declared in that answer's schema.
//   node tests/contract.mjs path/to/openapi.json [reads.txt]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ENDPOINTS, API_BASE } from '../src/services/api.js';

// OpenAPI path parameter names need not match ours: compare with every {x} made the same.
const shape = (p) => p.replace(/\{[^}]+\}/g, '{}');

function pathItem(spec, name) {
  const path = ENDPOINTS[name][1];
  return Object.entries(spec.paths || {}).find(([p]) => shape(p) === shape(API_BASE + path))?.[1];
}
const operation = (spec, name) => pathItem(spec, name)?.[ENDPOINTS[name][0].toLowerCase()];

export function checkEndpoints(spec) {
  const failures = [];
  for (const [name, [method, path]] of Object.entries(ENDPOINTS)) {
    const ops = pathItem(spec, name);
    if (!ops) failures.push(`${name}: ${method} ${API_BASE}${path} is not in openapi.json`);
    else if (!ops[method.toLowerCase()]) failures.push(`${name}: openapi.json has ${API_BASE}${path} but no ${method}`);
  }
  const src = fileURLToPath(new URL('../src', import.meta.url));
  const walk = (dir) => readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
  for (const file of walk(src)) {
    if (file.endsWith(join('services', 'api.js'))) continue;
    if (/['"`]\/api\//.test(readFileSync(file, 'utf8'))) {
      failures.push(`${relative(src, file)} names an /api/ path: go through services/api.js`);
    }
  }
  return failures;
}

function resolve(spec, schema) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 20; i++) {
    s = s.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o?.[k], spec);
  }
  if (s && Array.isArray(s.allOf)) {
    const parts = s.allOf.map((p) => resolve(spec, p));
    return { ...s, properties: Object.assign({}, ...parts.map((p) => p?.properties || {})),
      additionalProperties: parts.find((p) => p?.additionalProperties)?.additionalProperties };
  }
  return s;
}

// The schema of the field at `steps` (names, "[]" for array items) below `schema`: null when
// a step is not declared, true when the schema stops describing (a free-form object).
function fieldSchema(spec, schema, steps) {
  let s = resolve(spec, schema);
  for (const step of steps) {
    if (s === true || !s) return s;
    if (step === '[]') {
      if (!s.items) return s.type === 'array' ? true : null;
      s = resolve(spec, s.items);
    } else if (s.properties && step in s.properties) {
      s = resolve(spec, s.properties[step]);
    } else if (s.additionalProperties) {
      s = s.additionalProperties === true ? true : resolve(spec, s.additionalProperties);
    } else if (!s.properties && (s.type === undefined || s.type === 'object')) {
      return true;
    } else {
      return null;
    }
  }
  return s;
}

export function checkReads(spec, reads) {
  const failures = [];
  for (const read of reads) {
    const [name, path] = read.split(' ');
    const op = ENDPOINTS[name] && operation(spec, name);
    if (!op) {
      failures.push(`${read}: no such endpoint in openapi.json`);
      continue;
    }
    const ok = ['200', '201', '206'].map((c) => op.responses?.[c]?.content?.['application/json']?.schema).find(Boolean);
    if (!ok) {
      failures.push(`${read}: openapi.json declares no JSON answer for ${name}`);
      continue;
    }
    const steps = path.replace(/\[\]/g, '.[]').split('.').filter(Boolean);
    if (fieldSchema(spec, ok, steps) === null) {
      failures.push(`${name}: the UI reads "${path}", which the answer's schema in openapi.json does not declare`);
    }
  }
  return failures;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [specPath, readsPath] = process.argv.slice(2);
  if (!specPath) {
    console.error('usage: node tests/contract.mjs OPENAPI_JSON [READS_TXT]');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  const failures = checkEndpoints(spec);
  const reads = readsPath ? readFileSync(readsPath, 'utf8').split('\n').filter(Boolean) : [];
  failures.push(...checkReads(spec, reads));
  if (failures.length) {
    console.error(`contract: FAIL\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`contract: ${Object.keys(ENDPOINTS).length} REST calls of the UI all exist in openapi.json` +
    (readsPath ? `; the ${reads.length} answer fields it read are all declared` : ''));
}
