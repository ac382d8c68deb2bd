/**
 * Exit codes are part of clawfix's interface (documented in the README).
 * When several apply to a fleet run, the first of HOST_KEY_CHANGED, UNREACHABLE, NEEDS_ATTENTION wins.
 */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  UNREACHABLE: 3,
  NEEDS_ATTENTION: 4,
  HOST_KEY_CHANGED: 5,
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the user can cause and fix: printed as one line plus a hint, never with a stack. */
export class ClawfixError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClawfixError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.USAGE;
  }
}

/** Bad command-line usage or a bad hosts file. */
export class UsageError extends ClawfixError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, { hint, exitCode: ExitCode.USAGE });
    this.name = 'UsageError';
  }
}

/** The message was already printed; only the exit code is left to deliver. */
export class ExitError extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
    this.name = 'ExitError';
  }
}

export function isClawfixError(error: unknown): error is ClawfixError {
  return error instanceof ClawfixError;
}
