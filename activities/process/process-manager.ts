import type { ProcessConfig } from '../../src/config/process-schema.js';
import { CommandManager } from './command-manager.js';
import { Pm2Manager } from './pm2-manager.js';
import { SystemdManager } from './systemd-manager.js';

export { isAlive } from './is-alive.js';

/** Where a process's recent output can be read. */
export type LogSource = { kind: 'files'; files: string[] } | { kind: 'argv'; argv: string[] };

/**
 * What medic needs from whatever keeps a target's process running: its PID, a restart, and where
 * its log is. restart and diagnose are written against this; each manager is one file.
 */
export interface ProcessManager {
  /** e.g. "pm2 process checkout-api-1", for summaries. */
  readonly label: string;
  /** The main PID, or undefined when the process is not running. */
  mainPid(): Promise<number | undefined>;
  /** Ask the manager to restart it; returns once the manager has accepted the request. */
  restart(): Promise<void>;
  logSource(): Promise<LogSource | undefined>;
}

export function processManagerFor(target: string, cfg: ProcessConfig): ProcessManager {
  const field = `targets.${target}.process`;
  switch (cfg.manager) {
    case 'pm2':
      return new Pm2Manager(cfg, field);
    case 'systemd':
      return new SystemdManager(cfg, field);
    case 'command':
      return new CommandManager(cfg, field);
  }
}
