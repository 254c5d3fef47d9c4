import type { Command } from 'commander';
import { createCodecServer } from '../codec/codec-server.js';
import { createLogger } from '../logging/logger.js';
import { encryptionCodecFromEnv } from '../temporal/encryption-codec.js';
import { CliError, EXIT } from './cli-error.js';
import { cliEnv } from './context.js';

export const DEFAULT_CODEC_PORT = 8234;
export const DEFAULT_UI_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

interface CodecFlags {
  host: string;
  port: string;
  uiOrigin?: string[];
}

export function registerCodecCommand(program: Command): void {
  program
    .command('codec-server')
    .description('decrypt medic payloads for the Temporal Web UI and CLI (codec endpoint; see docs/encryption.md)')
    .option('--host <address>', 'address to listen on; anyone who reaches it can decrypt payloads they hold', '127.0.0.1')
    .option('--port <port>', 'port to listen on', String(DEFAULT_CODEC_PORT))
    .option('--ui-origin <url...>', `origin of the Web UI allowed to call it (default ${DEFAULT_UI_ORIGINS.join(' ')})`)
    .action(async (flags: CodecFlags) => {
      const env = cliEnv();
      const logger = createLogger({ level: env.MEDIC_LOG_LEVEL, name: 'medic-codec' });
      let codec;
      try {
        codec = encryptionCodecFromEnv(env);
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.usage);
      }
      if (codec === undefined) {
        throw new CliError('payload encryption is off, so there is nothing to decode. To fix: set MEDIC_ENCRYPTION_KEY or MEDIC_ENCRYPTION_KEY_FILE to the key the worker uses', EXIT.usage);
      }
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new CliError(`--port must be a port number, got "${flags.port}"`, EXIT.usage);
      const origins = flags.uiOrigin ?? DEFAULT_UI_ORIGINS;
      const app = createCodecServer({ codecs: [codec], allowedOrigins: origins, logger });
      try {
        await app.listen({ host: flags.host, port });
      } catch (err) {
        throw new CliError(`cannot listen on ${flags.host}:${port}: ${(err as Error).message}. To fix: choose another --port`, EXIT.failure);
      }
      const endpoint = `http://${flags.host}:${port}`;
      logger.info({ endpoint, origins, keyId: codec.keyId }, `codec server ready: set the Web UI's codec endpoint to ${endpoint} (temporal server start-dev --ui-codec-endpoint ${endpoint})`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await app.close();
    });
}
