import { open } from 'node:fs/promises';
import type { LogSource } from '../process/process-manager.js';
import { runArgv } from '../support/run-argv.js';

const MAX_LINE = 500;

/** The last `lines` lines of a file, reading at most `maxBytes` from its end. */
export async function tailFile(path: string, lines: number, maxBytes: number): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    // When the read started mid-file, its first line is partial: drop it.
    const all = text.split('\n').slice(length < size ? 1 : 0);
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}...` : l));
  } finally {
    await handle.close();
  }
}

export interface LogTail {
  source: string;
  lines: string[];
}

/** The end of a process's log(s), from files or a command such as journalctl. */
export async function tailLogs(source: LogSource, lines: number, maxBytes: number, timeoutMs: number, field: string): Promise<LogTail[]> {
  if (source.kind === 'argv') {
    const { stdout } = await runArgv([...source.argv, String(lines)], { timeoutMs, field });
    const all = stdout.split('\n').filter((l) => l !== '');
    return [{ source: source.argv[0] ?? 'command', lines: all.slice(-lines).map((l) => l.slice(0, MAX_LINE)) }];
  }
  const perFile = Math.floor(maxBytes / Math.max(1, source.files.length));
  return Promise.all(source.files.map(async (file) => ({ source: file, lines: await tailFile(file, lines, perFile) })));
}
