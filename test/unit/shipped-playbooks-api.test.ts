import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The playbook author is a user: the shipped playbooks import exactly what a user's repository
// can (medic/playbook, which is workflows/playbook.ts here, and zod), never the engine's internals.

const DIR = fileURLToPath(new URL('../../playbooks/', import.meta.url));
const ALLOWED = new Set(['zod', '../workflows/playbook.js']);

describe('shipped playbooks', () => {
  it('import only the public playbook API and zod, as a user repository does', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    assert.ok(files.length >= 2, 'the shipped playbooks are found');
    for (const file of files) {
      const text = readFileSync(join(DIR, file), 'utf8');
      const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
      assert.ok(specifiers.length > 0, `${file} imports something`);
      for (const s of specifiers) assert.ok(ALLOWED.has(s as string), `${file} imports ${s}: use medic/playbook (workflows/playbook.ts) instead, or add it there`);
    }
  });
});
