/**
 * An in-process SSH server on 127.0.0.1 for transport tests: publickey auth against given keys,
 * exec through `sh -c` (or scripted answers), direct-tcpip forwarding (for ProxyJump) and a
 * read-only SFTP subsystem (or none). It records what clients asked for, so tests can assert on it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { close as fsClose, fstat, mkdtempSync, open as fsOpen, read as fsRead, readFileSync, rmSync, stat } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect, type Socket } from 'node:net';
import ssh2, { type Connection, type ParsedKey, type ServerChannel, type SFTPWrapper } from 'ssh2';

const { Server, utils } = ssh2;
const STATUS = utils.sftp.STATUS_CODE;

export interface TestKeyPair {
  private: string;
  public: string;
  blob: Buffer;
  fingerprint: string;
}

function readable(pair: { private: string; public: string }): ParsedKey | undefined {
  const pub = utils.parseKey(pair.public);
  const priv = utils.parseKey(pair.private);
  if (pub instanceof Error || priv instanceof Error || Array.isArray(pub) || Array.isArray(priv)) return undefined;
  return (priv as ParsedKey).getPublicSSH().equals((pub as ParsedKey).getPublicSSH()) ? (pub as ParsedKey) : undefined;
}

/**
 * A key pair (ed25519 unless asked otherwise). Encrypted ones come from the real ssh-keygen
 * (bcrypt KDF, as users have them). ssh2's generator now and then writes a public key whose
 * leading zero byte is lost (about 1 in 256), so its output is checked and drawn again.
 */
export function keyPair(options: { passphrase?: string; type?: 'ed25519' | 'ecdsa' } = {}): TestKeyPair {
  let pair: { private: string; public: string } | undefined;
  let parsed: ParsedKey | undefined;
  for (let attempt = 0; parsed === undefined && attempt < 20; attempt++) {
    if (options.passphrase !== undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'clawfix-key-'));
      try {
        const args = ['-q', '-t', options.type ?? 'ed25519', '-a', '4', '-N', options.passphrase, '-C', 'test', '-f', join(dir, 'k')];
        execFileSync('ssh-keygen', args, { stdio: 'ignore' });
        pair = { private: readFileSync(join(dir, 'k'), 'utf8'), public: readFileSync(join(dir, 'k.pub'), 'utf8').trim() };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      parsed = utils.parseKey(pair.public) as ParsedKey;
    } else {
      pair = options.type === 'ecdsa' ? utils.generateKeyPairSync('ecdsa', { bits: 256 }) : utils.generateKeyPairSync('ed25519');
      parsed = readable(pair);
    }
  }
  if (pair === undefined || parsed === undefined) throw new Error('could not generate a usable key pair');
  const blob = parsed.getPublicSSH();
  return {
    private: pair.private,
    public: pair.public,
    blob,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
  };
}

export interface ExecScript {
  stdout?: string;
  stderr?: string;
  /** null: close the channel without any exit status. */
  exitCode?: number | null;
  delayMs?: number;
}

export interface TestServerOptions {
  hostKey?: TestKeyPair;
  /** More host keys (other algorithms) offered besides hostKey. */
  extraHostKeys?: string[];
  /** Public keys (OpenSSH one-line format) that may log in. */
  authorizedKeys: string[];
  user?: string;
  /** Exact command → scripted answer; any other command runs under `sh -c` here. */
  scripts?: Record<string, ExecScript>;
  allowForwarding?: boolean;
  /** false: no SFTP subsystem, as on servers that drop `Subsystem sftp` (the client sees it refused). */
  sftp?: boolean;
}

export interface TestSshServer {
  host: string;
  port: number;
  hostKey: TestKeyPair;
  execs: { command: string; pty: { cols: number; rows: number } | null }[];
  signals: string[];
  forwards: { host: string; port: number }[];
  /** Fingerprints of keys offered (checks and signed attempts alike). */
  offeredKeys: string[];
  connections: number;
  close(): Promise<void>;
}

function runShell(stream: ServerChannel, command: string, onSignal: (handler: () => void) => void): void {
  const child: ChildProcess = spawn('sh', ['-c', command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const kill = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  onSignal(kill);
  child.stdout?.on('data', (d: Buffer) => stream.write(d));
  child.stderr?.on('data', (d: Buffer) => stream.stderr.write(d));
  child.stdin?.on('error', () => undefined);
  stream.on('data', (d: Buffer) => child.stdin?.write(d));
  stream.on('end', () => child.stdin?.end());
  stream.on('close', kill);
  child.on('close', (code, signal) => {
    if (stream.destroyed) return;
    if (code !== null) stream.exit(code);
    else stream.exit((signal ?? 'SIGKILL').replace(/^SIG/, ''), false, '');
    stream.end();
  });
}

function runScript(stream: ServerChannel, script: ExecScript): void {
  setTimeout(() => {
    if (script.stdout) stream.write(script.stdout);
    if (script.stderr) stream.stderr.write(script.stderr);
    if (script.exitCode !== null) stream.exit(script.exitCode ?? 0);
    stream.end();
    // Without an exit status the channel must still close for the client to notice.
    if (script.exitCode === null) stream.close();
  }, script.delayMs ?? 0);
}

/** Enough SFTP (open/read/stat/close) for downloads, straight from the local file system. */
function serveSftp(sftp: SFTPWrapper): void {
  const fds = new Map<number, number>();
  let nextHandle = 0;
  const fdOf = (handle: Buffer): number | undefined => fds.get(handle.readUInt32BE(0));
  sftp.on('OPEN', (reqid: number, filename: string) => {
    fsOpen(filename, 'r', (err, fd) => {
      if (err) return sftp.status(reqid, STATUS.NO_SUCH_FILE);
      const handle = Buffer.alloc(4);
      handle.writeUInt32BE(nextHandle);
      fds.set(nextHandle++, fd);
      sftp.handle(reqid, handle);
    });
  });
  sftp.on('READ', (reqid: number, handle: Buffer, offset: number, length: number) => {
    const fd = fdOf(handle);
    if (fd === undefined) return sftp.status(reqid, STATUS.FAILURE);
    const buf = Buffer.alloc(length);
    fsRead(fd, buf, 0, length, offset, (err, n) => {
      if (err) sftp.status(reqid, STATUS.FAILURE);
      else if (n === 0) sftp.status(reqid, STATUS.EOF);
      else sftp.data(reqid, buf.subarray(0, n));
    });
  });
  const attrs = (reqid: number) => (err: Error | null, st: { mode: number; uid: number; gid: number; size: number; atimeMs: number; mtimeMs: number }) => {
    if (err) return sftp.status(reqid, STATUS.NO_SUCH_FILE);
    sftp.attrs(reqid, { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: st.atimeMs / 1000, mtime: st.mtimeMs / 1000 });
  };
  sftp.on('FSTAT', (reqid: number, handle: Buffer) => {
    const fd = fdOf(handle);
    if (fd === undefined) return sftp.status(reqid, STATUS.FAILURE);
    fstat(fd, attrs(reqid));
  });
  sftp.on('STAT', (reqid: number, path: string) => stat(path, attrs(reqid)));
  sftp.on('CLOSE', (reqid: number, handle: Buffer) => {
    const fd = fdOf(handle);
    fds.delete(handle.readUInt32BE(0));
    if (fd !== undefined) fsClose(fd, () => undefined);
    sftp.status(reqid, STATUS.OK);
  });
}

export async function startSshServer(options: TestServerOptions): Promise<TestSshServer> {
  const hostKey = options.hostKey ?? keyPair();
  const allowed = options.authorizedKeys.map((k) => utils.parseKey(k) as ParsedKey);
  const clients = new Set<Connection>();
  const state: TestSshServer = {
    host: '127.0.0.1',
    port: 0,
    hostKey,
    execs: [],
    signals: [],
    forwards: [],
    offeredKeys: [],
    connections: 0,
    close: async () => {
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = new Server({ hostKeys: [hostKey.private, ...(options.extraHostKeys ?? [])] }, (client) => {
    state.connections++;
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || (options.user !== undefined && ctx.username !== options.user)) return ctx.reject(['publickey']);
      state.offeredKeys.push(`SHA256:${createHash('sha256').update(ctx.key.data).digest('base64').replace(/=+$/, '')}`);
      const key = allowed.find((k) => k.getPublicSSH().equals(ctx.key.data));
      if (key === undefined) return ctx.reject(['publickey']);
      if (ctx.signature && (ctx.blob === undefined || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)) return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        let pty: { cols: number; rows: number } | null = null;
        let onSignal: () => void = () => undefined;
        session.on('pty', (acceptPty, _reject, info: { cols: number; rows: number }) => {
          pty = { cols: info.cols, rows: info.rows };
          acceptPty?.();
        });
        session.on('signal', (acceptSignal, _reject, info: { name: string }) => {
          state.signals.push(info.name);
          onSignal();
          acceptSignal?.();
        });
        session.on('exec', (acceptExec, _reject, info: { command: string }) => {
          state.execs.push({ command: info.command, pty });
          const stream = acceptExec();
          const script = options.scripts?.[info.command];
          if (script) runScript(stream, script);
          else runShell(stream, info.command, (handler) => (onSignal = handler));
        });
        session.on('sftp', (acceptSftp, rejectSftp) => (options.sftp === false ? rejectSftp() : serveSftp(acceptSftp())));
      });
      client.on('tcpip', (acceptTcp, reject, info: { destIP: string; destPort: number }) => {
        state.forwards.push({ host: info.destIP, port: info.destPort });
        if (options.allowForwarding === false) return reject();
        const socket: Socket = netConnect(info.destPort, info.destIP);
        socket.once('error', () => reject());
        socket.once('connect', () => {
          const stream = acceptTcp();
          stream.on('error', () => socket.destroy());
          socket.pipe(stream).pipe(socket);
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  state.port = typeof address === 'object' && address !== null ? address.port : 0;
  return state;
}
