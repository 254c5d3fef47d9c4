import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Signal } from '../signals/signal-schema.js';

/** The dead-letter file inside the state directory (one JSON object a line). */
export const DEAD_LETTER_FILE = 'intake-dead-letters.jsonl';

/**
 * One signal the intake accepted (answered 2xx) but Temporal refused for good. It is kept here,
 * whole, so nothing accepted is lost: an operator can read why (`medic dead-letters`), fix the
 * cause and send it again.
 */
export interface DeadLetter {
  /** When the intake recorded it (ISO 8601). */
  at: string;
  signalId: string;
  fingerprint: string;
  incidentId: string;
  source: Signal['source'];
  status: Signal['status'];
  alertname: string;
  service: string;
  /** The gRPC status of Temporal's refusal, e.g. INVALID_ARGUMENT. */
  refusal: string;
  /** Temporal's own words. */
  reason: string;
  signal: Signal;
}

/** The state directory: `--state-dir`, else MEDIC_STATE_DIR, else `.medic` in the working directory. */
export function resolveStateDir(env: { MEDIC_STATE_DIR?: string | undefined }, flag?: string): string {
  return resolve(flag ?? env.MEDIC_STATE_DIR ?? '.medic');
}

export function deadLetterPath(stateDir: string): string {
  return join(stateDir, DEAD_LETTER_FILE);
}

/** Every record in a state directory, oldest first; none when the file does not exist yet. */
export function readDeadLetters(stateDir: string): DeadLetter[] {
  let text: string;
  try {
    text = readFileSync(deadLetterPath(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  // A line cut short by a crash mid-write is the only kind that does not parse: skip it, it was
  // never acknowledged (the 2xx waits for the write and its fsync).
  return text.split('\n').flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as DeadLetter];
    } catch {
      return [];
    }
  });
}

/**
 * The dead-letter record of one intake: an append-only file under the state directory, loaded at
 * start so it survives a restart. A signal id is recorded once: a retry of the same notification
 * (Alertmanager resends the whole group when another alert of it failed) is answered from here,
 * which stays true, instead of asking Temporal again, so nothing is retried for ever.
 */
export class DeadLetters {
  private readonly byKey = new Map<string, DeadLetter>();
  /** Records being written: a second add of the same signal waits for the same write. */
  private readonly pending = new Map<string, Promise<DeadLetter>>();
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Open (creating the directory) and load what an earlier run recorded. */
  static open(stateDir: string): DeadLetters {
    const letters = new DeadLetters(deadLetterPath(stateDir));
    try {
      mkdirSync(stateDir, { recursive: true });
      accessSync(stateDir, constants.W_OK);
      for (const letter of readDeadLetters(stateDir)) letters.byKey.set(key(letter.signal), letter);
      endLastLine(letters.path);
    } catch (err) {
      throw new Error(
        `cannot keep the intake's dead-letter record in ${stateDir}: ${(err as Error).message}. To fix: point MEDIC_STATE_DIR (or --state-dir) at a directory the intake can create and write, on a persistent volume`,
        { cause: err },
      );
    }
    return letters;
  }

  find(signal: Signal): DeadLetter | undefined {
    return this.byKey.get(key(signal));
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Append and fsync; resolves only once the record is on disk (the 2xx waits for it). */
  add(letter: DeadLetter): Promise<DeadLetter> {
    const k = key(letter.signal);
    const known = this.byKey.get(k) ?? this.pending.get(k);
    if (known !== undefined) return Promise.resolve(known);
    const line = `${JSON.stringify(letter)}\n`;
    // One write at a time, so lines never interleave.
    const write = this.writing.then(async () => {
      const file = await open(this.path, 'a', 0o600);
      try {
        await file.write(line);
        await file.sync();
      } finally {
        await file.close();
      }
      this.byKey.set(k, letter);
      return letter;
    });
    this.writing = write.catch(() => undefined);
    // Not on disk: not recorded, and the error reaches the caller, which answers 503 so the sender retries.
    const settled = write.finally(() => this.pending.delete(k));
    this.pending.set(k, settled);
    return settled;
  }
}

/** A line cut short by a crash gets its end, so the next record starts a line of its own. */
function endLastLine(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  if (size === 0) return;
  const fd = openSync(path, 'r+');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) writeSync(fd, '\n', size);
  } finally {
    closeSync(fd);
  }
}

function key(signal: Signal): string {
  return `${signal.status}\n${signal.id}`;
}
