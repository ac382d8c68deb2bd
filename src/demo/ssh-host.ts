/**
 * One simulated VPS: an in-process ssh2 server on 127.0.0.1 that lets in one user with one key and
 * runs each exec under `sh -c` in a sandboxed HOME, with the fake OpenClaw first on PATH and a root of
 * its own for the probe's system paths.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2, { type AuthContext, type Connection, type ParsedKey, type ServerChannel } from 'ssh2';

const { Server, utils } = ssh2;

/** An RSA key in PKCS#1 PEM, which ssh2 reads both as a host key and as a client identity. */
/**
 * Public-key authentication for one user and one key: without a signature the client only asks
 * whether the key would do; with one, the signature must verify.
 */
export function acceptOnly(ctx: AuthContext, user: string, key: ParsedKey): void {
  if (ctx.method !== 'publickey' || ctx.username !== user || !ctx.key.data.equals(key.getPublicSSH())) return ctx.reject(['publickey']);
  if (ctx.signature && (ctx.blob === undefined || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)) return ctx.reject(['publickey']);
  ctx.accept();
}

export function rsaPrivateKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return privateKey;
}

export function parsedKey(privatePem: string): ParsedKey {
  const parsed = utils.parseKey(privatePem);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined) throw new Error('no key in PEM');
  return key;
}

export interface SimulatedHostOptions {
  hostKey: string;
  clientKey: ParsedKey;
  user: string;
  home: string;
  /** Directory put first on PATH (holds the fake `openclaw`). */
  binDir: string;
  /** The host's own `/` for the probe (CF_ROOT, src/probe/script.ts): not the machine's /tmp, /home or units. */
  root: string;
}

export interface SimulatedHost {
  port: number;
  close(): Promise<void>;
  /** Kills what the sessions still run, synchronously (for process exit). */
  killChildren(): void;
}

export async function startSimulatedHost(options: SimulatedHostOptions): Promise<SimulatedHost> {
  const children = new Set<ChildProcess>();
  const clients = new Set<Connection>();
  const env = {
    HOME: options.home,
    PATH: `${options.binDir}:/usr/bin:/bin`,
    USER: options.user,
    CF_ROOT: options.root,
    LANG: process.env.LANG ?? 'C.UTF-8',
  };

  const runShell = (channel: ServerChannel, command: string): void => {
    // Own process group, so a closed channel takes the whole pipeline with it.
    const child = spawn('sh', ['-c', command], { cwd: options.home, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.stdout.on('data', (data: Buffer) => channel.write(data));
    child.stderr.on('data', (data: Buffer) => channel.stderr.write(data));
    child.stdin.on('error', () => undefined);
    channel.on('data', (data: Buffer) => child.stdin.write(data));
    channel.on('end', () => child.stdin.end());
    channel.on('close', () => killGroup(child));
    child.on('error', (error) => {
      channel.stderr.write(`${error.message}\n`);
      channel.exit(127);
      channel.end();
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      if (channel.destroyed) return;
      if (code !== null) channel.exit(code);
      else channel.exit((signal ?? 'SIGKILL').replace(/^SIG/, ''), false, '');
      channel.end();
    });
  };

  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => acceptOnly(ctx, options.user, options.clientKey));
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('env', (accept) => accept?.());
        session.on('exec', (accept, _reject, info) => runShell(accept(), info.command));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const killChildren = (): void => {
    for (const child of children) killGroup(child);
  };
  return {
    port,
    killChildren,
    close: () =>
      new Promise<void>((resolve) => {
        killChildren();
        for (const client of clients) client.end();
        server.close(() => resolve());
      }),
  };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}
