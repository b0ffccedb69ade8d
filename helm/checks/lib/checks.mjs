// The checks themselves (entry point: ../check-chart.mjs, which makes sure the npm packages
// are installed first). Each prints one "ok"/"FAIL" line; the last line counts them.
import { readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { prepareHelm } from './helm.mjs';
import { validateObject } from './k8s-schema.mjs';
import { checkConsistency } from './consistency.mjs';
import { normaliseForGolden, firstDifference } from './golden.mjs';
import { selfTest, mutationCount } from './self-test.mjs';
import { checkCompose } from './compose.mjs';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const chart = path.resolve(here, '..', 'datamesh');
const args = process.argv.slice(2);
const workIndex = args.indexOf('--work');
const workDir = path.resolve(workIndex >= 0
  ? args[workIndex + 1]
  : path.join(here, '..', '..', 'build', 'helm-checks'));
const updateGolden = args.includes('--update-golden') || process.env.UPDATE_GOLDEN === '1';
const cases = JSON.parse(readFileSync(path.join(here, 'cases.json'), 'utf8'));

const helm = prepareHelm(workDir);
let passed = 0;
let failed = 0;

function report(name, problems) {
  if (problems.length === 0) {
    passed += 1;
    console.log(`ok    ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL  ${name}`);
    for (const p of problems.slice(0, 40)) console.log(`      ${p}`);
    if (problems.length > 40) console.log(`      … and ${problems.length - 40} more`);
  }
}

function templateArgs(c) {
  const a = ['template', c.release ?? 'datamesh', chart, '--namespace', c.namespace ?? 'datamesh'];
  for (const f of c.values ?? []) a.push('--values', path.join(here, f));
  for (const s of c.set ?? []) a.push('--set', s);
  return a;
}

const id = (o) => `${o.kind}/${o.metadata?.name}`;

function render(c) {
  const r = helm.run(templateArgs(c));
  if (r.status !== 0) return { problems: [`helm template failed: ${r.stderr.trim()}`] };
  const objects = yaml.loadAll(r.stdout).filter((o) => o && typeof o === 'object');
  return { stdout: r.stdout, objects, problems: [] };
}

// 1. Lint, strict: warnings fail too.
{
  const r = helm.run(['lint', '--strict', chart]);
  report('helm lint --strict', r.status === 0 ? [] : [(r.stdout + r.stderr).trim()]);
}

// 2. Every values set renders, every object is a valid Kubernetes object, the whole is consistent.
for (const c of cases.render) {
  const { objects, problems } = render(c);
  if (objects) {
    if (objects.length < (c.minObjects ?? 1)) {
      problems.push(`rendered ${objects.length} objects, expected at least ${c.minObjects}`);
    }
    for (const o of objects) problems.push(...validateObject(o));
    problems.push(...checkConsistency(objects, c.externalSecrets ?? []));
    for (const [kind, count] of Object.entries(c.expectKinds ?? {})) {
      const n = objects.filter((o) => o.kind === kind).length;
      if (n !== count) problems.push(`expected ${count} ${kind}, rendered ${n}`);
    }
  }
  report(`render ${c.name} (${objects ? objects.length : 0} objects)`, problems);
}

// 3. The checkers themselves catch each kind of break, on the defaults' render.
{
  const { objects, problems } = render(cases.golden);
  if (objects) problems.push(...selfTest(objects));
  report(`checkers catch ${mutationCount} deliberate breaks`, problems);
}

// 4. Values the schema must refuse (or, for rules across values, the templates: "by"):
// helm must fail, naming the offending value.
const schemaRefusal = /values don't meet the specifications of the schema/;
for (const c of cases.refuse) {
  const r = helm.run(templateArgs(c));
  const problems = [];
  const why = r.stderr.trim();
  if (r.status === 0) problems.push('helm template accepted it');
  else if (c.by !== 'template' && !schemaRefusal.test(why)) {
    problems.push(`refused, but not by the schema: ${why}`);
  }
  else if (!new RegExp(c.expectError).test(why)) {
    problems.push(`refused, but not for the expected reason (/${c.expectError}/): ${why}`);
  }
  report(`refuse ${c.name}`, problems);
}

// 5. What restarts on a change: exactly the services whose pod template the change concerns
// (their pods' spec or config checksum), never the others, storage nodes above all.
{
  const templates = (objects) => new Map(objects
    .filter((o) => o.spec?.template)
    .map((o) => [id(o), {
      component: o.metadata.labels['app.kubernetes.io/component'],
      json: JSON.stringify(o.spec.template),
    }]));
  const before = templates(render(cases.golden).objects ?? []);
  for (const c of cases.restarts) {
    const { objects, problems } = render({ ...cases.golden, set: c.set });
    const changed = new Set();
    for (const [key, t] of templates(objects ?? [])) {
      if (before.get(key)?.json !== t.json) changed.add(t.component);
    }
    const expected = new Set(c.restarts);
    const extra = [...changed].filter((x) => !expected.has(x));
    const missing = [...expected].filter((x) => !changed.has(x));
    if (extra.length) problems.push(`restarts ${extra.join(', ')} too`);
    if (missing.length) problems.push(`does not restart ${missing.join(', ')}`);
    report(`${c.name} restarts only ${c.restarts.join(', ')}`, problems);
  }
}

// 6. deploy/compose.yaml agrees with the chart, and a port moved in it would be noticed.
{
  const composeFile = path.resolve(here, '..', '..', 'deploy', 'compose.yaml');
  const compose = yaml.load(readFileSync(composeFile, 'utf8'));
  const values = yaml.load(readFileSync(path.join(chart, 'values.yaml'), 'utf8'));
  const problems = checkCompose(compose, values);
  const moved = structuredClone(compose);
  moved.services.auth.environment.DM_GRPC_ADDR = '0.0.0.0:7011';
  if (!checkCompose(moved, values).some((p) => /DM_GRPC_ADDR=0.0.0.0:7011/.test(p))) {
    problems.push('the compose check missed a moved gRPC port');
  }
  report('deploy/compose.yaml agrees with the chart (ports, calls, dependencies)', problems);
}

// 7. The golden render of the defaults: a change to what the chart renders must be deliberate.
{
  const goldenPath = path.join(here, 'golden', 'default.yaml');
  const { stdout, problems } = render(cases.golden);
  if (stdout !== undefined) {
    const current = normaliseForGolden(stdout);
    if (updateGolden) {
      mkdirSync(path.dirname(goldenPath), { recursive: true });
      writeFileSync(goldenPath, current);
      console.log(`      wrote ${path.relative(process.cwd(), goldenPath)}`);
    } else {
      let golden = '';
      try {
        golden = readFileSync(goldenPath, 'utf8');
      } catch {
        problems.push(`${goldenPath} is missing: run with UPDATE_GOLDEN=1`);
      }
      const diff = golden && firstDifference(golden, current);
      if (diff) {
        const out = path.join(workDir, 'default.rendered.yaml');
        writeFileSync(out, current);
        problems.push(
          `differs from golden/default.yaml at line ${diff.line}:`,
          `  golden:   ${diff.expected}`,
          `  rendered: ${diff.actual}`,
          `whole render in ${out}; if the change is intended:`,
          '  UPDATE_GOLDEN=1 node helm/checks/check-chart.mjs');
      }
    }
  }
  report('golden render of the defaults', problems);
}

rmSync(path.join(workDir, 'home'), { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
