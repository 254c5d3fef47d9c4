import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `medic dev` notes where its server and Web UI listen, so that other commands on this machine
// (`medic signal` prints a Web UI link) point at the UI it really serves, whatever --ui-port was.

const STATE_DIR = fileURLToPath(new URL('../../.medic/', import.meta.url));
export const DEV_SERVER_RECORD = join(STATE_DIR, 'dev-server.json');

export interface DevServerRecord {
  /** host:port of the dev server's frontend. */
  address: string;
  /** Base URL of its Web UI, e.g. http://localhost:8233. */
  webUi: string;
  pid: number;
}

export function writeDevServerRecord(record: DevServerRecord, file = DEV_SERVER_RECORD): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record)}\n`);
}

export function removeDevServerRecord(file = DEV_SERVER_RECORD): void {
  rmSync(file, { force: true });
}

/** The record of a `medic dev` that still runs, or undefined. */
export function readDevServerRecord(file = DEV_SERVER_RECORD): DevServerRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevServerRecord>;
    if (typeof record.address !== 'string' || typeof record.webUi !== 'string' || typeof record.pid !== 'number') return undefined;
    process.kill(record.pid, 0); // throws when that `medic dev` is gone
    return record as DevServerRecord;
  } catch {
    return undefined;
  }
}

const sameHostPort = (a: string, b: string): boolean => a.replace(/^(localhost|127\.0\.0\.1):/, 'loopback:') === b.replace(/^(localhost|127\.0\.0\.1):/, 'loopback:');

/**
 * The Web UI for a Temporal address: MEDIC_WEB_UI when set; the UI of the running `medic dev` when
 * that is the server in use; Temporal's default port otherwise.
 */
export function webUiBase(address: string, explicit: string | undefined, record = readDevServerRecord()): string {
  if (explicit !== undefined) return explicit.replace(/\/+$/, '');
  if (record !== undefined && sameHostPort(record.address, address)) return record.webUi;
  return 'http://localhost:8233';
}
