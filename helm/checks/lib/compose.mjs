// deploy/compose.yaml against the chart's values.yaml, which holds the ports and dependencies
// of every service: the two ways of running DataMesh must not drift apart. Checks that every
// container runs a binary the image holds, listens where the chart says that binary listens,
// is health-checked on its gRPC port, finds the services it calls at their gRPC ports, gets
// the dependency URLs it needs, and that every depends_on and named volume exists.
const portOf = (addr) => Number(String(addr ?? '').split(':').pop());

export function checkCompose(compose, values) {
  const problems = [];
  const chart = values.services;
  const services = compose?.services ?? {};
  const binaryOf = (s) => /^\/usr\/local\/bin\/([a-z-]+)$/.exec(s?.command?.[0] ?? '')?.[1];
  const runners = (binary) => Object.keys(services).filter((n) => binaryOf(services[n]) === binary);
  for (const name of Object.keys(chart).filter((b) => runners(b).length === 0)) {
    problems.push(`no container runs ${name}`);
  }
  for (const [name, s] of Object.entries(services)) {
    for (const dep of Object.keys(s.depends_on ?? {}).filter((d) => !services[d])) {
      problems.push(`${name}: depends_on ${dep}, which is no service`);
    }
    for (const v of (s.volumes ?? []).map((x) => String(x).split(':')[0])) {
      if (!v.startsWith('.') && !v.startsWith('/') && !(v in (compose.volumes ?? {}))) {
        problems.push(`${name}: volume ${v} is not declared`);
      }
    }
    const binary = binaryOf(s);
    if (!binary) continue;
    const want = chart[binary];
    if (!want) {
      problems.push(`${name}: runs ${s.command[0]}, which is no DataMesh binary`);
      continue;
    }
    const env = s.environment ?? {};
    const expectPort = (key, port) => {
      if (port !== undefined && portOf(env[key]) !== port) {
        problems.push(`${name}: ${key}=${env[key]}, the chart's ${binary} uses port ${port}`);
      }
    };
    expectPort('DM_GRPC_ADDR', want.grpcPort);
    expectPort('DM_METRICS_ADDR', want.metricsPort);
    expectPort('DM_HTTP_ADDR', want.httpPort);
    expectPort('DM_S3_ADDR', want.s3Port);
    const test = s.healthcheck?.test ?? [];
    if (portOf(test[test.indexOf('--addr') + 1]) !== want.grpcPort) {
      problems.push(`${name}: the healthcheck does not ask the gRPC port ${want.grpcPort}`);
    }
    for (const dep of want.needs ?? []) {
      const key = { nats: 'DM_NATS_URL', postgresql: 'DM_PG_URL', redis: 'DM_REDIS_URL' }[dep];
      if (!env[key]) problems.push(`${name}: needs ${dep} but has no ${key}`);
    }
    for (const callee of want.calls ?? []) {
      if (callee === 'chunk-store') continue; // dialled at the address its heartbeats advertise
      const key = `DM_${callee.replace(/-/g, '_').toUpperCase()}_ADDR`;
      const [host, port] = String(env[key] ?? '').split(':');
      if (!runners(callee).includes(host) || Number(port) !== chart[callee].grpcPort) {
        problems.push(`${name}: ${key}=${env[key]} is not ${callee}'s gRPC port ${chart[callee].grpcPort}`);
      }
    }
    if (binary === 'chunk-store') {
      if (!env.DM_ZONE) problems.push(`${name}: no DM_ZONE`);
      if (!(s.volumes ?? []).some((v) => String(v).endsWith(':/var/lib/datamesh/chunks'))) {
        problems.push(`${name}: no volume at /var/lib/datamesh/chunks`);
      }
    }
  }
  const ids = runners('chunk-store').map((n) => services[n].environment?.DM_INSTANCE_ID);
  if (new Set(ids).size !== ids.length) problems.push('chunk-stores share a DM_INSTANCE_ID');
  return problems;
}
