// Debian's promtool (package prometheus, in tools/deps.sh) as the judge of Prometheus rule
// files and PromQL: `promtool check rules` parses every expression. A missing promtool is a
// failure that says so, never a silent pass.
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

// Returns a list of problems: empty when promtool accepts `groups` as a rule file. The file
// is left in workDir under `name` for a look by hand.
export function promtoolCheckRules(groups, workDir, name) {
  mkdirSync(workDir, { recursive: true });
  const file = path.join(workDir, name);
  writeFileSync(file, yaml.dump({ groups }, { lineWidth: -1 }));
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  if (r.error?.code === 'ENOENT') {
    return ['promtool not found: install Debian\'s prometheus package (make deps)'];
  }
  if (r.status === 0) return [];
  return [`promtool check rules ${file} refused it:`,
    ...(r.stdout + r.stderr).trim().split('\n').map((l) => `  ${l}`)];
}
