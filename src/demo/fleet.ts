/**
 * The demo fleet: one temp directory holding the fake OpenClaw install, a sandboxed HOME per
 * simulated VPS (each in its own scenario), a laptop HOME for known_hosts, a client key and a hosts
 * file. Everything it starts (SSH servers, fake gateways) is torn down by stop(), or by stopSync()
 * when the process is exiting and nothing async can run.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ClawfixError, ExitCode } from '../errors.js';
import { parsedKey, rsaPrivateKey, startSimulatedHost, type SimulatedHost } from './ssh-host.js';

const run = promisify(execFile);

/** The scenarios of the demo, one simulated VPS each, named vps-<scenario>. */
export const DEMO_SCENARIOS = ['healthy', 'transient-reconnect', 'logged-out', 'conflict', 'gateway-not-running'] as const;
export const DEMO_USER = 'demo';

export interface DemoHost {
  name: string;
  scenario: string;
  port: number;
  home: string;
  gatewayPids: number[];
}

export interface DemoFleet {
  dir: string;
  laptopHome: string;
  hostsFile: string;
  hosts: DemoHost[];
  stop(): Promise<void>;
  stopSync(): void;
}

/** dist/demo/fleet.js → <package>/docker/openclaw/ (and src/demo/ alike, under vitest). */
export function fakeOpenclawDir(): string {
  const dir = fileURLToPath(new URL('../../docker/openclaw/', import.meta.url));
  if (!existsSync(join(dir, 'lib/node_modules/openclaw/fake/scenario.mjs'))) {
    throw new ClawfixError('DEMO_FAKE_MISSING', `the demo's fake OpenClaw is missing: expected it in ${dir}`, {
      hint: 'run the demo from a clawfix checkout or a package that ships docker/openclaw/',
      exitCode: ExitCode.INTERNAL,
    });
  }
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What install.sh does, in JS: <prefix>/lib/node_modules/openclaw and bin/openclaw. */
function installFake(source: string, prefix: string): void {
  const target = join(prefix, 'lib/node_modules/openclaw');
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  cpSync(join(source, 'lib/node_modules/openclaw'), target, { recursive: true });
  chmodSync(join(target, 'openclaw.mjs'), 0o755);
  chmodSync(join(target, 'fake/scenario.mjs'), 0o755);
  symlinkSync('../lib/node_modules/openclaw/openclaw.mjs', join(prefix, 'bin/openclaw'));
}

function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after a while: a gateway logs its shutdown, which must land before the rm. */
async function stopGateways(pids: number[]): Promise<void> {
  pids.forEach((pid) => signal(pid, 'SIGTERM'));
  for (let waited = 0; waited < 3000 && pids.some((pid) => signal(pid, 0)); waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  pids.forEach((pid) => signal(pid, 'SIGKILL'));
}

/**
 * Every gateway of a simulated host: the ones its scenario started, and any started later (a fix
 * restarts the gateway as a detached process), found by the pid in each state dir's gateway lock.
 */
function gatewayPidsOf(host: DemoHost): number[] {
  const pids = new Set(host.gatewayPids);
  const states = safeList(host.home).filter((name) => name.startsWith('.openclaw')).map((name) => join(host.home, name, 'tmp'));
  for (const tmp of states) {
    for (const uidDir of safeList(tmp)) {
      for (const lock of safeList(join(tmp, uidDir)).filter((name) => /^gateway\..*\.lock$/.test(name))) {
        const pid = /"pid":\s*(\d+)/.exec(safeRead(join(tmp, uidDir, lock)))?.[1];
        if (pid) pids.add(Number(pid));
      }
    }
  }
  return [...pids];
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export async function startDemoFleet(): Promise<DemoFleet> {
  const source = fakeOpenclawDir();
  const dir = mkdtempSync(join(tmpdir(), 'clawfix-demo-'));
  const hosts: DemoHost[] = [];
  const servers: SimulatedHost[] = [];
  let stopped = false;

  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    for (const server of servers) server.killChildren();
    // At exit nothing can wait: SIGKILL, so no gateway writes into the directory after the rm.
    for (const host of hosts) gatewayPidsOf(host).forEach((pid) => signal(pid, 'SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    await Promise.all(servers.map((server) => server.close()));
    await stopGateways(hosts.flatMap(gatewayPidsOf));
    stopSync();
  };

  try {
    const prefix = join(dir, 'prefix');
    installFake(source, prefix);
    const laptopHome = join(dir, 'laptop');
    mkdirSync(join(laptopHome, '.ssh'), { recursive: true, mode: 0o700 });
    const clientPem = rsaPrivateKey();
    const identityFile = join(dir, 'id_rsa');
    writeFileSync(identityFile, clientPem, { mode: 0o600 });
    const clientKey = parsedKey(clientPem);

    await Promise.all(
      DEMO_SCENARIOS.map(async (scenario) => {
        const root = join(dir, `vps-${scenario}`);
        const home = join(root, 'home');
        const sysRoot = join(root, 'sys');
        mkdirSync(home, { recursive: true });
        mkdirSync(sysRoot);
        const host: DemoHost = { name: `vps-${scenario}`, scenario, port: 0, home, gatewayPids: [] };
        hosts.push(host);
        const args = [join(prefix, 'lib/node_modules/openclaw/fake/scenario.mjs'), scenario, '--home', home,
          '--log-file', join(root, 'openclaw.log'), '--port', String(await freePort())];
        const env = { HOME: home, PATH: `${join(prefix, 'bin')}:/usr/bin:/bin`, USER: DEMO_USER, LANG: process.env.LANG ?? 'C.UTF-8' };
        const { stdout } = await run(process.execPath, args, { cwd: home, env });
        const report = JSON.parse(stdout) as { gateways?: { pid: number }[] };
        host.gatewayPids = (report.gateways ?? []).map((gateway) => gateway.pid);
        const server = await startSimulatedHost({ hostKey: rsaPrivateKey(), clientKey, user: DEMO_USER, home, binDir: join(prefix, 'bin'), root: sysRoot });
        servers.push(server);
        host.port = server.port;
      }),
    );
    hosts.sort((a, b) => DEMO_SCENARIOS.indexOf(a.scenario as never) - DEMO_SCENARIOS.indexOf(b.scenario as never));

    const hostsFile = join(dir, 'hosts.yaml');
    const lines = [
      '# clawfix demo fleet: simulated servers on this machine (removed when the demo ends)',
      `defaults: { host: 127.0.0.1, user: ${DEMO_USER}, identityFile: ${JSON.stringify(identityFile)} }`,
      'hosts:',
      ...hosts.map((host) => `  - { name: ${host.name}, port: ${host.port}, tags: [demo] }`),
    ];
    writeFileSync(hostsFile, `${lines.join('\n')}\n`);
    return { dir, laptopHome, hostsFile, hosts, stop, stopSync };
  } catch (error) {
    await stop();
    throw error;
  }
}
