// The alert rule form's values -> the CreateAlertRule body ({ rule }) the gateway takes, and the
// listing's view of a rule. Pure functions, unit-tested (tests/unit/alertRules.test.js).

export const RULE_KINDS = Object.freeze([
  { value: 'RULE_KIND_PROMQL', label: 'PromQL condition' },
  { value: 'RULE_KIND_ANOMALY', label: 'Anomaly (robust z-score)' },
  { value: 'RULE_KIND_FORECAST', label: 'Forecast (reaches a limit)' },
]);

export const SEVERITIES = Object.freeze(['info', 'warning', 'critical']);

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

// "90s", "5m", "1h30m", "7d" -> proto JSON "5400s"; "" -> undefined (the server's default).
// Throws on anything else, naming the field.
export function durationJson(text, field) {
  const t = String(text ?? '').trim();
  if (!t) return undefined;
  const parts = t.match(/^(\d+[smhdw])+$/) ? t.match(/\d+[smhdw]/g) : null;
  if (!parts) throw new Error(`${field}: a duration such as 30s, 5m, 2h or 7d`);
  const seconds = parts.reduce((sum, p) => sum + Number(p.slice(0, -1)) * UNIT_SECONDS[p.slice(-1)], 0);
  return `${seconds}s`;
}

export function emptyRuleForm() {
  return {
    name: '', kind: 'RULE_KIND_PROMQL', expr: '', pendingFor: '', keepFiringFor: '',
    severity: 'warning', summary: '', remediation: '',
    threshold: '', window: '', horizon: '', minHistory: '', direction: 'rising',
  };
}

function number(text, field) {
  const t = String(text ?? '').trim();
  if (!t) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error(`${field}: a number`);
  return n;
}

// The request body; throws Error with a readable message when a field is malformed (the server
// checks the rest, e.g. that the expression parses).
export function ruleRequest(form) {
  const name = form.name.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error('Name: letters, digits and _, not starting with a digit');
  if (!form.expr.trim()) throw new Error('Expression: required');
  const annotations = {};
  if (form.summary.trim()) annotations.summary = form.summary.trim();
  if (form.remediation.trim()) annotations.remediation = form.remediation.trim();
  const rule = {
    name, kind: form.kind, expr: form.expr.trim(), severity: form.severity, enabled: true,
    pendingFor: durationJson(form.pendingFor, 'For'),
    keepFiringFor: durationJson(form.keepFiringFor, 'Keep firing for'),
    annotations,
  };
  if (form.kind === 'RULE_KIND_ANOMALY') {
    rule.threshold = number(form.threshold, 'Z-score threshold');
    rule.window = durationJson(form.window, 'Baseline');
    rule.minHistory = durationJson(form.minHistory, 'Minimum history');
  } else if (form.kind === 'RULE_KIND_FORECAST') {
    rule.threshold = number(form.threshold, 'Limit');
    if (rule.threshold === undefined) throw new Error('Limit: required');
    rule.window = durationJson(form.window, 'Fit over');
    rule.horizon = durationJson(form.horizon, 'Horizon');
    rule.comparator = form.direction === 'falling' ? 'COMPARATOR_LESS' : 'COMPARATOR_GREATER';
  }
  for (const k of Object.keys(rule)) if (rule[k] === undefined) delete rule[k];
  return { rule };
}

// "RULE_KIND_RATE_OF_CHANGE" -> "rate of change".
export function kindText(kind) {
  return String(kind || '').replace(/^RULE_KIND_/, '').toLowerCase().replaceAll('_', ' ');
}

// Shipped rules come from the rule files and cannot be edited here.
export function ruleSource(rule) {
  if (rule.readOnly) return `shipped (${rule.group})`;
  return rule.enabled === false ? 'admin, disabled' : 'admin';
}
