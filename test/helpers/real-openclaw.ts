/**
 * Test hosts whose `openclaw` is the real one (2026.9.6 under Node 24), for the tests that prove
 * clawfix against it: test/integration/real-*.test.ts.
 *
 * The install is made once per machine, outside every container, by scripts/real-openclaw.sh (npm's
 * node@24 and openclaw, and a state template with the WhatsApp plugin), then mounted read-only into
 * each host at its own path; docker/sshd/scenarios/real-openclaw.sh sets the host up from it as root
 * before sshd starts. The only stand-in is `channels login` (see that script).
 *
 * With CI=true a failed install fails the tests. Elsewhere CLAWFIX_SKIP_REAL_OPENCLAW=1 skips them
 * (the install is ~1 GB from the npm registry).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe } from 'vitest';
import { quote } from '../../src/shell.js';
import { describeWithEngine, startSshHost, type SshHost, type StartSshHostOptions } from './containers.js';

const run = promisify(execFile);

export const REAL_VERSION = '2026.9.6';
/** The service user's state dir on a real host. */
export const REAL_STATE = '/home/openclaw/.openclaw';
export const REAL_CREDS = `${REAL_STATE}/credentials/whatsapp/default`;

export type RealState = 'not-linked' | 'linked' | 'whatsapp-not-configured' | 'plugin-missing';
export type RealGateway = 'run' | 'none' | 'user-unit-stopped';

const skipped = process.env.CI !== 'true' && process.env.CLAWFIX_SKIP_REAL_OPENCLAW === '1';

/** describeWithEngine, also skipped (with the reason in its title) when CLAWFIX_SKIP_REAL_OPENCLAW=1 outside CI. */
export function describeWithRealOpenclaw(name: string, fn: () => void): void {
  if (skipped) describe.skip(`${name} (CLAWFIX_SKIP_REAL_OPENCLAW=1)`, fn);
  else describeWithEngine(name, fn);
}

let install: Promise<string> | undefined;

/** The install dir, installing first when needed (minutes the first time on a machine). */
export function realOpenclawDir(): Promise<string> {
  install ??= run('bash', [resolve('scripts/real-openclaw.sh')], { maxBuffer: 16 * 1024 * 1024, timeout: 900_000 })
    .then(({ stdout }) => stdout.trim().split('\n').pop()!)
    .catch((error: unknown) => {
      const e = error as { stderr?: string; message: string };
      throw new Error(`the real OpenClaw could not be installed (scripts/real-openclaw.sh): ${e.stderr?.trim().split('\n').slice(-5).join(' / ') || e.message}`);
    });
  return install;
}

export interface RealHostOptions extends Omit<StartSshHostOptions, 'scenario' | 'readOnlyMounts'> {
  state?: RealState;
  gateway?: RealGateway;
}

/**
 * One real gateway starts at a time: several starting together on two loaded cores miss the
 * gateway's own start-up deadline ("startup migrations did not complete cleanly … gateway requires
 * state migration") and exit, as they would on a starved VPS.
 */
let gatewayStarts: Promise<unknown> = Promise.resolve();

/** A test host with the real OpenClaw for `openclaw` in the given state; with gateway 'run', listening. */
export async function startRealHost(options: RealHostOptions): Promise<SshHost> {
  const dir = await realOpenclawDir();
  const { state = 'not-linked', gateway = 'run', ...host } = options;
  const started = await startSshHost({
    ...host,
    role: 'real-openclaw',
    scenario: 'real-openclaw',
    readOnlyMounts: [dir],
    capabilities: ['NET_ADMIN'],
    env: { ...host.env, REAL_OPENCLAW_DIR: dir, REAL_OPENCLAW_STATE: state, REAL_OPENCLAW_GATEWAY: gateway === 'run' ? 'none' : gateway },
    startupTimeoutMs: 120_000,
  });
  if (gateway === 'run') {
    const turn = gatewayStarts.then(() => startGateway(started));
    gatewayStarts = turn.catch(() => undefined);
    await turn;
  }
  return started;
}

/** Where the harness's gateway writes its own stdout and stderr on the host, for a failure message. */
const GATEWAY_OUT = '/var/tmp/clawfix-test-gateway.out';

/**
 * `openclaw gateway run` as a bare process of `openclaw` (setsid -f: no shell left beside it), then
 * waits for it. A gateway that exits during start-up is started once more: on two starved cores the
 * real one gives up on its own start-up deadline ("startup migrations did not complete cleanly"), as
 * it would on a starved VPS; that is OpenClaw's behaviour, not what these tests are about.
 */
export async function startGateway(host: SshHost, attempts = 2): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    await host.execOk(`install -m 0644 -o openclaw /dev/null ${GATEWAY_OUT} && su - openclaw -c 'cd && setsid -f openclaw gateway run </dev/null >>${GATEWAY_OUT} 2>&1'`);
    try {
      return await waitForGateway(host);
    } catch (error) {
      if (attempt >= attempts || !(error instanceof GatewayExited)) throw error;
      console.log(`[real OpenClaw] the gateway exited during start-up (attempt ${attempt}), starting it again:\n${error.message}`);
    }
  }
}

/** The gateway process is gone before it listened. */
class GatewayExited extends Error {}

/**
 * Waits until the real gateway listens on its port (it takes 30–90 s on a loaded machine). Short
 * checks, polled from here: podman's Docker API (4.3) loses long-running exec sessions under load.
 * Fails early when no gateway process is left (after a grace period for a systemd restart).
 */
export async function waitForGateway(host: SshHost, port = 18789, timeoutS = 300): Promise<number> {
  const started = Date.now();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let goneSince: number | undefined;
  while (Date.now() - started < timeoutS * 1000) {
    const r = await host
      // starting while openclaw has any process: the gateway is titled plain `openclaw` until its run loop starts
      .exec(`grep -q ':${hex} [0-9A-F:]* 0A' /proc/net/tcp /proc/net/tcp6 && echo listening || { pgrep -u openclaw >/dev/null && echo starting || echo gone; }`)
      .catch(() => null);
    const said = r?.stdout.trim();
    if (said === 'listening') return Date.now() - started;
    goneSince = said === 'gone' ? (goneSince ?? Date.now()) : undefined;
    if (goneSince !== undefined && Date.now() - goneSince > 15_000) throw new GatewayExited(`the gateway exited before it listened on port ${port}\n${await whatTheGatewaySaid(host)}`);
    await new Promise((done) => setTimeout(done, 1000));
  }
  throw new Error(`no gateway on port ${port} after ${timeoutS} s\n${await whatTheGatewaySaid(host)}`);
}

/** The gateway's processes, its own output and the tail of its log, for a failure message. */
async function whatTheGatewaySaid(host: SshHost): Promise<string> {
  const r = await host
    .exec(`ps -eo etimes,user,rss,args | grep -i openclaw | grep -v grep | cut -c1-160; tail -n 8 ${GATEWAY_OUT} 2>/dev/null | cut -c1-400; tail -n 5 /tmp/openclaw/openclaw-*.log 2>/dev/null | cut -c1-400; uptime`)
    .catch((error: unknown) => ({ stdout: `(could not ask the host: ${(error as Error).message})` }));
  return r.stdout;
}

/** The real `openclaw` as the service user, e.g. `channels status --json`. */
export function realCli(host: SshHost, args: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return host.exec(`su - openclaw -c ${quote(`openclaw ${args}`)}`);
}
