import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// `medic dev` notes where its Web UI listens, one small file per server address, so that other
// commands on this machine (`medic signal` prints a Web UI link) point at the UI it really serves,
// whatever --ui-port was. Under `.medic/` of the working directory, beside `medic dev`'s SQLite file
// and the intake's state: never inside an installed package, which a reinstall replaces.

const STATE_DIR = resolve('.medic', 'dev-servers');

export interface DevServerRecord {
  /** host:port of the dev server's frontend. */
  address: string;
  /** Base URL of its Web UI, e.g. http://localhost:8233. */
  webUi: string;
  pid: number;
}

/** localhost, 127.0.0.1 and [::1] are one machine: the same server whichever name is used. */
const normalised = (address: string): string => address.replace(/^(localhost|127\.0\.0\.1|\[::1\]):/, 'loopback:');
const recordFile = (address: string, dir: string): string => join(dir, `${normalised(address).replace(/[^A-Za-z0-9.-]/g, '_')}.json`);

export function writeDevServerRecord(record: DevServerRecord, dir = STATE_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(recordFile(record.address, dir), `${JSON.stringify(record)}\n`);
}

export function removeDevServerRecord(address: string, dir = STATE_DIR): void {
  rmSync(recordFile(address, dir), { force: true });
}

/** The record of a `medic dev` that still runs on this address, or undefined. */
export function readDevServerRecord(address: string, dir = STATE_DIR): DevServerRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(recordFile(address, dir), 'utf8')) as Partial<DevServerRecord>;
    if (typeof record.webUi !== 'string' || typeof record.pid !== 'number') return undefined;
    process.kill(record.pid, 0); // throws when that `medic dev` is gone
    return record as DevServerRecord;
  } catch {
    return undefined;
  }
}

/**
 * The Web UI for a Temporal address: MEDIC_WEB_UI when set; the UI of the `medic dev` that serves
 * this address; Temporal's default port otherwise.
 */
export function webUiBase(address: string, explicit: string | undefined, dir = STATE_DIR): string {
  if (explicit !== undefined) return explicit.replace(/\/+$/, '');
  return readDevServerRecord(address, dir)?.webUi ?? 'http://localhost:8233';
}
