// The Grafana dashboard (helm/datamesh/files/dashboard.json): every PromQL expression parses
// (promtool, each as a recording rule, once Grafana's variables are given plain values) and
// every series it reads is one DataMesh produces: a metric some service exports (found in the
// code: a `.Name("datamesh_…")` or a `"datamesh_…", "help"` registration), `up`, the `ALERTS`
// series of the rules engine, or a recording rule of the shipped rules.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { promtoolCheckRules } from './promtool.mjs';
import { shippedRulesPath } from './prometheus-rule.mjs';

// [{ title, target }] of every query with an expression, rows' nested panels included.
function dashboardTargets(dashboard) {
  const out = [];
  const walk = (panels) => panels.forEach((p) => {
    for (const t of p.targets ?? []) if (t.expr) out.push({ title: p.title, target: t });
    walk(p.panels ?? []);
  });
  walk(dashboard.panels ?? []);
  return out;
}

// [{ title, expr }] of every panel's queries.
export function dashboardExprs(dashboard) {
  return dashboardTargets(dashboard).map(({ title, target }) => ({ title, expr: target.expr }));
}

// Grafana's interval variables become a duration, the dashboard's own ($service) a regex.
export function withVariablesFilled(expr) {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '.*');
}

const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on',
  'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2']);

// The series names an expression reads: identifiers that are neither functions, aggregations,
// keywords, nor inside strings, label matchers, ranges or grouping clauses.
export function seriesNames(expr) {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [];
  for (const m of bare.matchAll(/(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = bare.slice(m.index + m[0].length);
    if (keywords.has(m[0].toLowerCase()) || /^\s*\(/.test(rest)) continue;
    names.push(m[0]);
  }
  return names;
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(p);
    return /\.(cc|h)$/.test(e.name) && !/_test\.cc$/.test(e.name) ? [p] : [];
  });
}

// The metric families the services register, read from their code.
export function exportedMetrics(repo) {
  const names = new Set();
  const registration = /\.Name\(\s*"(datamesh_[a-z0-9_]+)"\s*\)|"(datamesh_[a-z0-9_]+)"\s*,\s*"/g;
  for (const f of ['services', 'shared'].flatMap((d) => sourceFiles(path.join(repo, d)))) {
    for (const m of readFileSync(f, 'utf8').matchAll(registration)) names.add(m[1] ?? m[2]);
  }
  return names;
}

// Series a query may read: exported families (histograms' _bucket, _sum, _count too), `up`,
// ALERTS, and the shipped recording rules.
export function knownSeries(repo) {
  const known = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);
  for (const n of exportedMetrics(repo)) {
    for (const suffix of ['', '_bucket', '_sum', '_count']) known.add(n + suffix);
  }
  const rules = yaml.load(readFileSync(path.join(repo, shippedRulesPath), 'utf8'));
  for (const g of rules.groups) for (const r of g.rules) if (r.record) known.add(r.record);
  return known;
}

// Problems of the dashboard: series nobody exports, and expressions promtool refuses.
export function checkDashboard(dashboard, known, workDir, fileName = 'dashboard.rules.yml') {
  const exprs = dashboardExprs(dashboard);
  if (exprs.length === 0) return ['the dashboard has no PromQL expression'];
  const problems = [];
  for (const { title, expr } of exprs) {
    for (const n of seriesNames(expr).filter((x) => !known.has(x))) {
      problems.push(`panel "${title}": ${n} is exported by no service`);
    }
  }
  const rules = exprs.map(({ expr }, i) => ({
    record: `dashboard:panel_${i}`,
    expr: withVariablesFilled(expr),
  }));
  problems.push(...promtoolCheckRules([{ name: 'dashboard', rules }], workDir, fileName));
  return problems;
}

// Problems of the check itself: an unknown metric and an unbalanced expression put in the
// first panel must both be reported.
export function selfTestDashboard(dashboard, known, workDir) {
  const broken = structuredClone(dashboard);
  const { target } = dashboardTargets(broken)[0];
  target.expr = 'sum(rate(datamesh_no_such_metric_total[$__rate_interval])';
  const caught = checkDashboard(broken, known, workDir);
  const problems = [];
  if (!caught.some((p) => /datamesh_no_such_metric_total is exported by no service/.test(p))) {
    problems.push('an unknown metric in the dashboard went unreported');
  }
  if (!caught.some((p) => /refused it/.test(p))) {
    problems.push('promtool accepted a broken dashboard expression');
  }
  return problems;
}
