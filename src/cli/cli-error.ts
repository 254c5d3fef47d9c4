/** An error the CLI prints as one line and turns into an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

/** Exit codes mean something to scripts. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** Temporal is unreachable. */
  unavailable: 3,
  /** The incident does not exist. */
  notFound: 4,
  /** The incident refused the action (its validator said no). */
  rejected: 5,
} as const;
