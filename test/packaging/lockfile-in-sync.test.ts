import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// `npm ci` refuses a lockfile that disagrees with package.json; deploy pipelines and CI use it, so
// a drift must fail here first, with the names, not on a newcomer's first install.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => JSON.parse(readFileSync(ROOT + file, 'utf8')) as Record<string, unknown>;

type Deps = Record<string, string>;
interface LockedPackage {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Deps;
  optionalDependencies?: Deps;
  devDependencies?: Deps;
}

const pkg = read('package.json') as { dependencies?: Deps; devDependencies?: Deps; optionalDependencies?: Deps };
const lock = read('package-lock.json') as { lockfileVersion: number; packages: Record<string, LockedPackage> };
const root = lock.packages[''] ?? {};

describe('package-lock.json', () => {
  it('declares the same dependencies as package.json, each with the same version range', () => {
    for (const kind of ['dependencies', 'devDependencies', 'optionalDependencies'] as const) {
      assert.deepEqual(root[kind] ?? {}, pkg[kind] ?? {}, `${kind} differ between package.json and package-lock.json. To fix: run \`npm install\` and commit package-lock.json`);
    }
  });

  it('locks every direct dependency at an exact version that its range allows', () => {
    const direct = { ...pkg.dependencies, ...pkg.devDependencies };
    for (const [name, range] of Object.entries(direct)) {
      const locked = lock.packages[`node_modules/${name}`];
      assert.ok(locked !== undefined, `${name} is in package.json but not in package-lock.json. To fix: run \`npm install\``);
      assert.match(range, /^\d+\.\d+\.\d+$/, `${name} must be pinned to an exact version, not "${range}"`);
      assert.equal(locked.version, range, `${name}: package.json pins ${range}, the lockfile has ${String(locked.version)}. To fix: run \`npm install\``);
    }
  });

  it('locks every dependency that a locked package asks for, optional platform builds included', () => {
    // npm ci fails on "Missing: @swc/core-darwin-arm64 from lock file" when an npm install on one
    // platform wrote only its own optional builds: every package named by a locked one must be locked.
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.version === undefined) continue;
      for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
        if (!resolves(path, name)) missing.push(`${name} (needed by ${path.replace(/^.*node_modules\//, '')})`);
      }
    }
    assert.deepEqual(missing, [], 'To fix: run `npm install` on any platform with npm >= 10 and commit package-lock.json');
  });

  it('keeps no package that nothing depends on', () => {
    const needed = new Set<string>();
    const visit = (from: string, name: string): void => {
      const path = resolvedPath(from, name);
      if (path === undefined || needed.has(path)) return;
      needed.add(path);
      const entry = lock.packages[path] ?? {};
      for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(path, dep);
    };
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies })) visit('', name);
    const orphans = Object.keys(lock.packages).filter((p) => p !== '' && !needed.has(p));
    assert.deepEqual(orphans, [], 'To fix: run `npm install` (it prunes them) and commit package-lock.json');
  });
});

/** Node's lookup: the nearest node_modules/<name> walking up from the dependent's folder. */
function resolvedPath(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (lock.packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

function resolves(from: string, name: string): boolean {
  return resolvedPath(from, name) !== undefined;
}
