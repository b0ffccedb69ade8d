import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp, nextTick } from 'vue';

vi.mock('@/services/api', () => ({ api: { createAlertRule: vi.fn() } }));

const { api } = await import('@/services/api');
const { durationJson, emptyRuleForm, kindText, ruleRequest, ruleSource } = await import('@/components/alerts/ruleForm');
const RuleForm = (await import('@/components/alerts/RuleForm.vue')).default;

describe('alert rule form values', () => {
  it('turns durations into proto JSON and refuses others', () => {
    expect(durationJson('5m', 'For')).toBe('300s');
    expect(durationJson('1h30m', 'For')).toBe('5400s');
    expect(durationJson('7d', 'For')).toBe('604800s');
    expect(durationJson(' ', 'For')).toBeUndefined();
    expect(() => durationJson('soon', 'For')).toThrow('For: a duration');
    expect(() => durationJson('5', 'For')).toThrow('For');
  });

  it('builds a PromQL rule with its annotations, leaving unset fields to the server', () => {
    const form = { ...emptyRuleForm(), name: 'QueueDeep', expr: ' queue_depth > 100 ', pendingFor: '5m', summary: 'deep' };
    expect(ruleRequest(form)).toEqual({
      rule: { name: 'QueueDeep', kind: 'RULE_KIND_PROMQL', expr: 'queue_depth > 100', severity: 'warning', enabled: true,
        pendingFor: '300s', annotations: { summary: 'deep' } },
    });
  });

  it('builds anomaly and forecast rules with their own fields', () => {
    const anomaly = ruleRequest({ ...emptyRuleForm(), name: 'A', kind: 'RULE_KIND_ANOMALY', expr: 'x', threshold: '5', window: '3d' });
    expect(anomaly.rule).toMatchObject({ kind: 'RULE_KIND_ANOMALY', threshold: 5, window: '259200s' });
    expect(anomaly.rule.horizon).toBeUndefined();
    const forecast = ruleRequest({ ...emptyRuleForm(), name: 'F', kind: 'RULE_KIND_FORECAST', expr: 'used', threshold: '1e12', direction: 'falling', horizon: '3d' });
    expect(forecast.rule).toMatchObject({ threshold: 1e12, horizon: '259200s', comparator: 'COMPARATOR_LESS' });
    expect(() => ruleRequest({ ...emptyRuleForm(), name: 'F', kind: 'RULE_KIND_FORECAST', expr: 'used' })).toThrow('Limit: required');
  });

  it('refuses a bad name or an empty expression before asking the server', () => {
    expect(() => ruleRequest({ ...emptyRuleForm(), name: '9lives', expr: 'up' })).toThrow('Name');
    expect(() => ruleRequest({ ...emptyRuleForm(), name: 'Ok', expr: ' ' })).toThrow('Expression: required');
  });

  it('names kinds and sources as the rules tab lists them', () => {
    expect(kindText('RULE_KIND_RATE_OF_CHANGE')).toBe('rate of change');
    expect(ruleSource({ readOnly: true, group: 'storage' })).toBe('shipped (storage)');
    expect(ruleSource({ enabled: false })).toBe('admin, disabled');
    expect(ruleSource({ enabled: true })).toBe('admin');
  });
});

describe('RuleForm', () => {
  let app;
  let root;
  afterEach(() => {
    app?.unmount();
    root?.remove();
    vi.clearAllMocks();
  });

  function mount(onCreated) {
    root = document.createElement('div');
    document.body.appendChild(root);
    app = createApp(RuleForm, { onCreated });
    app.mount(root);
  }

  async function type(selector, value) {
    const input = root.querySelector(selector);
    input.value = value;
    input.dispatchEvent(new Event('input'));
    await nextTick();
  }

  async function submit() {
    root.querySelector('form').dispatchEvent(new Event('submit', { cancelable: true }));
    await nextTick();
    await new Promise((r) => setTimeout(r, 0));
    await nextTick();
  }

  it('sends the rule and reports it created', async () => {
    const created = vi.fn();
    api.createAlertRule.mockResolvedValue({ id: 'r1', name: 'QueueDeep' });
    mount(created);
    await type('[data-testid="rule-name"]', 'QueueDeep');
    await type('[data-testid="rule-expr"]', 'queue_depth > 100');
    await type('[data-testid="rule-for"]', '2m');
    await submit();
    expect(api.createAlertRule).toHaveBeenCalledWith({
      rule: expect.objectContaining({ name: 'QueueDeep', expr: 'queue_depth > 100', pendingFor: '120s' }),
    });
    expect(created).toHaveBeenCalledWith({ id: 'r1', name: 'QueueDeep' });
  });

  it('shows the server refusing an expression, and nothing is reported created', async () => {
    const created = vi.fn();
    api.createAlertRule.mockRejectedValue(new Error('The request was not accepted: expr: 1:5: parse error'));
    mount(created);
    await type('[data-testid="rule-name"]', 'Broken');
    await type('[data-testid="rule-expr"]', 'rate(up[5m]');
    await submit();
    expect(root.querySelector('[data-testid="rule-error"]').textContent).toContain('parse error');
    expect(created).not.toHaveBeenCalled();
  });

  it('refuses a malformed duration without calling the server', async () => {
    mount(vi.fn());
    await type('[data-testid="rule-name"]', 'X');
    await type('[data-testid="rule-expr"]', 'up == 0');
    await type('[data-testid="rule-for"]', 'soon');
    await submit();
    expect(api.createAlertRule).not.toHaveBeenCalled();
    expect(root.querySelector('[data-testid="rule-error"]').textContent).toContain('For: a duration');
  });
});
