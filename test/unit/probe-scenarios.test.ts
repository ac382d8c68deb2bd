/**
 * The probe and triage together, on the fake OpenClaw's scenarios set up in local directories
 * (no SSH, no container): the same script and parser as over SSH, in a few seconds. Hermetic: the
 * probe gets a root of its own (CF_ROOT), and a PATH that leads to the fake, so this machine's
 * openclaw, /tmp/openclaw and other users' state dirs play no part (test/integration/hermetic.test.ts
 * proves it with decoys).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from '../../src/probe/run.js';
import type { ResolvedHost } from '../../src/inventory/types.js';
import { LocalTransport } from '../../src/transport/local.js';
import { triage } from '../../src/triage/triage.js';

const FAKE = resolve('docker/openclaw');
let root: string;
let prefix: string;

const host = (overrides: Partial<ResolvedHost['openclaw']> = {}): ResolvedHost => ({
  name: 'local', hostname: 'localhost', port: 22, user: 'nobody', identityFiles: [], identitiesOnly: false, proxyJump: [],
  knownHostsFiles: [], hostKeyPolicy: 'strict', tags: [], openclaw: { account: 'default', ...overrides }, sources: {},
});

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'clawfix-scenarios-'));
  prefix = join(root, 'prefix');
  execFileSync('bash', [join(FAKE, 'install.sh'), prefix], { stdio: 'pipe' });
});

const gateways: string[] = [];
afterAll(() => {
  // Scenarios start real gateway processes: stop every one of them.
  for (const home of gateways) spawnSync('sh', ['-c', `for f in ${home}/.openclaw*/tmp/*/gateway.*.lock ${home}/../*/.openclaw*/tmp/*/gateway.*.lock; do [ -f "$f" ] && kill "$(sed -n 's/.*"pid": *\\([0-9]*\\).*/\\1/p' "$f" | head -n1)" 2>/dev/null; done; true`]);
  rmSync(root, { recursive: true, force: true });
});

/** A port nothing listens on now, so parallel test files never share a fake gateway. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function diagnoseScenario(name: string, options: { variant?: string; openclaw?: Partial<ResolvedHost['openclaw']> } = {}) {
  const home = join(root, name + (options.variant ?? ''), 'home');
  const port = await freePort();
  const args = [join(FAKE, 'scenario.mjs'), name, '--home', home, '--log-file', join(root, `${name}.log`), '--port', String(port), '--prefix', prefix];
  if (options.variant) args.push('--variant', options.variant);
  execFileSync(process.execPath, args, { stdio: 'pipe', env: { ...process.env, PATH: `${prefix}/bin:${process.env.PATH}` } });
  gateways.push(home);
  const sysRoot = join(root, `${name}${options.variant ?? ''}-sys`);
  mkdirSync(sysRoot, { recursive: true });
  const transport = new LocalTransport({ env: { ...process.env, HOME: home, PATH: `${prefix}/bin:/usr/bin:/bin`, CF_ROOT: sysRoot } });
  const probe = await runProbe(transport, host(options.openclaw));
  expect(probe.complete, probe.exec.stderr).toBe(true);
  return { probe, result: triage(probe.evidence, { now: new Date(probe.evidence.collectedAt) }) };
}

describe('probe + triage on the fake OpenClaw scenarios', () => {
  const expectations: [string, string][] = [
    ['healthy', 'healthy'],
    ['transient-reconnect', 'transient-reconnect'],
    ['network-dns', 'network-dns'],
    ['monitor-stopped', 'monitor-stopped'],
    ['conflict', 'conflict'],
    ['logged-out', 'logged-out'],
    ['restart-required', 'restart-required'],
    ['link-cooldown', 'link-cooldown'],
    ['protocol-upgrade', 'protocol-upgrade'],
    ['listener-missing', 'listener-missing'],
    ['plugin-missing', 'plugin-missing'],
    ['not-linked', 'not-linked'],
    ['creds-corrupt', 'creds-corrupt'],
    ['gateway-not-running', 'gateway-not-running'],
    ['whatsapp-not-configured', 'whatsapp-not-configured'],
    ['old-version-healthy', 'healthy'],
  ];
  for (const [scenario, verdict] of expectations) {
    it(`${scenario} → ${verdict}`, async () => {
      const { probe, result } = await diagnoseScenario(scenario);
      expect(result.hostVerdict, JSON.stringify(result.accounts, null, 1)).toBe(verdict);
      expect(probe.evidence.openclaw.found).toBe(true);
    });
  }

  it('multi-account: only the logged-out account needs a relink', async () => {
    const { result } = await diagnoseScenario('multi-account');
    const verdicts = Object.fromEntries(result.accounts.map((a) => [a.account, a.verdict]));
    expect(verdicts).toEqual({ default: 'healthy', work: 'logged-out' });
  });

  it('reads evidence without asking a dead gateway (no minute-long block)', async () => {
    const started = performance.now();
    const { probe } = await diagnoseScenario('gateway-not-running');
    expect(probe.evidence.channelsStatus).toBeNull();
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
