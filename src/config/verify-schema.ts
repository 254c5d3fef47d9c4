import { z } from 'zod';
import { regexSource } from './regex-schema.js';
import { portSchema } from './argv-schema.js';
import { durationWithDefault } from './duration-schema.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const HttpCheckSchema = z
  .object({
    type: z.literal('http'),
    url: httpUrl,
    /** Statuses that count as a success. */
    expectStatus: z.union([z.number().int(), z.array(z.number().int()).min(1)]).default([200]).transform((s) => (Array.isArray(s) ? s : [s])),
    /** A regular expression the body must match. */
    bodyMatch: regexSource.optional(),
    /** Consecutive successes needed; a failure starts the count again. */
    successes: z.number().int().min(1).default(3),
    interval: durationWithDefault('1s'),
    requestTimeout: durationWithDefault('2s'),
  })
  .strict();

const TcpCheckSchema = z
  .object({
    type: z.literal('tcp'),
    host: z.string().min(1).default('127.0.0.1'),
    port: portSchema,
    interval: durationWithDefault('1s'),
    connectTimeout: durationWithDefault('2s'),
  })
  .strict();

const PrometheusCheckSchema = z
  .object({
    type: z.literal('prometheus'),
    /** Prometheus' base URL, e.g. http://prometheus:9090. */
    url: httpUrl,
    /** A PromQL instant query describing the bad condition, e.g. the 5xx rate of this backend. */
    query: z.string().min(1),
    /** Healthy when every returned value is below this; without it, only an empty result is healthy. */
    below: z.number().optional(),
    interval: durationWithDefault('2s'),
    requestTimeout: durationWithDefault('5s'),
  })
  .strict();

export const VerifyCheckSchema = z.discriminatedUnion('type', [HttpCheckSchema, TcpCheckSchema, PrometheusCheckSchema]);
export type VerifyCheck = z.infer<typeof VerifyCheckSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
export type TcpCheck = z.infer<typeof TcpCheckSchema>;
export type PrometheusCheck = z.infer<typeof PrometheusCheckSchema>;

/** verify: every check must pass before the deadline (keep it under the playbook's verify timeout). */
export const VerifySchema = z
  .object({
    deadline: durationWithDefault('30s'),
    checks: z.array(VerifyCheckSchema).min(1),
  })
  .strict();
export type VerifyConfig = z.infer<typeof VerifySchema>;
