import { ExitCode } from '../errors.js';

/** How a host ended, in the terms the exit code is defined by. */
export type HostCondition = 'ok' | 'needs-attention' | 'unreachable' | 'host-key-changed' | 'interrupted';

/** When several apply, the first of 130, 5, 3, 4 wins: a security problem is never masked. */
export function fleetExitCode(conditions: Iterable<HostCondition>): ExitCode {
  const seen = new Set(conditions);
  if (seen.has('interrupted')) return ExitCode.INTERRUPTED;
  if (seen.has('host-key-changed')) return ExitCode.HOST_KEY_CHANGED;
  if (seen.has('unreachable')) return ExitCode.UNREACHABLE;
  if (seen.has('needs-attention')) return ExitCode.NEEDS_ATTENTION;
  return ExitCode.OK;
}
