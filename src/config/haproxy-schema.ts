import { z } from 'zod';
import { durationWithDefault } from './duration-schema.js';
import { portSchema } from './argv-schema.js';

/** Where HAProxy's runtime API listens: its `stats socket ... level admin` line. */
export const RuntimeApiSchema = z.union([
  z.object({ socket: z.string().min(1) }).strict(),
  z.object({ host: z.string().min(1).default('127.0.0.1'), port: portSchema }).strict(),
]);
export type RuntimeApiAddress = z.infer<typeof RuntimeApiSchema>;

const haproxyName = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be an HAProxy backend or server name (letters, digits, . _ : -)');

/** isolate / rejoin through HAProxy: which server of which backend this target is. */
export const HaproxyTargetSchema = z
  .object({
    runtimeApi: RuntimeApiSchema,
    backend: haproxyName,
    server: haproxyName,
    /** drain: no new connections, current ones finish. maint: also stops health checks. */
    isolateAs: z.enum(['drain', 'maint']).default('drain'),
    /** How long isolate waits for the server's current sessions to reach zero before it goes on. */
    drainTimeout: durationWithDefault('60s'),
    /** Refuse to isolate when fewer than this many other servers of the backend would still serve. */
    minOthersServing: z.number().int().min(0).default(1),
    /** Time allowed for one runtime API command. */
    commandTimeout: durationWithDefault('5s'),
  })
  .strict();
export type HaproxyTarget = z.infer<typeof HaproxyTargetSchema>;
