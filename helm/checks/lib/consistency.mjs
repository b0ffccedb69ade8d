// Checks across the objects of one render: what the API server accepts one object at a time
// but the release would still get wrong (a Service selecting no pod, a Secret that does not
// exist, a probe naming no port, names colliding or too long, pods Pod Security would refuse).

const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Name = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const workloadKinds = new Set(['Deployment', 'StatefulSet']);

// Kubernetes' own limits are stricter for some kinds: Service names are DNS-1035 labels; a
// StatefulSet's pods are <name>-<ordinal> and carry controller-revision-hash=<name>-<10 chars>.
const nameLimit = { StatefulSet: 52 };

const id = (o) => `${o.kind}/${o.metadata?.name}`;
const matches = (selector, labels) =>
  Object.entries(selector || {}).every(([k, v]) => labels?.[k] === v);
const containersOf = (spec) => [...(spec.initContainers || []), ...spec.containers];
const portNamesOf = (spec) =>
  new Set(containersOf(spec).flatMap((c) => (c.ports || []).map((p) => p.name)));

// Every pod the render creates, with the object that owns its template.
function podsOf(objects) {
  return objects
    .filter((o) => workloadKinds.has(o.kind) || o.kind === 'Pod')
    .map((o) => ({ owner: o, template: o.kind === 'Pod' ? o : o.spec.template }));
}

function selectorOf(o) {
  if (o.kind === 'Service') return o.spec.selector;
  if (o.kind === 'NetworkPolicy') return o.spec.podSelector?.matchLabels;
  return o.spec.selector?.matchLabels;
}

function checkNames(objects, problems) {
  const seen = new Set();
  for (const o of objects) {
    const name = o.metadata?.name ?? '';
    if (seen.has(id(o))) problems.push(`${id(o)}: rendered twice (names must be unique per kind)`);
    seen.add(id(o));
    const limit = nameLimit[o.kind] ?? 63;
    if (name.length > limit) {
      problems.push(`${id(o)}: name has ${name.length} characters, more than ${limit}`);
    }
    const [pattern, what] = o.kind === 'Service' ? [dns1035Label, 'DNS-1035 label'] : [dns1123Name, 'DNS-1123 name'];
    if (!pattern.test(name)) problems.push(`${id(o)}: not a valid ${what}`);
    for (const [k, v] of Object.entries(o.metadata?.labels || {})) {
      if (String(v).length > 63 || !labelValue.test(String(v))) {
        problems.push(`${id(o)}: label ${k}=${v} is not a valid label value`);
      }
    }
  }
}

function checkSelectors(objects, pods, problems) {
  for (const o of objects.filter((x) => workloadKinds.has(x.kind))) {
    if (!matches(o.spec.selector?.matchLabels, o.spec.template.metadata?.labels)) {
      problems.push(`${id(o)}: selector does not match its pod template's labels`);
    }
  }
  for (const o of objects.filter((x) => ['Service', 'PodDisruptionBudget', 'NetworkPolicy'].includes(x.kind))) {
    const hits = pods.filter((p) => matches(selectorOf(o), p.template.metadata?.labels));
    if (hits.length === 0) problems.push(`${id(o)}: selects no pod of the release`);
    if (o.kind !== 'Service') continue;
    for (const port of o.spec.ports || []) {
      if (typeof port.targetPort !== 'string') continue;
      for (const p of hits.filter((h) => !portNamesOf(h.template.spec).has(port.targetPort))) {
        problems.push(`${id(o)}: targetPort ${port.targetPort} is no port of ${id(p.owner)}`);
      }
    }
  }
  for (const s of objects.filter((x) => x.kind === 'StatefulSet')) {
    const svc = objects.find((x) => x.kind === 'Service' && x.metadata.name === s.spec.serviceName);
    if (!svc) problems.push(`${id(s)}: serviceName ${s.spec.serviceName} is not rendered`);
    else if (svc.spec.clusterIP !== 'None') problems.push(`${id(s)}: its Service is not headless`);
  }
  for (const h of objects.filter((x) => x.kind === 'HorizontalPodAutoscaler')) {
    const t = h.spec.scaleTargetRef;
    const target = objects.find((x) => x.kind === t.kind && x.metadata.name === t.name);
    if (!target) problems.push(`${id(h)}: target ${t.kind}/${t.name} is not rendered`);
    else if (target.spec.replicas !== undefined) {
      problems.push(`${id(target)}: sets replicas though an HPA scales it`);
    }
  }
}

function checkIngressAndMonitors(objects, problems) {
  const services = objects.filter((x) => x.kind === 'Service');
  for (const ing of objects.filter((x) => x.kind === 'Ingress')) {
    for (const path of (ing.spec.rules || []).flatMap((r) => r.http?.paths || [])) {
      const { name, port } = path.backend.service;
      const svc = services.find((s) => s.metadata.name === name);
      const hasPort = (p) => (port.name ? p.name === port.name : p.port === port.number);
      if (!svc) problems.push(`${id(ing)}: backend Service ${name} is not rendered`);
      else if (!svc.spec.ports.some(hasPort)) {
        problems.push(`${id(ing)}: Service ${name} has no port ${port.name ?? port.number}`);
      }
    }
  }
  for (const sm of objects.filter((x) => x.kind === 'ServiceMonitor')) {
    const selected = services.filter((s) => matches(sm.spec.selector?.matchLabels, s.metadata.labels));
    if (selected.length === 0) problems.push(`${id(sm)}: selects no Service`);
    for (const ep of sm.spec.endpoints || []) {
      for (const s of selected.filter((x) => !x.spec.ports.some((p) => p.name === ep.port))) {
        problems.push(`${id(sm)}: ${id(s)} has no port ${ep.port}`);
      }
    }
  }
}

// Every Secret and ConfigMap a pod reads must be rendered (with the key) or declared external;
// every port a probe names and every volume a container mounts must exist.
function checkPodReferences(objects, pods, external, problems) {
  const need = (where, kind, name, key) => {
    if (kind === 'Secret' && external.includes(name)) return;
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) problems.push(`${where}: ${kind} ${name} is neither rendered nor declared external`);
    else if (key !== undefined && !(key in { ...o.data, ...o.stringData })) {
      problems.push(`${where}: ${kind} ${name} has no key ${key}`);
    }
  };
  for (const { owner, template } of pods) {
    const where = id(owner);
    const spec = template.spec;
    const sa = spec.serviceAccountName;
    if (sa && sa !== 'default' && !objects.some((x) => x.kind === 'ServiceAccount' && x.metadata.name === sa)) {
      problems.push(`${where}: ServiceAccount ${sa} is not rendered`);
    }
    for (const v of spec.volumes || []) {
      if (v.secret) need(where, 'Secret', v.secret.secretName);
      if (v.configMap) need(where, 'ConfigMap', v.configMap.name);
    }
    const volumes = new Set([
      ...(spec.volumes || []).map((v) => v.name),
      ...(owner.spec?.volumeClaimTemplates || []).map((v) => v.metadata.name),
    ]);
    for (const c of containersOf(spec)) {
      for (const ef of c.envFrom || []) {
        if (ef.configMapRef) need(where, 'ConfigMap', ef.configMapRef.name);
        if (ef.secretRef) need(where, 'Secret', ef.secretRef.name);
      }
      for (const { valueFrom: r } of c.env || []) {
        if (r?.secretKeyRef) need(where, 'Secret', r.secretKeyRef.name, r.secretKeyRef.key);
        if (r?.configMapKeyRef) need(where, 'ConfigMap', r.configMapKeyRef.name, r.configMapKeyRef.key);
      }
      const names = new Set((c.ports || []).map((p) => p.name));
      const numbers = new Set((c.ports || []).map((p) => p.containerPort));
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
        if (typeof port === 'string' && !names.has(port)) {
          problems.push(`${where}: ${probe} names port ${port}, which ${c.name} lacks`);
        }
        const grpc = c[probe]?.grpc?.port;
        if (grpc !== undefined && !numbers.has(grpc)) {
          problems.push(`${where}: ${probe} uses port ${grpc}, which ${c.name} does not declare`);
        }
      }
      for (const m of (c.volumeMounts || []).filter((x) => !volumes.has(x.name))) {
        problems.push(`${where}: ${c.name} mounts ${m.name}, which is no volume of the pod`);
      }
    }
  }
}

// Pod Security Standards, level "restricted" (what the admission controller checks).
const restrictedVolumeTypes = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral',
  'persistentVolumeClaim', 'projected', 'secret']);

function checkRestricted(pods, problems) {
  for (const { owner, template } of pods) {
    const spec = template.spec;
    const psc = spec.securityContext || {};
    for (const host of ['hostNetwork', 'hostPID', 'hostIPC'].filter((h) => spec[h])) {
      problems.push(`${id(owner)}: ${host}`);
    }
    for (const v of spec.volumes || []) {
      const types = Object.keys(v).filter((k) => k !== 'name' && !restrictedVolumeTypes.has(k));
      if (types.length) problems.push(`${id(owner)}: volume ${v.name} of type ${types} is not allowed by "restricted"`);
    }
    for (const c of containersOf(spec)) {
      const sc = c.securityContext || {};
      const fail = (what) => problems.push(`${id(owner)} container ${c.name}: ${what}`);
      if (sc.privileged) fail('privileged');
      if (sc.allowPrivilegeEscalation !== false) fail('allowPrivilegeEscalation is not false');
      if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) fail('runAsNonRoot is not true');
      if ((sc.runAsUser ?? psc.runAsUser) === 0) fail('runs as user 0');
      const seccomp = (sc.seccompProfile ?? psc.seccompProfile)?.type;
      if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) fail('seccompProfile is not RuntimeDefault or Localhost');
      if (!(sc.capabilities?.drop || []).includes('ALL')) fail('capabilities do not drop ALL');
      const added = (sc.capabilities?.add || []).filter((x) => x !== 'NET_BIND_SERVICE');
      if (added.length) fail(`adds capabilities ${added}`);
      if ((c.ports || []).some((p) => p.hostPort)) fail('uses a hostPort');
    }
  }
}

// Returns the problems of one render. `external` names the Secrets the values say exist already.
export function checkConsistency(objects, external = []) {
  const problems = [];
  const pods = podsOf(objects);
  checkNames(objects, problems);
  checkSelectors(objects, pods, problems);
  checkIngressAndMonitors(objects, problems);
  checkPodReferences(objects, pods, external, problems);
  checkRestricted(pods, problems);
  return problems;
}
