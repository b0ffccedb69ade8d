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
import { readAcceptedEnv, checkRenderEnv, checkComposeEnv, selfTestEnv } from './binary-env.mjs';
import {
  checkRulesCopy, checkRenderedRule, selfTestRule, shippedRulesPath,
} from './prometheus-rule.mjs';
import { checkDashboard, knownSeries, selfTestDashboard } from './dashboard.mjs';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(here, '..', '..');
const chart = path.resolve(here, '..', 'datamesh');
const args = process.argv.slice(2);
const workIndex = args.indexOf('--work');
const workDir = path.resolve(workIndex >= 0
  ? args[workIndex + 1]
  : path.join(here, '..', '..', 'build', 'helm-checks'));
const binIndex = args.indexOf('--bin');
const binDir = path.resolve(binIndex >= 0 ? args[binIndex + 1] : path.join(repo, 'build', 'bin'));
const updateGolden = args.includes('--update-golden') || process.env.UPDATE_GOLDEN === '1';
const cases = JSON.parse(readFileSync(path.join(here, 'cases.json'), 'utf8'));

const helm = prepareHelm(workDir, 'helm3');
const helm4 = prepareHelm(workDir, 'helm4');
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

function render(c, h = helm) {
  const r = h.run(templateArgs(c));
  if (r.status !== 0) return { problems: [`helm template failed: ${r.stderr.trim()}`] };
  const objects = yaml.loadAll(r.stdout).filter((o) => o && typeof o === 'object');
  return { stdout: r.stdout, objects, problems: [] };
}

// 1. Lint, strict: warnings fail too. Helm 3 and Helm 4 alike.
for (const [name, h] of [['Helm 3', helm], ['Helm 4', helm4]]) {
  const r = h.run(['lint', '--strict', chart]);
  report(`helm lint --strict (${name})`, r.status === 0 ? [] : [(r.stdout + r.stderr).trim()]);
}

// The DM_* variables each binary takes, from its --help (binary-env.mjs).
const flags = readAcceptedEnv(binDir);

// 2. Every values set renders, every object is a valid Kubernetes object, the whole is consistent.
for (const c of cases.render) {
  const { objects, problems, stdout } = render(c);
  if (objects) {
    if (objects.length < (c.minObjects ?? 1)) {
      problems.push(`rendered ${objects.length} objects, expected at least ${c.minObjects}`);
    }
    for (const o of objects) problems.push(...validateObject(o));
    problems.push(...checkConsistency(objects, c.externalSecrets ?? []));
    problems.push(...checkRenderEnv(objects, flags.accepted));
    // Helm 4 renders the same objects; only the generated password may differ.
    const r4 = render(c, helm4);
    if (r4.problems.length) problems.push(...r4.problems.map((p) => `Helm 4: ${p}`));
    else {
      const diff = firstDifference(normaliseForGolden(stdout), normaliseForGolden(r4.stdout));
      if (diff) problems.push(`Helm 4 renders differently at line ${diff.line}: ${diff.actual}`);
    }
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
  const problems = [];
  for (const [name, h] of [['Helm 3', helm], ['Helm 4', helm4]]) {
    const r = h.run(templateArgs(c));
    const why = r.stderr.trim();
    if (r.status === 0) problems.push(`${name}: helm template accepted it`);
    else if (c.by !== 'template' && !schemaRefusal.test(why)) {
      problems.push(`${name}: refused, but not by the schema: ${why}`);
    }
    else if (!new RegExp(c.expectError).test(why)) {
      problems.push(`${name}: refused, but not for the expected reason (/${c.expectError}/): ` +
        why);
    }
  }
  report(`refuse ${c.name} (Helm 3 and 4)`, problems);
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

// 8. Every DM_* variable compose hands a binary is one its --help lists (step 2 did the renders);
// a variable misplaced on purpose (file-ingest's DM_SCRUB_INTERVAL on a storage node) is caught.
{
  const problems = [...flags.problems];
  const compose = yaml.load(readFileSync(path.join(repo, 'deploy', 'compose.yaml'), 'utf8'));
  problems.push(...checkComposeEnv(compose, flags.accepted));
  if (flags.problems.length === 0) {
    problems.push(...selfTestEnv(render(cases.golden).objects ?? [], compose, flags.accepted));
  }
  const known = [...flags.accepted.values()].reduce((n, s) => n + s.size, 0);
  report('DM_* variables of compose (and of every render, step 2) are ones the binaries take ' +
    `(${flags.accepted.size} binaries, ${known} variables from --help in ${binDir})`, problems);
}

// 9. The PrometheusRule: the monitoring service's rules, byte for byte, through promtool, and
// the operator's fields; deliberate breaks of it must be reported.
{
  const problems = checkRulesCopy(repo);
  const c = cases.prometheusRule;
  const { objects, problems: renderProblems } = render(c);
  problems.push(...renderProblems);
  if (objects) {
    const extra = c.values.map((f) => yaml.load(readFileSync(path.join(here, f), 'utf8')))
      .flatMap((v) => v.prometheusRule?.extraGroups ?? []);
    problems.push(...checkRenderedRule(objects, repo, extra, workDir));
    problems.push(...selfTestRule(objects, repo, extra, path.join(workDir, 'broken')));
  }
  report(`PrometheusRule = ${shippedRulesPath} + extraGroups, promtool, operator fields`, problems);
}

// 10. The Grafana dashboard: every expression parses (promtool) and reads only series DataMesh
// produces; an unknown metric and a broken expression are caught.
{
  const dashboard = JSON.parse(readFileSync(path.join(chart, 'files', 'dashboard.json'), 'utf8'));
  const known = knownSeries(repo);
  const problems = checkDashboard(dashboard, known, workDir);
  problems.push(...selfTestDashboard(dashboard, known, path.join(workDir, 'broken')));
  report('dashboard.json: every expression parses and reads exported series ' +
    `(${known.size} known)`, problems);
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
