// Validates rendered objects against the Kubernetes API types, twice over:
//  - kubernetes-models checks every field's type, enums and required fields (its JSON schemas
//    come from the Kubernetes OpenAPI document), but lets unknown fields pass;
//  - the model classes of @kubernetes/client-node list every field each type has, which finds
//    the unknown ones (a misspelt or misplaced key that the API server would drop or refuse).
import { createRequire } from 'node:module';
import * as client from '@kubernetes/client-node';

const require = createRequire(import.meta.url);

// Kinds the chart may render that the core API does not know (CRDs): the fields the chart may
// use, from the Prometheus Operator's CRD (monitoring.coreos.com/v1); metadata as any object's.
const promDuration = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const customKinds = {
  'monitoring.coreos.com/v1/ServiceMonitor': (obj, id, problems) => {
    const allowed = {
      spec: ['selector', 'namespaceSelector', 'endpoints', 'jobLabel', 'targetLabels',
        'podTargetLabels', 'sampleLimit'],
      endpoint: ['port', 'targetPort', 'path', 'scheme', 'interval', 'scrapeTimeout', 'honorLabels',
        'relabelings', 'metricRelabelings'],
    };
    const unknown = (value, fields, where) => Object.keys(value)
      .filter((k) => !fields.includes(k))
      .forEach((k) => problems.push(`${where}.${k}: unknown field`));
    const spec = obj.spec ?? {};
    unknown(spec, allowed.spec, `${id}.spec`);
    if (!spec.selector) problems.push(`${id}.spec.selector: required`);
    unknownFields(spec.selector, 'V1LabelSelector', `${id}.spec.selector`, problems);
    if (!spec.endpoints?.length) problems.push(`${id}.spec.endpoints: required`);
    (spec.endpoints ?? []).forEach((ep, i) => {
      const where = `${id}.spec.endpoints[${i}]`;
      unknown(ep, allowed.endpoint, where);
      for (const k of ['interval', 'scrapeTimeout'].filter((x) => ep[x] !== undefined)) {
        if (!promDuration.test(ep[k])) problems.push(`${where}.${k}: ${ep[k]} is no Prometheus duration`);
      }
    });
    unknownFields(obj.metadata, 'V1ObjectMeta', `${id}.metadata`, problems);
  },
};

// PrometheusRule: the operator's RuleGroup and Rule fields (monitoring.coreos.com/v1).
customKinds['monitoring.coreos.com/v1/PrometheusRule'] = (obj, id, problems) => {
  const allowed = {
    spec: ['groups'],
    group: ['name', 'labels', 'interval', 'query_offset', 'rules', 'partial_response_strategy',
      'limit'],
    rule: ['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'],
  };
  const unknown = (value, fields, where) => Object.keys(value ?? {})
    .filter((k) => !fields.includes(k))
    .forEach((k) => problems.push(`${where}.${k}: unknown field`));
  const duration = (value, where) => {
    if (value !== undefined && !promDuration.test(value)) {
      problems.push(`${where}: ${value} is no Prometheus duration`);
    }
  };
  const stringMap = (value, where) => Object.entries(value ?? {})
    .filter(([, v]) => typeof v !== 'string')
    .forEach(([k]) => problems.push(`${where}.${k} must be a string`));
  const spec = obj.spec ?? {};
  unknown(spec, allowed.spec, `${id}.spec`);
  if (!Array.isArray(spec.groups)) problems.push(`${id}.spec.groups: required, a list`);
  const seen = new Set();
  (spec.groups ?? []).forEach((g, i) => {
    const where = `${id}.spec.groups[${i}]`;
    unknown(g, allowed.group, where);
    if (typeof g?.name !== 'string' || g.name === '') problems.push(`${where}.name: required`);
    else if (seen.has(g.name)) problems.push(`${where}.name: group ${g.name} twice`);
    seen.add(g?.name);
    duration(g?.interval, `${where}.interval`);
    stringMap(g?.labels, `${where}.labels`);
    (g?.rules ?? []).forEach((r, j) => {
      const at = `${where}.rules[${j}]`;
      unknown(r, allowed.rule, at);
      if (!r?.expr && r?.expr !== 0) problems.push(`${at}.expr: required`);
      if (Boolean(r?.record) === Boolean(r?.alert)) {
        problems.push(`${at}: needs exactly one of record, alert`);
      }
      duration(r?.for, `${at}.for`);
      duration(r?.keep_firing_for, `${at}.keep_firing_for`);
      stringMap(r?.labels, `${at}.labels`);
      stringMap(r?.annotations, `${at}.annotations`);
      if (r?.record && (r.for || r.annotations)) {
        problems.push(`${at}: a recording rule has no for or annotations`);
      }
    });
  });
  unknownFields(obj.metadata, 'V1ObjectMeta', `${id}.metadata`, problems);
};

function modelsFor(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return require(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
}

function clientTypeName(apiVersion, kind) {
  const version = apiVersion.split('/').pop();
  return version.charAt(0).toUpperCase() + version.slice(1) + kind;
}

const primitives = new Set(['string', 'number', 'boolean', 'Date', 'object', 'any', 'IntOrString']);

// Every key of `value` must be a field of client type `type`; recurses into nested types.
function unknownFields(value, type, where, problems) {
  if (value === null || value === undefined || primitives.has(type)) return;
  let m = /^Array<(.+)>$/.exec(type);
  if (m) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, m[1], `${where}[${i}]`, problems));
    return;
  }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) {
    for (const [k, v] of Object.entries(value)) unknownFields(v, m[1], `${where}.${k}`, problems);
    return;
  }
  const cls = client[type];
  if (!cls || !cls.attributeTypeMap) {
    problems.push(`${where}: no client type ${type} to check against`);
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return; // kubernetes-models reports it
  const fields = new Map(cls.attributeTypeMap.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) problems.push(`${where}.${k}: unknown field (not in ${type})`);
    else unknownFields(v, fields.get(k), `${where}.${k}`, problems);
  }
}

// Returns a list of problems (empty when the object is valid).
export function validateObject(obj) {
  const id = `${obj.kind}/${obj.metadata?.name}`;
  const problems = [];
  const custom = customKinds[`${obj.apiVersion}/${obj.kind}`];
  if (custom) {
    custom(obj, id, problems);
    return problems;
  }
  let Model;
  try {
    Model = modelsFor(obj.apiVersion)[obj.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) return [`${id}: ${obj.apiVersion} ${obj.kind} is not a Kubernetes API type`];
  try {
    new Model(obj).validate();
  } catch (e) {
    problems.push(`${id}: ${e.message}`);
  }
  unknownFields(obj, clientTypeName(obj.apiVersion, obj.kind), id, problems);
  return problems;
}
