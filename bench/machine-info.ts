import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export interface MachineInfo {
  /** What `nproc` says: the CPUs this process may use. */
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  temporalCli: string;
  /** 1-minute load average when the bench started: other work on the machine skews the numbers. */
  loadAverageAtStart: number;
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

export function machineInfo(temporalCliPath: string): MachineInfo {
  let temporalCli: string;
  try {
    temporalCli = execFileSync(temporalCliPath, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    temporalCli = `unknown (${temporalCliPath})`;
  }
  return {
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    temporalCli,
    loadAverageAtStart: loadAverage(),
  };
}

/** The 1-minute load average now. */
export function loadAverageNow(): number {
  return loadAverage();
}
