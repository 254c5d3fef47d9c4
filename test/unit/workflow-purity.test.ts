import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { compilerOptions } from '../helpers/module-graph.js';
import { purityProblems, reachedFiles, type PurityRules } from '../helpers/workflow-purity.js';

// Workflow code must be deterministic (DESIGN.md): no Node built-ins, no I/O, no wall clock or
// randomness outside the SDK. The bundler catches some of this; this test names the file. It reads
// the module graph as TypeScript resolves it, so double quotes, `export ... from`, import() and
// imports two files deep are all seen.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DETERMINISTIC_DIRS = ['workflows', 'playbooks'];
// Pure on purpose and shared with workflow code: the activity contract and declarations, the one duration format.
const RULES: PurityRules = { root: ROOT, runtimeDirs: ['src', 'activities'], allowedRuntime: ['activities/contract.ts', 'activities/declarations.ts', 'src/config/duration-schema.ts'] };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const planted = mkdtempSync(join(tmpdir(), 'medic-purity-'));
after(() => rmSync(planted, { recursive: true, force: true }));

describe('workflow code purity', () => {
  const files = DETERMINISTIC_DIRS.flatMap((d) => sources(join(ROOT, d)));
  const options = compilerOptions(ROOT);

  it('finds the workflow and playbook sources, and the files they load', () => {
    assert.ok(files.length >= 8, `${files.length} sources`);
    const reached = reachedFiles(files, options, ROOT);
    assert.ok(reached.includes('activities/declarations.ts'), `the graph follows value imports out of workflows/: ${reached.join(', ')}`);
  });

  it('no workflow or playbook module, nor anything it loads, imports a Node built-in, runtime code or a non-deterministic API', () => {
    assert.deepEqual(purityProblems(files, options, RULES), []);
  });

  it('the check sees double-quoted imports, export-from, import(), require() and a built-in two imports deep', () => {
    const write = (name: string, text: string) => {
      writeFileSync(join(planted, name), text);
      return join(planted, name);
    };
    const entries = [
      write('double-quoted.ts', 'import { readFileSync } from "fs";\nexport const a = readFileSync;\n'),
      write('export-from.ts', "export { spawn } from 'node:child_process';\n"),
      write('dynamic.ts', "export async function f() { return import('node:os'); }\n"),
      write('required.ts', "declare const require: (m: string) => unknown;\nexport const n = require('net');\n"),
      write('entry.ts', "import { helper } from './helper.js';\nexport const b = helper;\n"),
      write('types-only.ts', 'import type { Stats } from "node:fs";\nimport { type Dirent } from "node:fs";\nexport type S = Stats | Dirent;\n'),
      write('random.ts', '// Math.random() in a comment is fine\nexport const r = () => Math.random();\n'),
    ];
    write('helper.ts', 'import { createHash } from "node:crypto";\nexport const helper = createHash;\n');
    const problems = purityProblems(entries, options, { root: planted, runtimeDirs: [], allowedRuntime: [] });
    const expect = [
      /^double-quoted\.ts: import of fs: a Node built-in/,
      /^export-from\.ts: export-from of node:child_process: a Node built-in/,
      /^dynamic\.ts: dynamic-import of node:os: workflow code loads modules statically only/,
      /^required\.ts: require of net: workflow code loads modules statically only/,
      /^helper\.ts \(loaded by the workflow bundle through an import\): import of node:crypto: a Node built-in/,
      /^random\.ts: uses Math\.random \(line 2\)/,
    ];
    for (const pattern of expect) assert.ok(problems.some((p) => pattern.test(p)), `${pattern} among:\n${problems.join('\n')}`);
    assert.equal(problems.length, expect.length, `nothing else is flagged (type-only imports are erased):\n${problems.join('\n')}`);
  });
});
