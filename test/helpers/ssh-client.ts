/** Per-test client side for transport tests: a temp home with a key, hosts pointing at test servers. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { ResolvedHost } from '../../src/inventory/types.js';
import { isSshError, type SshError } from '../../src/ssh/errors.js';
import { FileKnownHostsWriter } from '../../src/ssh/known-hosts-store.js';
import { KeyLoader } from '../../src/ssh/keys.js';
import { connectSsh, type ConnectSshOptions, type SshConnection } from '../../src/transport/ssh.js';
import type { TestKeyPair } from './ssh-server.js';

export interface SshClientFixture {
  /** A fresh temp home per test, never the real ~/.ssh. */
  home: string;
  /** ~/.ssh/id_ed25519 holding the client key (0600). */
  keyPath: string;
  knownHosts: string;
  hostFor(server: { port: number }, extra?: Partial<ResolvedHost>): ResolvedHost;
  /** Connects with no agent, no global known_hosts and a fresh key cache unless told otherwise; closed after the test. */
  connect(host: ResolvedHost, extra?: ConnectSshOptions): Promise<SshConnection>;
  /** The typed error a connection attempt must end with. */
  connectError(host: ResolvedHost, extra?: ConnectSshOptions): Promise<SshError>;
}

export function useSshClient(clientKey: TestKeyPair): SshClientFixture {
  const open: SshConnection[] = [];
  const f: SshClientFixture = {
    home: '',
    keyPath: '',
    knownHosts: '',
    hostFor: (server, extra = {}) => ({
      name: 'box',
      hostname: '127.0.0.1',
      port: server.port,
      user: 'tester',
      identityFiles: [f.keyPath],
      identitiesOnly: true,
      proxyJump: [],
      knownHostsFiles: [f.knownHosts],
      hostKeyPolicy: 'accept-new',
      tags: [],
      openclaw: { account: 'default' },
      sources: {},
      ...extra,
    }),
    connect: async (host, extra = {}) => {
      const options: ConnectSshOptions = {
        home: f.home,
        agentSocket: null,
        globalKnownHostsFiles: [],
        keyLoader: new KeyLoader(),
        knownHostsWriter: new FileKnownHostsWriter(),
        connectTimeoutMs: 5000,
        ...extra,
      };
      const connection = await connectSsh(host, options);
      open.push(connection);
      return connection;
    },
    connectError: async (host, extra = {}) => {
      const error: unknown = await f.connect(host, extra).then(
        () => new Error('connected although it should not have'),
        (e: unknown) => e,
      );
      if (!isSshError(error)) throw error;
      return error;
    },
  };
  beforeEach(async () => {
    f.home = await mkdtemp(join(tmpdir(), 'clawfix-ssh-'));
    await mkdir(join(f.home, '.ssh'), { mode: 0o700 });
    f.keyPath = join(f.home, '.ssh', 'id_ed25519');
    await writeFile(f.keyPath, clientKey.private, { mode: 0o600 });
    f.knownHosts = join(f.home, '.ssh', 'known_hosts');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.transport.close()));
    await rm(f.home, { recursive: true, force: true });
  });
  return f;
}

/** A loopback port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
