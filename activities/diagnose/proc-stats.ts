import { readdir, readFile, readlink } from 'node:fs/promises';
import { pause } from '../support/waiting.js';

// A process's resource use from /proc (Linux). The worker runs on the machine of the processes
// it manages (it restarts them there), so /proc is the cheapest honest source.

/** Clock ticks per second for /proc/<pid>/stat times: 100 on every mainstream Linux build. */
const CLK_TCK = 100;
const PAGE_KB = 4;

export interface ProcStats {
  pid: number;
  cpuPercent: number;
  rssBytes: number;
  threads: number;
  openFiles: number;
  /** Open descriptors by kind: files, sockets, pipes, other. */
  openByKind: Record<string, number>;
}

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
}

async function statusField(pid: number, name: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status);
  return Number(match?.[1] ?? 0);
}

async function openDescriptors(pid: number): Promise<{ total: number; byKind: Record<string, number> }> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const byKind: Record<string, number> = { files: 0, sockets: 0, pipes: 0, other: 0 };
  await Promise.all(
    fds.map(async (fd) => {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const kind = target.startsWith('socket:') ? 'sockets' : target.startsWith('pipe:') ? 'pipes' : target.startsWith('/') ? 'files' : 'other';
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }),
  );
  return { total: fds.length, byKind };
}

/** CPU (measured over `sampleMs`), memory, threads and open descriptors of a live process. */
export async function procStats(pid: number, sampleMs: number): Promise<ProcStats> {
  const t0 = await cpuTicks(pid);
  const started = Date.now();
  await pause(sampleMs);
  const t1 = await cpuTicks(pid);
  const seconds = (Date.now() - started) / 1000;
  const rssKb = (await statusField(pid, 'VmRSS')) || PAGE_KB;
  const open = await openDescriptors(pid);
  return {
    pid,
    cpuPercent: Math.round(((t1 - t0) / CLK_TCK / seconds) * 1000) / 10,
    rssBytes: rssKb * 1024,
    threads: await statusField(pid, 'Threads'),
    openFiles: open.total,
    openByKind: open.byKind,
  };
}
