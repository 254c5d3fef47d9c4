import { z } from 'zod';
import { durationWithDefault } from './duration-schema.js';

/** What diagnose captures beside the process's CPU, memory and open files (from `process`). */
export const DiagnoseSchema = z
  .object({
    /** Lines taken from the end of the process's log. */
    logLines: z.number().int().min(0).max(1_000).default(50),
    /** An HTTP endpoint that describes the process's state (e.g. /debug/vars); fetched with a GET. */
    debugUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    requestTimeout: durationWithDefault('3s'),
    /** Evidence goes into the workflow history: keep it small. Caps the whole capture. */
    maxBytes: z.number().int().min(1_024).max(262_144).default(16_384),
    /** CPU use is measured over this interval. */
    cpuSample: durationWithDefault('500ms'),
  })
  .strict();
export type DiagnoseConfig = z.infer<typeof DiagnoseSchema>;
