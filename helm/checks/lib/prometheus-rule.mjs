// The PrometheusRule the chart renders (templates/prometheusrule.yaml) against the rules the
// monitoring service ships: one source, services/monitoring/rules/default_rules.yml. Helm reads
// only files inside the chart, so the chart holds a byte copy, files/default_rules.yml, which
// must not drift; the rendered spec.groups must be those groups followed by the values'
// extraGroups, and promtool must accept them.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import yaml from 'js-yaml';
import { promtoolCheckRules } from './promtool.mjs';
import { validateObject } from './k8s-schema.mjs';

export const shippedRulesPath = 'services/monitoring/rules/default_rules.yml';
export const chartRulesPath = 'helm/datamesh/files/default_rules.yml';

// Problems when the chart's copy differs from the monitoring service's file by one byte.
export function checkRulesCopy(repo) {
  const shipped = readFileSync(`${repo}/${shippedRulesPath}`);
  let copy;
  try {
    copy = readFileSync(`${repo}/${chartRulesPath}`);
  } catch {
    copy = Buffer.alloc(0);
  }
  if (shipped.equals(copy)) return [];
  return [`${chartRulesPath} is not a copy of ${shippedRulesPath}; refresh it with:`,
    `  cp ${shippedRulesPath} ${chartRulesPath}`];
}

// Problems of the one PrometheusRule in `objects`: its groups against the shipped ones plus
// `extraGroups`, then promtool over them (rule file left in workDir).
export function checkRenderedRule(objects, repo, extraGroups, workDir) {
  const rules = objects.filter((o) => o.kind === 'PrometheusRule');
  if (rules.length !== 1) return [`expected one PrometheusRule, rendered ${rules.length}`];
  const groups = rules[0].spec?.groups ?? [];
  const shipped = yaml.load(readFileSync(`${repo}/${shippedRulesPath}`, 'utf8')).groups;
  const problems = [];
  if (!isDeepStrictEqual(groups, [...shipped, ...extraGroups])) {
    const names = (gs) => gs.map((g) => g?.name).join(', ');
    problems.push(`spec.groups is not ${shippedRulesPath}'s groups then extraGroups:`,
      `  rendered: ${names(groups)}`, `  expected: ${names([...shipped, ...extraGroups])}`);
  }
  problems.push(...promtoolCheckRules(groups, workDir, 'prometheusrule.rules.yml'));
  return problems;
}

// Problems of the checks themselves: each break of the rendered rule must be reported, by the
// operator-field check (validateObject) or by promtool.
export function selfTestRule(objects, repo, extraGroups, workDir) {
  const rule = objects.find((o) => o.kind === 'PrometheusRule');
  if (!rule) return ['no PrometheusRule to break'];
  const problems = [];
  for (const [what, mutate, expected] of [
    ['a group without name', (r) => delete r.spec.groups[0].name, /groups\[0\]\.name: required/],
    ['a rule both alert and record', (r) => { r.spec.groups[0].rules[1].record = 'x:y'; },
      /exactly one of record, alert/],
    ['a malformed for', (r) => { r.spec.groups[0].rules[1].for = '1 minute'; },
      /no Prometheus duration/],
  ]) {
    const broken = structuredClone(rule);
    mutate(broken);
    if (!validateObject(broken).some((p) => expected.test(p))) {
      problems.push(`${what}: not reported (expected ${expected})`);
    }
  }
  const broken = structuredClone(rule);
  broken.spec.groups[0].rules[0].expr = 'sum(rate(up[5m])';
  if (!checkRenderedRule([broken], repo, extraGroups, workDir).some((p) => /refused it/.test(p))) {
    problems.push('promtool accepted an unbalanced expression');
  }
  return problems;
}
