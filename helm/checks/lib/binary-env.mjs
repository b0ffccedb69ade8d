// The DM_* variables the chart and compose hand to each binary, against the variables that
// binary takes. The list comes from the binaries themselves: each prints its flags with their
// environment fallbacks in --help ("--grpc-addr (DM_GRPC_ADDR)  default: …"). A variable no
// flag reads is silently ignored by the binary, so a misspelt or misplaced one would otherwise
// go unnoticed until the setting it was meant to change is missed in production.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const binaries = ['auth', 'quota', 'file-ingest', 'chunk-store', 'dht', 'monitoring',
  'governance', 'gateway', 'dm-health'];

// Returns { accepted: Map(binary -> Set of DM_* names), problems }.
export function readAcceptedEnv(binDir) {
  const accepted = new Map();
  const problems = [];
  for (const b of binaries) {
    const file = path.join(binDir, b);
    if (!existsSync(file)) {
      problems.push(`${file} is missing: build it (cmake --build <build> --target ` +
        `${b === 'dm-health' ? 'dm_health' : `${b.replace(/-/g, '_')}_bin`})`);
      continue;
    }
    const r = spawnSync(file, ['--help'], { encoding: 'utf8', timeout: 20000 });
    const names = new Set([...`${r.stdout}${r.stderr}`.matchAll(/\((DM_[A-Z0-9_]+)\)/g)]
      .map((m) => m[1]));
    if (names.size === 0) problems.push(`${file} --help lists no DM_* variable`);
    accepted.set(b, names);
  }
  return { accepted, problems };
}

const binaryOf = (command) => /^\/usr\/local\/bin\/([a-z-]+)$/.exec(command?.[0] ?? '')?.[1];

function unknownVars(where, binary, names, accepted) {
  const takes = accepted.get(binary);
  if (!takes) return [];
  return names.filter((n) => n.startsWith('DM_') && !takes.has(n))
    .map((n) => `${where} (${binary}): ${n} is no variable ${binary} takes (see ${binary} --help)`);
}

// Every container of every workload and Pod of a render: its env and the keys of the
// ConfigMaps it takes whole (envFrom). Secrets named in envFrom are the user's, not checked.
export function checkRenderEnv(objects, accepted) {
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap')
    .map((o) => [o.metadata.name, Object.keys(o.data ?? {})]));
  const problems = [];
  for (const o of objects) {
    const pod = o.kind === 'Pod' ? o.spec : o.spec?.template?.spec;
    for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
      const binary = binaryOf(c.command);
      if (!binary) continue;
      const names = [...(c.env ?? []).map((e) => e.name),
        ...(c.envFrom ?? []).flatMap((f) => configMaps.get(f.configMapRef?.name) ?? [])];
      problems.push(...unknownVars(`${o.kind}/${o.metadata.name} container ${c.name}`,
        binary, names, accepted));
    }
  }
  return problems;
}

// Every DataMesh container of deploy/compose.yaml (anchors and merge keys already resolved).
export function checkComposeEnv(compose, accepted) {
  return Object.entries(compose?.services ?? {}).flatMap(([name, s]) => {
    const binary = binaryOf(s.command);
    if (!binary) return [];
    return unknownVars(`compose ${name}`, binary, Object.keys(s.environment ?? {}), accepted);
  });
}

// Problems of the check itself: file-ingest's DM_SCRUB_INTERVAL put on a chunk-store of the
// render and of compose must be reported both times.
export function selfTestEnv(objects, compose, accepted) {
  const misplaced = /DM_SCRUB_INTERVAL is no variable chunk-store takes/;
  const problems = [];
  const broken = structuredClone(objects);
  const store = broken.find((o) => o.kind === 'StatefulSet');
  store?.spec.template.spec.containers[0].env.push({ name: 'DM_SCRUB_INTERVAL', value: '1h' });
  if (!checkRenderEnv(broken, accepted).some((p) => misplaced.test(p))) {
    problems.push('the env check missed DM_SCRUB_INTERVAL given to a chunk-store pod');
  }
  const moved = structuredClone(compose);
  moved.services['chunk-store-1'].environment.DM_SCRUB_INTERVAL = '1h';
  if (!checkComposeEnv(moved, accepted).some((p) => misplaced.test(p))) {
    problems.push('the env check missed DM_SCRUB_INTERVAL given to compose\'s chunk-store-1');
  }
  return problems;
}
