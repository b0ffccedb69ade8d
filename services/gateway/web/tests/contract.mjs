// Every REST call the UI makes (ENDPOINTS in src/services/api.js) must exist in the gateway's
// OpenAPI document with that method; and no file under src/ may reach /api/ except through the
// api module, so ENDPOINTS is the whole list.
//   node tests/contract.mjs path/to/openapi.json
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENDPOINTS, API_BASE } from '../src/services/api.js';

const specPath = process.argv[2];
if (!specPath) {
  console.error('usage: node tests/contract.mjs OPENAPI_JSON');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const failures = [];

// OpenAPI path parameter names need not match ours: compare with every {x} made the same.
const shape = (p) => p.replace(/\{[^}]+\}/g, '{}');
const specPaths = new Map(Object.entries(spec.paths || {}).map(([p, ops]) => [shape(p), ops]));

for (const [name, [method, path]] of Object.entries(ENDPOINTS)) {
  const ops = specPaths.get(shape(API_BASE + path));
  if (!ops) failures.push(`${name}: ${method} ${API_BASE}${path} is not in openapi.json`);
  else if (!ops[method.toLowerCase()]) failures.push(`${name}: openapi.json has ${API_BASE}${path} but no ${method}`);
}

const src = fileURLToPath(new URL('../src', import.meta.url));
function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
for (const file of walk(src)) {
  if (file.endsWith(join('services', 'api.js'))) continue;
  if (/['"`]\/api\//.test(readFileSync(file, 'utf8'))) {
    failures.push(`${relative(src, file)} names an /api/ path: go through services/api.js`);
  }
}

if (failures.length) {
  console.error(`contract: FAIL\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`contract: ${Object.keys(ENDPOINTS).length} REST calls of the UI all exist in openapi.json`);
