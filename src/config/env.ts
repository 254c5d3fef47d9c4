import { z } from 'zod';

// The only place medic reads the environment (DESIGN.md: src/ reads the environment).
const EnvSchema = z.object({
  // The Temporal connection is Temporal's own environment configuration (@temporalio/envconfig):
  // these override the profile (TEMPORAL_PROFILE) of the TOML file the `temporal` CLI shares.
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /**
   * Every other TEMPORAL_* variable (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE, TEMPORAL_TLS_*,
   * TEMPORAL_GRPC_META_*), and where the default TOML file lives (HOME, XDG_CONFIG_HOME, APPDATA).
   */
  temporalEnvironment: z.record(z.string(), z.string()).default({}),
  TEMPORAL_CLI: z.string().min(1).optional(),
  /** Base URL of the Temporal Web UI for links the CLI prints, e.g. https://cloud.temporal.io. */
  MEDIC_WEB_UI: z.string().url().optional(),
  /** Path of Temporal's time-skipping test server (tests only); default: the pinned one under .tools/. */
  TEMPORAL_TEST_SERVER: z.string().min(1).optional(),
  /** Where the test kit provisions the test server when medic has no .tools/ of its own (src/testkit). */
  MEDIC_TOOLS_DIR: z.string().min(1).optional(),
  /** The user's cache directory (XDG): the test kit's default tools folder is medic/tools in it. */
  XDG_CACHE_HOME: z.string().min(1).optional(),
  MEDIC_CONFIG: z.string().min(1).optional(),
  /** host:port of the worker's Prometheus endpoint, or "off". */
  MEDIC_WORKER_METRICS: z.string().regex(/^(off|[^\s:]+:\d{1,5})$/, 'must be host:port or off').default('127.0.0.1:9464'),
  MEDIC_TASK_QUEUE: z.string().min(1).default('medic'),
  MEDIC_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  MEDIC_INTAKE_PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  MEDIC_INTAKE_TOKEN: z.string().min(1).optional(),
  MEDIC_INTAKE_HMAC_SECRET: z.string().min(1).optional(),
  /** The intake's state directory (its dead-letter record); default .medic in the working directory. */
  MEDIC_STATE_DIR: z.string().min(1).optional(),
  /** base64 AES-256 key: payloads in Temporal are encrypted when set (see docs/encryption.md). */
  MEDIC_ENCRYPTION_KEY: z.string().min(1).optional(),
  /** A file of base64 keys, one a line: the first encrypts, all decrypt (for rotation). */
  MEDIC_ENCRYPTION_KEY_FILE: z.string().min(1).optional(),
});

export type MedicEnv = z.infer<typeof EnvSchema>;

/** What Temporal's environment configuration reads; TEMPORAL_CLI is medic's own (which binary). */
const TEMPORAL_CONFIG_VARIABLE = /^(TEMPORAL_(?!CLI$)[A-Z0-9_]+|HOME|XDG_CONFIG_HOME|APPDATA)$/;

export function readEnv(source: NodeJS.ProcessEnv = process.env): MedicEnv {
  // An empty variable means "not set", as in most shells' habits (FOO= medic ...).
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const temporalEnvironment = Object.fromEntries(Object.entries(present).filter(([k]) => TEMPORAL_CONFIG_VARIABLE.test(k))) as Record<string, string>;
  const parsed = EnvSchema.safeParse({ ...present, temporalEnvironment });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`environment variable ${String(issue?.path[0])} is invalid: ${issue?.message}`);
  }
  return parsed.data;
}
