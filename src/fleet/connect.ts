import type { CommandContext } from '../context.js';
import { isClawfixError } from '../errors.js';
import type { ResolvedHost } from '../inventory/types.js';
import { SshError } from '../ssh/errors.js';
import type { HostCondition } from './exit-code.js';

/** The host-level status clawfix reports (JSON `status`), and the condition that sets the exit code. */
export type ConnectionStatus = 'ok' | 'unreachable' | 'auth-failed' | 'host-key-changed' | 'host-key-unknown' | 'error';

export interface ConnectionFailure {
  status: ConnectionStatus;
  condition: HostCondition;
  message: string;
  hint?: string;
}

/** Opens the one SSH connection clawfix uses for everything on this host. */
export async function openConnection(host: ResolvedHost, ctx: CommandContext) {
  const [{ connectSsh }, { askPassphrase }] = await Promise.all([import('../transport/ssh.js'), import('../ui/ask.js')]);
  return connectSsh(host, {
    connectTimeoutMs: ctx.options.connectTimeout * 1000,
    askPassphrase,
    signal: ctx.signal,
  });
}

/** Classifies why a host could not be reached; anything unexpected stays an error of its own. */
export function describeFailure(error: unknown): ConnectionFailure {
  if (error instanceof SshError) {
    const status: ConnectionStatus =
      error.kind === 'auth-failed' || error.kind === 'passphrase-needed'
        ? 'auth-failed'
        : error.kind === 'host-key-changed' || error.kind === 'host-key-revoked'
          ? 'host-key-changed'
          : error.kind === 'host-key-unknown'
            ? 'host-key-unknown'
            : 'unreachable';
    const condition: HostCondition = status === 'host-key-changed' ? 'host-key-changed' : 'unreachable';
    return { status, condition, message: error.message, hint: error.hint };
  }
  if (isClawfixError(error)) {
    return { status: 'error', condition: 'unreachable', message: error.message, hint: error.hint };
  }
  return { status: 'error', condition: 'needs-attention', message: (error as Error)?.message ?? String(error) };
}
