import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Programs the test suite and the demo start by hand, and the Debian package each comes from. */
export const SYSTEM_TOOLS = [
  { command: 'haproxy', pkg: 'haproxy' },
  { command: 'prometheus', pkg: 'prometheus' },
  // promtool unit-tests medic's own alerting rules (monitoring/prometheus); the same package.
  { command: 'promtool', pkg: 'prometheus' },
  { command: 'prometheus-alertmanager', pkg: 'prometheus-alertmanager' },
  { command: 'chromium', pkg: 'chromium' },
  // The signed-request example of docs/intake.md is run as documented.
  { command: 'openssl', pkg: 'openssl' },
  { command: 'curl', pkg: 'curl' },
] as const;

const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin'];

/** The full path of a program on PATH or in the usual system folders (haproxy lives in /usr/sbin). */
export function findCommand(command: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...SYSTEM_DIRS];
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Install what is missing with apt-get when running as root; otherwise say what to run. */
export function ensureSystemTools(log: (line: string) => void): void {
  const missing = [...new Set(SYSTEM_TOOLS.filter((t) => findCommand(t.command) === undefined).map((t) => t.pkg))];
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || findCommand('apt-get') === undefined) {
    throw new Error(`missing programs from Debian packages: ${missing.join(', ')}. To fix: run as root: ${command}`);
  }
  log(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env });
}
