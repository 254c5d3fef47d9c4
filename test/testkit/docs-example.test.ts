import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

// docs/testkit.md's complete example is what a playbook author copies: it must run as written,
// with only 'medic/testkit' pointed at this checkout's kit.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KIT = join(ROOT, 'src', 'testkit', 'index.ts');

function docsExample(): string {
  const doc = readFileSync(join(ROOT, 'docs', 'testkit.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## A complete example'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('docs/testkit.md has no ts block under "A complete example"');
  return block;
}

describe("the test kit's documented example", () => {
  it('passes as written in docs/testkit.md', () => {
    const source = docsExample();
    assert.match(source, /from 'medic\/testkit'/, 'the example imports the kit as a user would');
    const dir = mkdtempSync(join(tmpdir(), 'medic-testkit-doc-'));
    try {
      const file = join(dir, 'outage.test.ts');
      writeFileSync(file, source.replace("from 'medic/testkit'", `from ${JSON.stringify(KIT)}`));
      // Without NODE_TEST_CONTEXT the inner run reports for itself, not to this test runner.
      const { NODE_TEST_CONTEXT: _inner, ...env } = process.env;
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });
      const passed = Number(/^# pass (\d+)$/m.exec(run.stdout)?.[1] ?? 0);
      assert.equal(run.status, 0, `the example failed:\n${run.stdout.slice(-3_000)}\n${run.stderr.slice(-2_000)}`);
      assert.equal(passed, 3, 'its three tests ran and passed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
