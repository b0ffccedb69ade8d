// The checkers checked: each mutation below breaks a correct render in one way, and the check
// that exists to catch it must report it. Without this, a checker that silently passes
// everything (a selector path read wrong, a field list not found) would look like a green chart.
import { validateObject } from './k8s-schema.mjs';
import { checkConsistency } from './consistency.mjs';

const find = (objects, kind, pred = () => true) => objects.find((o) => o.kind === kind && pred(o));
const firstContainer = (objects, kind) => find(objects, kind).spec.template.spec.containers[0];

// [what is broken, how, what the report must contain]
const mutations = [
  ['a duplicated StatefulSet name', (objs) => {
    const sets = objs.filter((o) => o.kind === 'StatefulSet');
    sets[1].metadata.name = sets[0].metadata.name;
  }, /rendered twice/],
  ['a StatefulSet name of 53 characters', (objs) => {
    find(objs, 'StatefulSet').metadata.name = 's'.repeat(53);
  }, /more than 52/],
  ['a Service name starting with a digit', (objs) => {
    find(objs, 'Service').metadata.name = '1st-datamesh-auth';
  }, /DNS-1035/],
  ['an unknown field in a pod template', (objs) => {
    firstContainer(objs, 'Deployment').imagePullPolicyy = 'Always';
  }, /imagePullPolicyy: unknown field/],
  ['a field of the wrong type', (objs) => {
    find(objs, 'Deployment').spec.replicas = 'two';
  }, /replicas must be integer/],
  ['a selector that misses its pod labels', (objs) => {
    find(objs, 'Deployment').spec.selector.matchLabels['app.kubernetes.io/component'] = 'nobody';
  }, /selector does not match/],
  ['a Service selecting no pod', (objs) => {
    find(objs, 'Service').spec.selector['app.kubernetes.io/component'] = 'nobody';
  }, /selects no pod/],
  ['a Service target port no container has', (objs) => {
    find(objs, 'Service').spec.ports[0].targetPort = 'grpcc';
  }, /targetPort grpcc is no port/],
  ['a Secret that is not rendered', (objs) => {
    firstContainer(objs, 'Deployment').envFrom.push({ secretRef: { name: 'nowhere' } });
  }, /Secret nowhere is neither rendered nor declared external/],
  ['a Secret key that does not exist', (objs) => {
    const env = firstContainer(objs, 'Deployment').env.find((e) => e.valueFrom?.secretKeyRef);
    env.valueFrom.secretKeyRef.key = 'no-such-key';
  }, /has no key no-such-key/],
  ['a probe on a port the container lacks', (objs) => {
    firstContainer(objs, 'StatefulSet').livenessProbe.tcpSocket.port = 'admin';
  }, /livenessProbe names port admin/],
  ['privilege escalation allowed', (objs) => {
    firstContainer(objs, 'StatefulSet').securityContext.allowPrivilegeEscalation = true;
  }, /allowPrivilegeEscalation is not false/],
  ['a hostPath volume', (objs) => {
    find(objs, 'Deployment').spec.template.spec.volumes.push({ name: 'host', hostPath: { path: '/' } });
  }, /volume host of type hostPath/],
];

// Returns the problems of the checkers themselves: one per mutation that went unreported.
export function selfTest(render) {
  const problems = [];
  for (const [what, mutate, expected] of mutations) {
    const objects = structuredClone(render);
    mutate(objects);
    const report = [...objects.flatMap((o) => validateObject(o)), ...checkConsistency(objects)];
    if (!report.some((p) => expected.test(p))) problems.push(`${what}: not reported (expected ${expected})`);
  }
  return problems;
}

export const mutationCount = mutations.length;
