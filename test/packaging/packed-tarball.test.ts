import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveTestServer } from '../../src/temporal/test-server.js';
import { freePort, LongRunning } from '../helpers/processes.js';
import { eventually } from '../helpers/temporal.js';

// medic as a user gets it: `npm pack` (its prepack builds dist/), the tarball installed into an
// empty folder outside the repository, then the installed `medic` run and its exports imported
// there. Nothing of the checkout is reachable from that folder (no sources, no tsx, no
// devDependencies), so this proves the compiled code path and the compiled workflow bundle.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** Histories recorded by the current engine (test/replay keeps them replaying). */
const HISTORIES = join(ROOT, 'test', 'fixtures', 'histories');
/** Packing builds (about 20 s) and installing resolves ~140 packages from the npm cache: bounded, not instant. */
const NPM_TIMEOUT_MS = 240_000;

const work = mkdtempSync(join(tmpdir(), 'medic-packed-'));
const app = join(work, 'app');
after(() => rmSync(work, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** npm's own variables from `npm test` would point a child npm at the checkout: children get none of them. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Nor NODE_TEST_CONTEXT: a `node --test` in a child (a scaffold's npm test) would report to this runner, not print.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') && k !== 'NODE_TEST_CONTEXT'));
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv(), timeoutMs = NPM_TIMEOUT_MS): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

function ok(r: Ran, what: string): Ran {
  assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

interface PackInfo {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string }>;
}
let packing: Promise<{ packed: Ran; info: PackInfo }> | undefined;

/** `npm pack` once for the file: both tests install the same tarball. */
function pack(): Promise<{ packed: Ran; info: PackInfo }> {
  packing ??= (async () => {
    const packed = ok(await run('npm', ['pack', '--json', '--pack-destination', work], ROOT), 'npm pack');
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackInfo[];
    assert.ok(info !== undefined, `npm pack printed its result:\n${packed.stdout}`);
    return { packed, info };
  })();
  return packing;
}

describe('the packed tarball', () => {
  it('installs in an empty folder outside the repository, runs medic from compiled JavaScript, serves an incident from the compiled workflow bundle, and exports medic and medic/playbook', async (t) => {
    // Pack: the tarball holds the build and what it needs, never the sources or the tests.
    const { packed, info } = await pack();
    const paths = info.files.map((f) => f.path);
    t.diagnostic(`tarball ${info.filename}: ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${info.entryCount} files; npm pack (with the build) took ${packed.ms} ms`);
    for (const entry of ['bin/medic.mjs', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/workflows/index.js', 'dist/workflows/playbook.js', 'dist/workflows/playbook.d.ts', 'dist/src/temporal/encoded-failure-converter.cjs', 'medic.example.yaml', 'package.json', 'README.md']) {
      assert.ok(paths.includes(entry), `the tarball has ${entry}`);
    }
    const strays = paths.filter((p) => (p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.endsWith('.d.cts')) || /^(test|scripts|bench|demo)\//.test(p) || p.startsWith('dist/test/'));
    assert.deepEqual(strays, [], 'no TypeScript sources, tests, scripts, bench or demo in the tarball');
    assert.ok(info.size < 1024 * 1024, `the tarball stays small: ${info.size} bytes`);

    // Install into an empty folder, as a user would: no devDependencies come along.
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'medic-user', version: '1.0.0', private: true, type: 'module' }));
    const installed = ok(await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, info.filename)], app), 'npm install of the tarball');
    const packages = readdirSync(join(app, 'node_modules')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(app, 'node_modules', n)).map((m) => `${n}/${m}`) : n.startsWith('.') ? [] : [n]));
    t.diagnostic(`npm install of the tarball took ${installed.ms} ms; ${packages.length} packages in node_modules`);
    for (const devOnly of ['tsx', '@temporalio/testing', 'typescript', 'fast-check', 'pm2', 'playwright-core']) {
      assert.ok(!packages.includes(devOnly), `${devOnly} is a development tool, not installed with medic`);
    }
    const medicDir = join(app, 'node_modules', 'medic');
    const sources = filesUnder(medicDir).map((f) => relative(medicDir, f)).filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'));
    assert.deepEqual(sources, [], 'the installed package has no TypeScript sources: bin/medic.mjs can only run dist/');
    assert.ok(!existsSync(join(medicDir, 'scripts')), 'nor the checkout-only loader that runs the sources');

    // The CLI, from the installed package.
    const help = ok(await run('npx', ['--no-install', 'medic', '--help'], app), 'npx medic --help');
    for (const command of ['worker', 'dev', 'signal', 'show', 'abort']) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), `medic --help lists ${command}`);

    // A real incident: the installed worker bundles dist/workflows/index.js and runs it against
    // the test run's Temporal server; the installed CLI opens the incident and reads its timeline.
    const address = process.env['MEDIC_TEST_TEMPORAL_ADDRESS'];
    assert.ok(address, 'the test runner provides MEDIC_TEST_TEMPORAL_ADDRESS');
    const env = cleanEnv({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', MEDIC_TASK_QUEUE: `packed-${randomUUID()}`, MEDIC_WORKER_METRICS: 'off', MEDIC_CONFIG: '' });
    // The installed bin itself, not through npx: npx does not pass Ctrl-C on, and the worker must stop with the test.
    const worker = new LongRunning(spawn(process.execPath, [join(app, 'node_modules', '.bin', 'medic'), 'worker'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      const t0 = Date.now();
      await worker.waitFor(/worker ready/, 120_000);
      t.diagnostic(`the installed worker bundled the compiled workflows and was ready in ${Date.now() - t0} ms`);
      const alertname = `PackedTarball${randomUUID().slice(0, 8)}`;
      const signalled = ok(await run('npx', ['--no-install', 'medic', 'signal', '--alertname', alertname, '--service', 'billing', '--severity', 'warning'], app, env, 60_000), 'medic signal');
      const incident = /^opened (incident-[0-9a-f]+)/m.exec(signalled.stdout)?.[1];
      assert.ok(incident !== undefined, `medic signal opened an incident:\n${signalled.stdout}`);
      // diagnose-and-escalate runs its steps on the installed worker, then pages and waits for a human.
      const timeline = await eventually(`${incident} to escalate on the installed worker`, async () => {
        const shown = await run('npx', ['--no-install', 'medic', 'show', incident, '--json'], app, env, 60_000);
        const parsed = JSON.parse(shown.stdout) as { timeline: Array<{ kind: string; message: string }> };
        return parsed.timeline.some((e) => e.kind === 'escalated') ? parsed.timeline : undefined;
      }, 90_000);
      assert.ok(timeline.some((e) => e.kind === 'step-succeeded' || e.kind === 'step-failed' || e.kind === 'step-dry-run'), `the worker ran the playbook's steps:\n${JSON.stringify(timeline, null, 1)}`);
      ok(await run('npx', ['--no-install', 'medic', 'abort', incident, '--by', 'packed-tarball-test', '--reason', 'test done'], app, env, 60_000), 'medic abort');
    } finally {
      await worker.stop();
    }

    // `medic dev` from the package: the CLI's dev server started without the SDK's test library,
    // its incidents kept in .medic/ of the user's folder, never inside node_modules (a reinstall replaces it).
    const cli = process.env['MEDIC_TEMPORAL_CLI_PATH'];
    assert.ok(cli, 'the test runner provides the Temporal CLI path');
    const [devPort, uiPort] = [await freePort(), await freePort()];
    const dev = new LongRunning(
      spawn(process.execPath, [join(app, 'node_modules', '.bin', 'medic'), 'dev', '--port', String(devPort), '--ui-port', String(uiPort)], {
        cwd: app,
        env: { ...env, TEMPORAL_CLI: cli, TEMPORAL_ADDRESS: `127.0.0.1:${devPort}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    try {
      await dev.waitFor(/worker ready/, 120_000);
    } finally {
      await dev.stop();
    }
    assert.ok(existsSync(join(app, '.medic', 'dev.sqlite')), `medic dev kept its incidents in the folder it ran in:\n${dev.output}`);
    assert.ok(!existsSync(join(medicDir, '.medic')), 'and wrote no state inside the installed package');

    // The exports, from an ESM script of the user's own.
    writeFileSync(
      join(app, 'uses-exports.mjs'),
      [
        "import { createMedicWorker, createActivities, loadConfig, deliverSignal, WORKFLOWS_PATH } from 'medic';",
        "import { definePlaybook, durationWithDefault } from 'medic/playbook';",
        "import { existsSync } from 'node:fs';",
        'const config = loadConfig();',
        "const pb = definePlaybook({ name: 'mine', description: 'd', params: { parse: () => ({}) }, activities: ['diagnose'], stopsOnResolve: true, run: async () => 'recovered' });",
        'console.log(JSON.stringify({ worker: typeof createMedicWorker, activities: typeof createActivities, deliver: typeof deliverSignal, duration: typeof durationWithDefault, targets: Object.keys(config.targets).length, playbook: pb.name, bundleEntry: WORKFLOWS_PATH, bundleEntryExists: existsSync(WORKFLOWS_PATH) }));',
      ].join('\n'),
    );
    const used = JSON.parse(ok(await run(process.execPath, ['uses-exports.mjs'], app), 'the ESM script').stdout) as Record<string, unknown>;
    assert.deepEqual(
      { ...used, bundleEntry: relative(app, String(used['bundleEntry'])) },
      { worker: 'function', activities: 'function', deliver: 'function', duration: 'function', targets: used['targets'], playbook: 'mine', bundleEntry: join('node_modules', 'medic', 'dist', 'workflows', 'index.js'), bundleEntryExists: true },
    );
    assert.ok(Number(used['targets']) > 0, 'loadConfig() read the example configuration shipped in the package');

    // medic/playbook in a workflow bundle of the user's own: Temporal's bundler refuses Node built-ins
    // in workflow code, so this proves the entry is fit for the sandbox, as installed.
    writeFileSync(
      join(app, 'my-workflows.mjs'),
      [
        "import { definePlaybook } from 'medic/playbook';",
        "export const mine = definePlaybook({ name: 'mine', description: 'd', params: { parse: () => ({}) }, activities: ['diagnose'], stopsOnResolve: true, run: async () => 'recovered' });",
        'export async function myWorkflow() { return mine.name; }',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'bundles.mjs'),
      [
        "import { bundleWorkflowCode } from '@temporalio/worker';",
        'const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };',
        "const { code } = await bundleWorkflowCode({ workflowsPath: new URL('./my-workflows.mjs', import.meta.url).pathname, logger: quiet });",
        "console.log(code.includes('definePlaybook') ? 'bundled definePlaybook' : 'definePlaybook missing from the bundle');",
      ].join('\n'),
    );
    assert.equal(ok(await run(process.execPath, ['bundles.mjs'], app), 'bundling a workflow that imports medic/playbook').stdout.trim(), 'bundled definePlaybook');

    // The type declarations, as a TypeScript user's compiler resolves them through `exports`.
    writeFileSync(
      join(app, 'typed.ts'),
      [
        "import { z } from 'zod';",
        "import { loadConfig, type MedicConfig, type MedicWorkerOptions } from 'medic';",
        "import { definePlaybook, durationWithDefault, type PlaybookContext } from 'medic/playbook';",
        'export const config: MedicConfig = loadConfig();',
        "export type Queue = MedicWorkerOptions['taskQueue'];",
        'export const mine = definePlaybook({',
        "  name: 'mine', description: 'a user playbook', params: z.object({ wait: durationWithDefault('10 minutes') }),",
        "  activities: ['diagnose'], stopsOnResolve: true,",
        '  async run(pb: PlaybookContext<{ wait: number }>) {',
        "    await pb.step('look', 'diagnose');",
        "    return (await pb.approval('restart?', { timeout: pb.params.wait })) === 'approved' ? 'recovered' : 'escalated';",
        '  },',
        '});',
        "// @ts-expect-error: the exports map keeps internals private",
        "import type { Nothing } from 'medic/dist/src/temporal/connect.js';",
        'export type N = Nothing;',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['typed.ts'] }),
    );
    ok(await run(process.execPath, [TSC, '-p', 'tsconfig.json'], app), 'tsc over a TypeScript user file');
  });
  it('medic init from the installed tarball makes a playbook repository whose own tests pass, and so does examples/disk-filling', async (t) => {
    const { info } = await pack();
    const tarball = join(work, info.filename);
    // The repository's pinned time-skipping server: the kit would otherwise provision its own from PyPI.
    const testServer = resolveTestServer({ install: false });
    const env = cleanEnv({ TEMPORAL_TEST_SERVER: testServer, MEDIC_CONFIG: '' });

    // A user installs medic from the tarball and runs `medic init`.
    const installer = join(work, 'installer');
    mkdirSync(installer);
    writeFileSync(join(installer, 'package.json'), JSON.stringify({ name: 'installer', version: '1.0.0', private: true }));
    ok(await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], installer), 'npm install of the tarball');
    const repo = join(work, 'my-playbooks');
    const made = ok(await run(process.execPath, [join(installer, 'node_modules', '.bin', 'medic'), 'init', repo], installer, env), 'medic init');
    assert.match(made.stdout, /made .*my-playbooks: package\.json, tsconfig\.json, \.gitignore, src\/workflows\.ts, src\/activities\.ts, test\/disk-filling\.test\.ts, medic\.yaml, README\.md/);
    const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.equal(manifest.dependencies['medic'], `file:${tarball}`, 'the scaffold depends on the tarball medic came from');

    // examples/disk-filling, as committed, on the same tarball.
    const example = join(work, 'example-disk-filling');
    cpSync(join(ROOT, 'examples', 'disk-filling'), example, { recursive: true, filter: (src) => !/node_modules|[\\/]dist([\\/]|$)/.test(src) });
    const exampleManifest = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    writeFileSync(join(example, 'package.json'), JSON.stringify({ ...exampleManifest, dependencies: { ...exampleManifest.dependencies, medic: `file:${tarball}` } }, null, 2));

    for (const [what, dir, plan] of [
      ['the scaffold', repo, /free-disk \(changes\): targets\.host-1\.disk/],
      ['examples/disk-filling', example, /command \(per call\): targets\.app-1\.commands/],
    ] as const) {
      const installed = ok(await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir, env), `npm install in ${what}`);
      const tested = ok(await run('npm', ['test'], dir, env), `npm test in ${what}`);
      const passed = /^# pass (\d+)$/m.exec(tested.stdout)?.[1];
      assert.ok(Number(passed) >= 2, `${what}: its tests ran and passed:\n${tested.stdout}`);
      assert.match(tested.stdout, /^# fail 0$/m);
      // Built, then checked by the installed medic: the configuration loads the compiled extension.
      const checked = ok(await run('npm', ['run', 'check-config'], dir, env), `npm run check-config in ${what}`);
      assert.match(checked.stdout, plan, checked.stdout);
      t.diagnostic(`${what}: npm install ${installed.ms} ms, npm test ${tested.ms} ms (${passed} tests)`);
    }

    // The check before a deploy, from the installed package: recorded incidents replay on the code
    // this repository's worker would run (medic's compiled workflows and its compiled extension).
    const replayed = ok(await run(join(repo, 'node_modules', '.bin', 'medic'), ['replay', HISTORIES, '--json'], repo, { ...env, MEDIC_CONFIG: join(repo, 'medic.yaml') }), 'medic replay in the scaffold');
    const report = JSON.parse(replayed.stdout) as { ok: boolean; histories: number; failed: number };
    assert.equal(report.ok, true, replayed.stdout);
    assert.ok(report.histories >= 20 && report.failed === 0, `every recorded history replayed: ${report.histories} histories, ${report.failed} failed`);
    t.diagnostic(`medic replay from the installed package, with the scaffold's compiled extension: ${report.histories} histories in ${replayed.ms} ms`);
  });
});
