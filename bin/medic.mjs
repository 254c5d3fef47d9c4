#!/usr/bin/env node
// Entry script. The installed package runs its compiled JavaScript (dist/). A checkout, run in
// medic's own project, runs its TypeScript sources through tsx instead (scripts/cli-from-sources.mjs,
// which the package does not ship), so a developer's `npx medic` never runs a stale build. A
// checkout used as a dependency (`medic init` writes `file:<checkout>`; examples/) runs its build:
// the same modules the user's playbooks import through `medic/playbook`.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const fromSources = new URL('../scripts/cli-from-sources.mjs', import.meta.url);
const built = new URL('../dist/src/cli/main.js', import.meta.url);
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The project the command runs in: the nearest folder above the working directory with a package.json. */
function projectOf(dir) {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

const inMedicItself = projectOf(process.cwd()) === root;
const useSources = existsSync(fromSources) && (inMedicItself || !existsSync(built));
await import(useSources ? fromSources.href : built.href);
