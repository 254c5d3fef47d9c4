import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { PACKAGE_ROOT } from '../package-root.js';
import { medicSpec } from '../scaffold/medic-spec.js';
import { playbookRepoFiles, type ScaffoldVersions } from '../scaffold/playbook-repo-files.js';
import { CliError, EXIT } from './cli-error.js';

interface Manifest {
  version: string;
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The version medic's lockfile (when it ships one) or installed tree resolved a package to. */
function lockedVersion(name: string): string | undefined {
  try {
    const require = createRequire(join(PACKAGE_ROOT, 'package.json'));
    const sdk = require.resolve('@temporalio/proto/package.json');
    const found = createRequire(sdk).resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(found, 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** The versions the scaffold pins: medic's own, so the repository builds against what medic was tested with. */
function versions(medic: string): ScaffoldVersions {
  const own = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Manifest;
  const pick = (name: string, fallback: string) => own.dependencies[name] ?? own.devDependencies?.[name] ?? own.peerDependencies?.[name] ?? fallback;
  return {
    medic,
    zod: pick('zod', '4.6.7'),
    // The version the SDK's packages resolve to in medic's own lockfile.
    protobufjs: lockedVersion('protobufjs') ?? '8.8.1',
    testing: pick('@temporalio/testing', '1.24.0'),
    tsx: pick('tsx', '4.23.15'),
    typescript: pick('typescript', '5.9.3'),
    typesNode: pick('@types/node', '20.19.1'),
  };
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('make a repository for your own playbooks and activities: a playbook with a custom activity, its test with the test kit, a configuration and a README')
    .argument('<dir>', 'the folder to create (must not exist, or be empty)')
    .option('--name <name>', 'the package name (default: the folder name)')
    .option('--medic <spec>', 'the medic dependency to write (default: the medic that runs this command: its folder, the tarball it was installed from, or its version)')
    .addHelpText('after', '\nThen:\n  cd <dir> && npm install && npm test\n\nSee docs/extensions.md and docs/testkit.md.')
    .action((dir: string, flags: { name?: string; medic?: string }) => {
      const target = resolve(dir);
      if (existsSync(target) && readdirSync(target).length > 0) {
        throw new CliError(`${target} is not empty. To fix: name a new folder, or empty this one`, EXIT.usage);
      }
      const name = flags.name ?? basename(target).toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new CliError(`"${name}" is not a usable package name. To fix: pass --name with lowercase letters, digits, . _ -`, EXIT.usage);
      const own = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Manifest;
      const files = playbookRepoFiles(name, versions(flags.medic ?? medicSpec(PACKAGE_ROOT, own.version)));
      for (const [path, text] of Object.entries(files)) {
        const file = join(target, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
      console.log(`made ${target}: ${Object.keys(files).join(', ')}`);
      console.log(`next: cd ${dir} && npm install && npm test`);
    });
}
