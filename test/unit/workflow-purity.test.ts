import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

// Workflow code must be deterministic (DESIGN.md): no Node built-ins, no I/O, no wall clock or
// randomness outside the SDK. The bundler catches some of this; this test names the file.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DETERMINISTIC_DIRS = ['workflows', 'playbooks'];
// Modules outside workflows/ that are pure on purpose and shared with workflow code: the activity
// contract and declarations, and the one duration format.
const PURE_SHARED = /(activities\/contract|activities\/declarations|src\/config\/duration-schema)\.js$/;
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

describe('workflow code purity', () => {
  const files = DETERMINISTIC_DIRS.flatMap((d) => sources(join(ROOT, d)));

  it('finds the workflow and playbook sources', () => {
    assert.ok(files.length >= 8);
  });

  for (const file of files) {
    const rel = file.slice(ROOT.length);
    it(`${rel} imports no Node built-in and no side-effecting module`, () => {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)];
      for (const [, typeOnly, spec] of imports) {
        assert.ok(!builtins.has(spec ?? ''), `${rel} imports Node built-in ${spec}`);
        const valueImportOutside = typeOnly === undefined && /^\.\.\/(\.\.\/)?(src|activities)\//.test(spec ?? '') && !PURE_SHARED.test(spec ?? '');
        assert.ok(!valueImportOutside, `${rel} imports runtime code from ${spec}; workflows may import only types from there`);
      }
      assert.doesNotMatch(text, /Math\.random\(|setTimeout\(|process\.env|require\(/, `${rel} uses a non-deterministic API`);
    });
  }
});
