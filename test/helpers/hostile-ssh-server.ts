/**
 * A hostile VPS for end-to-end tests of the trust boundary (issue 12): an in-process ssh2 server on
 * 127.0.0.1 whose exec handler decides, per command, what the host answers. By default a command runs
 * under `sh -c` in a sandbox (its own HOME and CF_ROOT, a PATH whose sudo, docker, podman, loginctl and
 * systemctl only record that they were called), and its stdout may be rewritten first: the probe's
 * output, with the nonce the client sent on stdin known, models a compromised OpenClaw user. Or the
 * host answers a script, stalls, or sends one giant line in chunks. Every command is recorded.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type ParsedKey, type ServerChannel } from 'ssh2';
import { acceptOnly } from '../../src/demo/ssh-host.js';

const { Server, utils } = ssh2;

export interface ExecRequest {
  command: string;
  /** All the client wrote on stdin (it always ends it). */
  stdin: string;
  /** The probe's delimiter nonce, when the command got one on stdin (`CF_NONCE=…`). */
  nonce: string | null;
}

export type Reply =
  /** Run under sh -c in the sandbox; `rewrite` sees its whole stdout before the client does. */
  | { kind: 'run'; rewrite?: (stdout: string, request: ExecRequest) => string }
  | { kind: 'answer'; stdout?: string; stderr?: string; exitCode?: number }
  /** Send `stdout` (if any), then nothing ever again: no exit status, no close. */
  | { kind: 'stall'; stdout?: string }
  /** `bytes` of one line without a newline, in chunks that wait for the client to take them; then `after`. */
  | { kind: 'giant'; bytes: number; before?: string; after?: string; exitCode?: number };

export type Responder = (request: ExecRequest) => Reply;

export interface HostileHostOptions {
  hostKey: string;
  /** The client's public key, one authorized_keys line. */
  authorizedKey: string;
  user: string;
  /** Sandbox: HOME, the probe's root (CF_ROOT) and the stub bin dir are made under it. */
  dir: string;
  respond?: Responder;
  /** Never answer authentication (a host that hangs before a session). */
  stallAuth?: boolean;
}

export interface HostileHost {
  port: number;
  home: string;
  root: string;
  /** Where the stubs of privileged tools append `<tool> <args>` when called. */
  privilegedLog: string;
  /** Every exec command, in order of arrival. */
  commands: string[];
  close(): Promise<void>;
}

/** Tools that act with more privilege than the OpenClaw user: here they only record their calls. */
const PRIVILEGED = ['sudo', 'docker', 'podman', 'loginctl', 'systemctl', 'pm2'];

function sandbox(dir: string): { home: string; root: string; bin: string; log: string } {
  const home = join(dir, 'home');
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  const log = join(dir, 'privileged.log');
  for (const d of [home, root, bin]) mkdirSync(d, { recursive: true });
  for (const tool of PRIVILEGED) {
    writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexit 1\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  return { home, root, bin, log };
}

export async function startHostileHost(options: HostileHostOptions): Promise<HostileHost> {
  const { home, root, bin, log } = sandbox(options.dir);
  const allowed = utils.parseKey(options.authorizedKey) as ParsedKey;
  const clients = new Set<Connection>();
  const groups = new Set<number>();
  const commands: string[] = [];
  const env = { HOME: home, USER: options.user, CF_ROOT: root, PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, LANG: 'C.UTF-8' };

  const run = (channel: ServerChannel, request: ExecRequest, rewrite?: (stdout: string, request: ExecRequest) => string): void => {
    const child = spawn('sh', ['-c', request.command], { cwd: home, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid !== undefined) groups.add(child.pid);
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => (rewrite ? out.push(d) : channel.write(d)));
    child.stderr.on('data', (d: Buffer) => channel.stderr.write(d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(request.stdin);
    child.on('close', (code) => {
      if (child.pid !== undefined) groups.delete(child.pid);
      if (channel.destroyed) return;
      if (rewrite) channel.write(rewrite(Buffer.concat(out).toString('utf8'), request));
      channel.exit(code ?? 137);
      channel.end();
    });
  };

  const giant = async (channel: ServerChannel, reply: Extract<Reply, { kind: 'giant' }>): Promise<void> => {
    const chunk = Buffer.alloc(256 * 1024, 'A');
    if (reply.before) channel.write(reply.before);
    for (let sent = 0; sent < reply.bytes && !channel.destroyed; sent += chunk.length) {
      if (!channel.write(chunk.subarray(0, Math.min(chunk.length, reply.bytes - sent)))) {
        await new Promise<void>((resolve) => {
          const done = () => {
            channel.off('drain', done);
            channel.off('close', done);
            resolve();
          };
          channel.on('drain', done);
          channel.on('close', done);
        });
      }
    }
    if (channel.destroyed) return;
    if (reply.after) channel.write(reply.after);
    channel.exit(reply.exitCode ?? 0);
    channel.end();
  };

  const answer = (channel: ServerChannel, request: ExecRequest): void => {
    const reply = options.respond?.(request) ?? { kind: 'run' };
    switch (reply.kind) {
      case 'run':
        return run(channel, request, reply.rewrite);
      case 'answer':
        if (reply.stdout) channel.write(reply.stdout);
        if (reply.stderr) channel.stderr.write(reply.stderr);
        channel.exit(reply.exitCode ?? 0);
        channel.end();
        return;
      case 'stall':
        if (reply.stdout) channel.write(reply.stdout);
        return;
      case 'giant':
        void giant(channel, reply);
    }
  };

  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (!options.stallAuth) acceptOnly(ctx, options.user, allowed);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('env', (accept) => accept?.());
        session.on('exec', (accept, _reject, info: { command: string }) => {
          commands.push(info.command);
          const channel = accept();
          channel.on('error', () => undefined);
          const stdin: Buffer[] = [];
          channel.on('data', (d: Buffer) => stdin.push(d));
          channel.once('end', () => {
            const text = Buffer.concat(stdin).toString('utf8');
            answer(channel, { command: info.command, stdin: text, nonce: /(?:^|[;\s])CF_NONCE=([0-9a-f]{32})\b/.exec(text)?.[1] ?? null });
          });
        });
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    home,
    root,
    privilegedLog: log,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const pid of groups) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        for (const client of clients) client.end();
        server.close(() => resolve());
      }),
  };
}
