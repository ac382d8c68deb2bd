/**
 * Why an SSH connection failed, as typed errors: one line naming the host and the cause, and the
 * fix in `hint`. Key material and passphrases never reach these messages; key files appear by path.
 */
import { ClawfixError, ExitCode } from '../errors.js';
import { stripControl } from '../ui/printable.js';
import { knownHostsName, removeKnownHostCommand, type StoredKey } from './known-hosts.js';

export type SshErrorKind =
  | 'dns'
  | 'refused'
  | 'timeout'
  | 'unreachable'
  | 'auth-failed'
  | 'host-key-changed'
  | 'host-key-unknown'
  | 'host-key-revoked'
  | 'passphrase-needed'
  | 'connection-lost'
  | 'download-failed'
  /** The server would not open an SFTP channel (no `Subsystem sftp`, or the channel refused). */
  | 'sftp-unavailable'
  | 'aborted';

/** Who we were talking to; `label` is the hosts-file name, or "bastion (jump host for web1)". */
export interface SshTarget {
  label: string;
  host: string;
  port: number;
  user: string;
  /** The jump host this target is reached through. */
  via?: string;
}

function exitCodeOf(kind: SshErrorKind): ExitCode {
  if (kind === 'host-key-changed' || kind === 'host-key-revoked') return ExitCode.HOST_KEY_CHANGED;
  if (kind === 'aborted') return ExitCode.INTERRUPTED;
  if (kind === 'download-failed' || kind === 'sftp-unavailable') return ExitCode.NEEDS_ATTENTION;
  return ExitCode.UNREACHABLE;
}

export class SshError extends ClawfixError {
  readonly kind: SshErrorKind;
  readonly target: SshTarget | undefined;

  constructor(kind: SshErrorKind, message: string, options: { target?: SshTarget; hint?: string; cause?: unknown } = {}) {
    super(`SSH_${kind.toUpperCase().replaceAll('-', '_')}`, oneLine(message), {
      hint: options.hint,
      exitCode: exitCodeOf(kind),
      cause: options.cause,
    });
    this.name = 'SshError';
    this.kind = kind;
    this.target = options.target;
  }
}

export function isSshError(error: unknown, kind?: SshErrorKind): error is SshError {
  return error instanceof SshError && (kind === undefined || error.kind === kind);
}

/** Text that may come from the network (server banners, disconnect reasons) is made inert. */
export function oneLine(text: string): string {
  return stripControl(text.replace(/\s*[\r\n]+\s*/g, ' ')).trim();
}

export function describeTarget(t: SshTarget): string {
  const address = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.label} (${t.user}@${address}:${t.port}${t.via === undefined ? '' : ` via ${t.via}`})`;
}

export interface OfferedKey {
  type: string;
  fingerprint: string;
}

export function hostKeyChangedError(target: SshTarget, offered: OfferedKey, stored: readonly StoredKey[]): SshError {
  const first = stored[0];
  const where = first ? `${first.file}:${first.line}` : 'known_hosts';
  const remove = first ? removeKnownHostCommand(target.host, target.port, first.file) : '';
  const sameType = first?.type === offered.type;
  const detail = sameType
    ? `known_hosts has ${first?.type} ${first?.fingerprint} (${where}), the server offered ${offered.fingerprint}`
    : `known_hosts has only ${stored.map((k) => `${k.type} ${k.fingerprint}`).join(', ')} (${where}), the server offered ${offered.type} ${offered.fingerprint} and none of the known algorithms`;
  return new SshError(
    'host-key-changed',
    `${describeTarget(target)}: host key for ${knownHostsName(target.host, target.port)} has CHANGED: ${detail}; someone could be intercepting the connection, refusing. If the server was reinstalled, verify ${offered.fingerprint} out of band, then run: ${remove}`,
    {
      target,
      hint: `Do not connect until you have checked the new fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_${offered.type.replace(/^ssh-|-sha2-nistp\d+$/g, '')}_key.pub on the server console). Then remove the old line: ${remove}`,
    },
  );
}

export function hostKeyRevokedError(target: SshTarget, offered: OfferedKey, file: string, line: number): SshError {
  return new SshError(
    'host-key-revoked',
    `${describeTarget(target)}: the server's ${offered.type} key ${offered.fingerprint} is marked @revoked in ${file}:${line}; refusing`,
    { target, hint: 'A revoked key means the server key was compromised or retired: have the server re-keyed, then record its new key.' },
  );
}

export function hostKeyUnknownError(target: SshTarget, offered: OfferedKey, file: string): SshError {
  return new SshError(
    'host-key-unknown',
    `${describeTarget(target)}: host key ${offered.type} ${offered.fingerprint} is not in known_hosts and strict host key checking is on`,
    {
      target,
      hint: `Check the fingerprint on the server (ssh-keygen -lf on its host key), then record it, e.g. ssh -p ${target.port} ${target.user}@${target.host} once, or add it to ${file}; or use the accept-new policy.`,
    },
  );
}

export function authFailedError(target: SshTarget, tried: readonly string[], notes: readonly string[]): SshError {
  const triedText = tried.length > 0 ? tried.join(', ') : 'no keys at all (no agent, no identity file found)';
  const noteText = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  return new SshError('auth-failed', `${describeTarget(target)}: authentication failed, the server accepted none of: ${triedText}${noteText}`, {
    target,
    hint: `Check that one of these public keys is in ~${target.user}/.ssh/authorized_keys on the host, or set user / identityFile for it in the hosts file or ~/.ssh/config.`,
  });
}

export function passphraseNeededError(keyPath: string, target?: SshTarget): SshError {
  const where = target ? `${describeTarget(target)}: ` : '';
  return new SshError('passphrase-needed', `${where}key ${keyPath} is encrypted and there is no terminal to ask for its passphrase`, {
    ...(target ? { target } : {}),
    hint: `Load the key into ssh-agent first (ssh-add ${keyPath}) or run clawfix in a terminal.`,
  });
}

export function timeoutError(target: SshTarget, phase: 'connect' | 'handshake' | 'auth', ms: number): SshError {
  const seconds = Math.round(ms / 100) / 10;
  const what = {
    connect: `no TCP connection to port ${target.port} within ${seconds}s`,
    handshake: `the SSH handshake did not complete within ${seconds}s`,
    auth: `authentication did not complete within ${seconds}s`,
  }[phase];
  return new SshError('timeout', `${describeTarget(target)}: ${what}`, {
    target,
    hint: 'Check that the host is up and that no firewall drops the SSH port; on a slow link raise the connect timeout (ConnectTimeout).',
  });
}

export function connectionLostError(target: SshTarget, detail: string): SshError {
  return new SshError('connection-lost', `${describeTarget(target)}: connection lost: ${detail}`, {
    target,
    hint: 'The host or the network dropped the SSH session; run clawfix again once the host answers.',
  });
}

export function abortedError(target: SshTarget): SshError {
  return new SshError('aborted', `${describeTarget(target)}: connection cancelled`, { target });
}

interface ErrnoLike {
  code?: unknown;
  message?: unknown;
  level?: unknown;
}

/** Maps a socket / ssh2 error met while connecting to its kind. */
export function classifyConnectError(error: unknown, target: SshTarget): SshError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrnoLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = oneLine(typeof e.message === 'string' ? e.message : String(error));
  const where = describeTarget(target);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || /getaddrinfo|name or service not known|could not resolve/i.test(message)) {
    return new SshError('dns', `${where}: cannot resolve host name ${target.host}${code === 'EAI_AGAIN' ? ' (DNS temporarily unavailable)' : ''}`, {
      target,
      cause: error,
      hint: 'Check the host name (hosts file `host`, or HostName in ~/.ssh/config) and this machine\'s DNS.',
    });
  }
  if (code === 'ECONNREFUSED' || /connection refused/i.test(message)) {
    return new SshError('refused', `${where}: connection refused on port ${target.port}`, {
      target,
      cause: error,
      hint: 'Is sshd running and listening on that port? Check the port in the hosts file or ~/.ssh/config and the firewall.',
    });
  }
  if (code === 'ETIMEDOUT' || e.level === 'client-timeout' || /timed out/i.test(message)) {
    return new SshError('timeout', `${where}: timed out (${message})`, {
      target,
      cause: error,
      hint: 'Check that the host is up and that no firewall drops the SSH port.',
    });
  }
  return new SshError('unreachable', `${where}: ${message || 'connection failed'}`, {
    target,
    cause: error,
    hint: 'Check that the host is up, reachable from here, and that its sshd accepts connections.',
  });
}
