/**
 * One authenticated ssh2 connection (the target or a jump hop): host key checked against
 * known_hosts in hostVerifier, keys offered in ssh's order, failures turned into typed errors.
 */
import { Client, type ServerHostKeyAlgorithm } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { ClawfixError } from '../errors.js';
import type { HostKeyPolicy } from '../inventory/types.js';
import { planAuth, type AuthPlanOptions } from './auth.js';
import {
  abortedError,
  authFailedError,
  classifyConnectError,
  hostKeyChangedError,
  hostKeyRevokedError,
  hostKeyUnknownError,
  oneLine,
  timeoutError,
  type SshError,
  type SshTarget,
} from './errors.js';
import { fingerprintSha256, keyTypeOf, knownKeyTypes, lookupHostKey } from './known-hosts.js';
import { readKnownHostsFiles, type KnownHostsWriter } from './known-hosts-store.js';

export interface HostKeyInfo {
  status: 'known' | 'accepted';
  type: string;
  fingerprint: string;
  /** Set when an accepted key could not be written (ssh carries on with a warning too). */
  recordWarning?: string;
}

export interface OpenOptions {
  target: SshTarget;
  identityFiles: readonly string[];
  identitiesOnly: boolean;
  /** The forwarded stream from the previous hop; absent: a TCP connection to target. */
  sock?: Duplex;
  policy: HostKeyPolicy;
  /** The first one receives new keys. */
  userKnownHostsFiles: readonly string[];
  globalKnownHostsFiles: readonly string[];
  writer: KnownHostsWriter;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  auth: Pick<AuthPlanOptions, 'home' | 'agentSocket' | 'askPassphrase' | 'keyLoader'>;
  signal?: AbortSignal;
  debug?: (line: string) => void;
}

/** Mutable connection state, read by the transport to tell a failed command from a dead link. */
export interface LinkState {
  lostReason?: string;
  /** Counted from ssh2's debug lines: a cheap measure of how chatty a probe run was. */
  packetsSent: number;
  packetsReceived: number;
}

export interface OpenedClient {
  client: Client;
  hostKey: HostKeyInfo;
  link: LinkState;
}

const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Like ssh's order_hostkeyalgs: algorithms already known for the host first, so a server with several keys shows the known one. */
export function hostKeyAlgorithmsFor(knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const first = knownTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  const known = HOST_KEY_ALGORITHMS.filter((a) => first.includes(a)).sort((a, b) => first.indexOf(a) - first.indexOf(b));
  return [...known, ...HOST_KEY_ALGORITHMS.filter((a) => !known.includes(a))];
}

/** A deadline that stops counting while we wait on the user (passphrase prompts). */
class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private waits = 0;
  constructor(
    private readonly ms: number,
    private readonly onExpire: () => void,
  ) {}
  restart(): void {
    this.stop();
    if (this.waits === 0 && this.ms > 0) this.timer = setTimeout(this.onExpire, this.ms);
  }
  wait(waiting: boolean): void {
    this.waits += waiting ? 1 : -1;
    if (this.waits > 0) this.stop();
    else this.restart();
  }
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

interface Attempt {
  hostKeyError?: SshError;
  acceptedKey?: Buffer;
  hostKey?: HostKeyInfo;
  pendingRecord?: Buffer;
}

export async function openClient(o: OpenOptions): Promise<OpenedClient> {
  const { target } = o;
  if (o.signal?.aborted) throw abortedError(target);
  const files = await readKnownHostsFiles([...o.userKnownHostsFiles, ...o.globalKnownHostsFiles]);
  const knownTypes = knownKeyTypes(files, target.host, target.port);
  let deadline: Deadline | undefined;
  const plan = await planAuth({
    ...o.auth,
    username: target.user,
    identityFiles: o.identityFiles,
    identitiesOnly: o.identitiesOnly,
    onWait: (waiting) => deadline?.wait(waiting),
    ...(o.debug ? { debug: o.debug } : {}),
  });
  const client = new Client();
  const link: LinkState = { packetsSent: 0, packetsReceived: 0 };
  const debug = (line: string): void => {
    if (line.startsWith('Outbound: Sending')) link.packetsSent++;
    else if (line.startsWith('Inbound: ') && !line.startsWith('Inbound: Handshake')) link.packetsReceived++;
    o.debug?.(line);
  };
  const attempt: Attempt = {};

  return new Promise<OpenedClient>((resolve, reject) => {
    let phase: 'connect' | 'handshake' | 'auth' = o.sock ? 'handshake' : 'connect';
    let settled = false;
    let recording: Promise<void> = Promise.resolve();
    const fail = (error: ClawfixError): void => {
      if (settled) return;
      settled = true;
      deadline?.stop();
      o.signal?.removeEventListener('abort', onAbort);
      client.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(abortedError(target));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    deadline = new Deadline(o.connectTimeoutMs, () => fail(timeoutError(target, phase, o.connectTimeoutMs)));
    deadline.restart();

    const verifyHostKey = (key: Buffer, verify: (ok: boolean) => void): void => {
      // A re-key must present the key accepted at first; anything else is a swap mid-session.
      if (attempt.acceptedKey) return verify(attempt.acceptedKey.equals(key));
      const offered = { type: keyTypeOf(key) ?? 'unknown', fingerprint: fingerprintSha256(key) };
      const lookup = lookupHostKey(files, target.host, target.port, key);
      if (lookup.status === 'revoked') attempt.hostKeyError = hostKeyRevokedError(target, offered, lookup.file, lookup.line);
      else if (lookup.status === 'changed') attempt.hostKeyError = hostKeyChangedError(target, offered, lookup.stored);
      else if (lookup.status === 'unknown' && o.policy === 'strict') {
        attempt.hostKeyError = hostKeyUnknownError(target, offered, o.userKnownHostsFiles[0] ?? '~/.ssh/known_hosts');
      }
      if (attempt.hostKeyError) return verify(false);
      attempt.acceptedKey = key;
      attempt.hostKey = { status: lookup.status === 'known' ? 'known' : 'accepted', ...offered };
      if (lookup.status === 'unknown') attempt.pendingRecord = key;
      verify(true);
    };

    client.on('handshake', () => {
      phase = 'auth';
      deadline?.restart();
      const key = attempt.pendingRecord;
      const file = o.userKnownHostsFiles[0];
      attempt.pendingRecord = undefined;
      // Recorded only now: the server has proven it holds the key (the exchange signature checked out).
      if (key === undefined) return;
      if (file === undefined) {
        if (attempt.hostKey) attempt.hostKey.recordWarning = 'no UserKnownHostsFile to record the key in';
        return;
      }
      const request = { file, host: target.host, port: target.port, key, lookupFiles: [...o.userKnownHostsFiles, ...o.globalKnownHostsFiles] };
      recording = o.writer.record(request).then(
        (result) => {
          if (result.status === 'changed') fail(hostKeyChangedError(target, attempt.hostKey ?? { type: '', fingerprint: '' }, result.stored));
          else if (result.status === 'revoked') fail(hostKeyRevokedError(target, attempt.hostKey ?? { type: '', fingerprint: '' }, result.file, result.line));
        },
        (error: unknown) => {
          if (attempt.hostKey) attempt.hostKey.recordWarning = `could not add the key to ${file}: ${(error as Error).message}`;
        },
      );
    });
    client.on('connect', () => {
      if (phase === 'connect') phase = 'handshake';
    });
    client.on('ready', () => {
      deadline?.stop();
      void recording.then(() => {
        if (settled) return;
        settled = true;
        o.signal?.removeEventListener('abort', onAbort);
        resolve({ client, hostKey: attempt.hostKey ?? { status: 'known', type: 'unknown', fingerprint: '' }, link });
      });
    });
    client.on('error', (error: Error & { level?: string }) => {
      // Agent-level errors are one key failing (its note is kept); authentication goes on.
      if (error.level === 'agent') return o.debug?.(`auth: ${error.message}`);
      if (settled) {
        link.lostReason ??= error.message;
        return;
      }
      if (attempt.hostKeyError) return fail(attempt.hostKeyError);
      if (error.level === 'client-authentication') return fail(plan.blockingError(target) ?? authFailedError(target, plan.tried(), plan.notes()));
      // sshd hangs up after MaxAuthTries ("Too many authentication failures"), e.g. with a crowded agent.
      if (phase === 'auth' && /authentication/i.test(error.message)) {
        return fail(authFailedError(target, plan.tried(), [...plan.notes(), `server: ${oneLine(error.message)}`]));
      }
      if (error.level === 'client-timeout') return fail(timeoutError(target, phase, o.connectTimeoutMs));
      fail(classifyConnectError(error, target));
    });
    client.on('close', () => {
      link.lostReason ??= 'connection closed';
      if (attempt.hostKeyError) return fail(attempt.hostKeyError);
      fail(classifyConnectError(new Error(`the server closed the connection during the ${phase === 'auth' ? 'authentication' : 'handshake'}`), target));
    });

    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      ...(o.sock ? { sock: o.sock } : {}),
      readyTimeout: 0, // our Deadline instead: it pauses during passphrase prompts
      keepaliveInterval: o.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      hostVerifier: verifyHostKey,
      authHandler: plan.authHandler,
      ...(knownTypes.length > 0 ? { algorithms: { serverHostKey: hostKeyAlgorithmsFor(knownTypes) } } : {}),
      debug,
    });
  });
}
