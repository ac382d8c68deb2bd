/**
 * The Transport clawfix uses on real hosts: one ssh2 connection (through any ProxyJump hops)
 * reused for every command, host keys checked like OpenSSH, typed errors for every failure.
 */
import { homedir } from 'node:os';
import type { Duplex } from 'node:stream';
import type { HostKeyPolicy, ResolvedHost } from '../inventory/types.js';
import { openClient, type HostKeyInfo, type LinkState, type OpenedClient } from '../ssh/connect.js';
import { classifyConnectError, connectionLostError, timeoutError, type SshTarget } from '../ssh/errors.js';
import { defaultKnownHostsWriter, defaultUserKnownHostsFiles, DEFAULT_GLOBAL_KNOWN_HOSTS_FILES, type KnownHostsWriter } from '../ssh/known-hosts-store.js';
import { defaultKeyLoader, type AskPassphrase, type KeyLoader } from '../ssh/keys.js';
import { runExec, sftpDownload, type ExecContext } from './ssh-exec.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

export type { HostKeyInfo } from '../ssh/connect.js';

export interface ConnectSshOptions {
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Overrides the host's policy (e.g. a --strict flag). Changed and revoked keys are refused whatever it says. */
  hostKeyPolicy?: HostKeyPolicy;
  askPassphrase?: AskPassphrase;
  signal?: AbortSignal;
  debug?: (line: string) => void;
  knownHostsWriter?: KnownHostsWriter;
  /** Home directory for default keys and known_hosts; default os.homedir(). */
  home?: string;
  /** ssh-agent socket; default $SSH_AUTH_SOCK, null for none. */
  agentSocket?: string | null;
  /** Read-only known_hosts files; default /etc/ssh/ssh_known_hosts{,2}. */
  globalKnownHostsFiles?: string[];
  keyLoader?: KeyLoader;
  /** Concurrent channels per connection; sshd's MaxSessions defaults to 10. */
  maxSessions?: number;
}

export interface SshConnection {
  transport: SshTransport;
  hostKey: HostKeyInfo;
  /** One per ProxyJump hop, in order. */
  jumpHostKeys: HostKeyInfo[];
  timings: { connectMs: number };
}

export interface SshStats {
  packetsSent: number;
  packetsReceived: number;
  commands: number;
}

/** Waits in line for one of a few slots. */
class Slots {
  private readonly queue: (() => void)[] = [];
  constructor(private free: number) {}
  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.free++;
    }
  }
}

export class SshTransport implements Transport {
  private closed = false;
  private commands = 0;
  private readonly slots: Slots;

  constructor(
    private readonly opened: OpenedClient,
    private readonly hops: readonly OpenedClient[],
    readonly target: SshTarget,
    maxSessions = 8,
  ) {
    this.slots = new Slots(maxSessions);
  }

  private context(): ExecContext {
    const link: LinkState = this.opened.link;
    return { client: this.opened.client, target: this.target, lost: () => (this.closed ? 'closed by clawfix' : link.lostReason) };
  }

  private assertOpen(): void {
    const lost = this.context().lost();
    if (lost !== undefined) throw connectionLostError(this.target, lost);
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.assertOpen();
    this.commands++;
    return this.slots.use(() => runExec(this.context(), command, options));
  }

  async download(remotePath: string, localPath: string): Promise<void> {
    this.assertOpen();
    return this.slots.use(() => sftpDownload(this.context(), remotePath, localPath));
  }

  /** Packet counts for this connection (not its hops) and commands run, for --debug and benchmarks. */
  stats(): SshStats {
    const { packetsSent, packetsReceived } = this.opened.link;
    return { packetsSent, packetsReceived, commands: this.commands };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Target first, then the hops it tunnels through, last hop first.
    for (const c of [this.opened, ...[...this.hops].reverse()]) await endClient(c);
  }
}

function endClient({ client, link }: OpenedClient): Promise<void> {
  return new Promise((resolve) => {
    if (link.lostReason !== undefined) {
      client.destroy();
      return resolve();
    }
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 2000);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

function forward(hop: OpenedClient, next: SshTarget, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError(next, 'connect', timeoutMs)), timeoutMs);
    try {
      hop.client.forwardOut('127.0.0.1', 0, next.host, next.port, (err, stream) => {
        clearTimeout(timer);
        if (err) reject(classifyConnectError(err, next));
        else resolve(stream);
      });
    } catch (error) {
      clearTimeout(timer);
      reject(classifyConnectError(error, next));
    }
  });
}

/** Connects to `host`, through its ProxyJump hops if any, each authenticated and host-key checked on its own. */
export async function connectSsh(host: ResolvedHost, options: ConnectSshOptions = {}): Promise<SshConnection> {
  const started = performance.now();
  const home = options.home ?? homedir();
  const agentSocket = options.agentSocket === undefined ? process.env.SSH_AUTH_SOCK : options.agentSocket ?? undefined;
  const userKnownHostsFiles = host.knownHostsFiles.length > 0 ? host.knownHostsFiles : defaultUserKnownHostsFiles(home).slice(0, 1);
  const common = {
    policy: options.hostKeyPolicy ?? host.hostKeyPolicy,
    userKnownHostsFiles,
    globalKnownHostsFiles: options.globalKnownHostsFiles ?? DEFAULT_GLOBAL_KNOWN_HOSTS_FILES,
    writer: options.knownHostsWriter ?? defaultKnownHostsWriter,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
    auth: { home, keyLoader: options.keyLoader ?? defaultKeyLoader, ...(agentSocket ? { agentSocket } : {}), ...(options.askPassphrase ? { askPassphrase: options.askPassphrase } : {}) },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.debug ? { debug: options.debug } : {}),
  };
  const label = host.name;
  const finalTarget: SshTarget = { label, host: host.hostname, port: host.port, user: host.user };
  const hopTargets = host.proxyJump.map((j, i): SshTarget & { identityFiles: string[] } => ({
    label: host.proxyJump.length > 1 ? `jump host ${i + 1} ${j.host} for ${label}` : `jump host ${j.host} for ${label}`,
    host: j.host,
    port: j.port,
    user: j.user,
    identityFiles: j.identityFiles,
  }));
  const hops: OpenedClient[] = [];
  try {
    let sock: Duplex | undefined;
    let via: string | undefined;
    for (const [i, { identityFiles, ...hopTarget }] of hopTargets.entries()) {
      const target = via === undefined ? hopTarget : { ...hopTarget, via };
      // IdentityFile alone does not mean IdentitiesOnly for ssh: the agent's keys are offered too.
      const hop = await openClient({ ...common, target, identityFiles, identitiesOnly: false, ...(sock ? { sock } : {}) });
      hops.push(hop);
      via = `jump host ${hopTarget.host}:${hopTarget.port}`;
      const next = hopTargets[i + 1] ?? finalTarget;
      sock = await forward(hop, { label: next.label, host: next.host, port: next.port, user: next.user, via }, common.connectTimeoutMs);
    }
    const target = via === undefined ? finalTarget : { ...finalTarget, via };
    const opened = await openClient({ ...common, target, identityFiles: host.identityFiles, identitiesOnly: host.identitiesOnly, ...(sock ? { sock } : {}) });
    return {
      transport: new SshTransport(opened, hops, target, options.maxSessions),
      hostKey: opened.hostKey,
      jumpHostKeys: hops.map((h) => h.hostKey),
      timings: { connectMs: Math.round(performance.now() - started) },
    };
  } catch (error) {
    for (const hop of hops.reverse()) hop.client.destroy();
    throw error;
  }
}

