import { z } from 'zod';
import { argvSchema, portSchema } from './argv-schema.js';
import { durationWithDefault } from './duration-schema.js';

// How medic finds, restarts and inspects a target's process. One entry per manager; the fields
// they share say what "back" means after a restart and where the log is.

const common = {
  /** After a restart, wait until something accepts TCP connections here. */
  listen: z.object({ host: z.string().min(1).default('127.0.0.1'), port: portSchema }).strict().optional(),
  /** How long a restart may take until the process is back (new PID, port listening). */
  restartTimeout: durationWithDefault('60s'),
  /** Time allowed for one command (systemctl, the restart argv, a PID lookup). */
  commandTimeout: durationWithDefault('30s'),
  /** The log diagnose tails; PM2 and systemd know their own when this is not set. */
  logFile: z.string().min(1).optional(),
};

const SystemdSchema = z
  .object({
    manager: z.literal('systemd'),
    unit: z.string().regex(/^[A-Za-z0-9:_.@\\-]+$/, 'must be a systemd unit name, e.g. checkout-api.service'),
    /** The systemctl argv prefix, e.g. [sudo, -n, systemctl] or [systemctl, --user]. */
    systemctl: argvSchema.default(['systemctl']),
    /** The journalctl argv prefix diagnose uses when no logFile is set. */
    journalctl: argvSchema.default(['journalctl']),
    ...common,
  })
  .strict();

const CommandSchema = z
  .object({
    manager: z.literal('command'),
    /** The restart command, e.g. [supervisorctl, restart, checkout-api]. */
    restart: argvSchema,
    /** How to learn the PID: a PID file, or a command that prints it (e.g. [supervisorctl, pid, checkout-api]). */
    pid: z.union([z.object({ file: z.string().min(1) }).strict(), z.object({ command: argvSchema }).strict()]),
    /** Extra environment for the commands (added to the worker's). */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string()).default({}),
    cwd: z.string().min(1).optional(),
    ...common,
  })
  .strict();

const Pm2Schema = z
  .object({
    manager: z.literal('pm2'),
    /** The PM2 process name (as in `pm2 list`). */
    name: z
      .string()
      .min(1)
      // pm2 restart also takes "all", ids and options: a name must mean exactly one app.
      .refine((n) => n !== 'all' && !/^\d+$/.test(n) && !n.startsWith('-'), 'must be the name of one PM2 app (not "all", a number or an option)'),
    /** The pm2 argv prefix, e.g. [pm2], [/usr/local/bin/pm2] or [sudo, -n, -u, app, pm2]. */
    pm2: argvSchema.default(['pm2']),
    /** PM2_HOME of the daemon that runs it; PM2's default (~/.pm2) when not set. */
    pm2Home: z.string().min(1).optional(),
    ...common,
  })
  .strict();

export const ProcessSchema = z.discriminatedUnion('manager', [SystemdSchema, CommandSchema, Pm2Schema]);
export type ProcessConfig = z.infer<typeof ProcessSchema>;
export type SystemdProcess = z.infer<typeof SystemdSchema>;
export type CommandProcess = z.infer<typeof CommandSchema>;
export type Pm2Process = z.infer<typeof Pm2Schema>;
