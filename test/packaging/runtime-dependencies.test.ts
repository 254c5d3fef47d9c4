import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// What `medic` runs (bin/, src/, activities/, workflows/, playbooks/) may import only run-time
// dependencies, and every run-time dependency must be used there: development tools (PM2, the
// test kit's fast-check, playwright) stay out of a production install. The one exception is the
// test kit (src/testkit/, `medic/testkit`), which runs inside a user's tests: it may also import
// the optional peer dependencies (the SDK's test library), which those tests install themselves.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNTIME_DIRS = ['bin', 'src', 'activities', 'workflows', 'playbooks'];
const TESTKIT_DIR = 'src/testkit/';
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; peerDependencies?: Record<string, string> };
const peers = pkg.peerDependencies ?? {};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

/** The package a specifier names: `@scope/name` or `name`; undefined for relative paths and built-ins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function importedPackages(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  // import/require specifiers, and pino transports, which pino loads by package name at run time.
  const pattern = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+|transport:\s*\{\s*target:\s*)['"]([@a-z0-9][\w.\/@-]*)['"]/g;
  for (const file of RUNTIME_DIRS.flatMap((d) => sources(join(ROOT, d)))) {
    // Comments are not imports ("tells opened from joined" once read as a package named joined).
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const match of code.matchAll(pattern)) {
      const name = packageOf(match[1] ?? '');
      // medic's own name: the code `medic init` writes for a user's repository imports medic (src/scaffold/).
      if (name === pkg.name && relative(ROOT, file).startsWith('src/scaffold/')) continue;
      if (name !== undefined) used.set(name, [...(used.get(name) ?? []), relative(ROOT, file)]);
    }
  }
  return used;
}

describe('run-time dependencies', () => {
  const used = importedPackages();

  it('what medic runs imports only packages listed in dependencies', () => {
    const undeclared = [...used]
      .map(([name, files]) => [name, pkg.dependencies[name] !== undefined ? [] : peers[name] !== undefined ? files.filter((f) => !f.startsWith(TESTKIT_DIR)) : files] as const)
      .filter(([, files]) => files.length > 0)
      .map(([name, files]) => `${name} (${files[0]})`);
    assert.deepEqual(undeclared, [], 'To fix: add them to dependencies (or, for the test kit only, peerDependencies), or keep the code that needs them out of the run-time folders');
  });

  it('tsx and the SDK test library are development tools: out of dependencies, and nothing medic runs imports them', () => {
    // The installed package runs compiled JavaScript (bin/medic.mjs loads dist/) and starts the
    // dev server itself; test/packaging/packed-tarball.test.ts runs it without either installed.
    for (const devOnly of ['tsx', '@temporalio/testing']) {
      assert.equal(pkg.dependencies[devOnly], undefined, `${devOnly} is in dependencies. To fix: keep it in devDependencies`);
      const importers = (used.get(devOnly) ?? []).filter((f) => !f.startsWith(TESTKIT_DIR));
      assert.deepEqual(importers, [], `${devOnly} is imported by what medic runs. To fix: keep that import in scripts/ or test/ (or in the test kit)`);
    }
  });

  it('every package in dependencies is imported by what medic runs', () => {
    const unused = Object.keys(pkg.dependencies).filter((name) => !used.has(name));
    assert.deepEqual(unused, [], 'To fix: move them to devDependencies, or remove them');
  });
});
