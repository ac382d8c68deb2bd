// `clawfix diagnose` against hosts running the real OpenClaw 2026.9.6 (test/helpers/real-openclaw.ts):
// one host per state, all started at once (the real gateway needs 30–90 s to listen), then one
// `diagnose --json` over the whole fleet, each host with the verdict its state calls for.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeHome, runCli, writeHostsFile } from '../helpers/cli.js';
import type { SshHost } from '../helpers/containers.js';
import { createKeyDir, type KeyDir } from '../helpers/keys.js';
import { describeWithRealOpenclaw, startRealHost, waitForGateway, type RealGateway, type RealState } from '../helpers/real-openclaw.js';

interface Case {
  name: string;
  state: RealState;
  gateway: RealGateway;
  /** openclaw.user in the hosts file: the probe runs as that user (via sudo -n -u). */
  asService: boolean;
  verdict: string;
}

const CASES: Case[] = [
  { name: 'not-linked', state: 'not-linked', gateway: 'run', asService: true, verdict: 'not-linked' },
  { name: 'gateway-down', state: 'linked', gateway: 'none', asService: true, verdict: 'gateway-not-running' },
  { name: 'offline', state: 'linked', gateway: 'run', asService: true, verdict: 'network-dns' },
  { name: 'no-whatsapp', state: 'whatsapp-not-configured', gateway: 'none', asService: true, verdict: 'whatsapp-not-configured' },
  { name: 'no-plugin', state: 'plugin-missing', gateway: 'none', asService: true, verdict: 'plugin-missing' },
  // the state belongs to `openclaw`, the probe runs as the login user `claw`
  { name: 'wrong-user', state: 'linked', gateway: 'none', asService: false, verdict: 'wrong-user-or-state-dir' },
];

describeWithRealOpenclaw('clawfix diagnose against the real OpenClaw', () => {
  let keys: KeyDir;
  let home: string;
  let hostsFile: string;
  const hosts = new Map<string, SshHost>();

  beforeAll(async () => {
    keys = await createKeyDir();
    const key = await keys.clientKey();
    const started = Date.now();
    await Promise.all(
      CASES.map(async (c) => {
        hosts.set(c.name, await startRealHost({ authorizedKeys: [key.publicKey], state: c.state, gateway: c.gateway }));
      }),
    );
    const waits = await Promise.all(CASES.filter((c) => c.gateway === 'run').map((c) => waitForGateway(hosts.get(c.name)!)));
    console.log(`real hosts: ${CASES.length} started, gateways listening after ${Math.max(...waits)} ms (${Date.now() - started} ms in all)`);
    home = await makeHome();
    const lines = CASES.map((c) => {
      const h = hosts.get(c.name)!;
      return `  - { name: ${c.name}, host: 127.0.0.1, port: ${h.port}, user: claw, identityFile: ${key.privateKeyPath}${c.asService ? ', openclaw: { user: openclaw }' : ''} }`;
    });
    hostsFile = await writeHostsFile(home, `hosts:\n${lines.join('\n')}\n`);
  }, 900_000);

  afterAll(async () => {
    await keys?.cleanup();
  });

  it('gives each state of the real OpenClaw its verdict, in one run over all hosts', async () => {
    // the offline gateway must have tried WhatsApp at least once before it says "reconnecting"
    await hosts.get('offline')!.execOk(`i=0; until grep -qs 'ENOTFOUND\\|EAI_AGAIN' /tmp/openclaw*/openclaw-*.log; do i=$((i+1)); [ $i -gt 120 ] && exit 1; sleep 1; done`);
    const started = Date.now();
    const r = await runCli(['--hosts', hostsFile, 'diagnose', '--json'], { env: { HOME: home }, timeoutMs: 240_000 });
    const took = Date.now() - started;
    const doc = JSON.parse(r.stdout) as { hosts: { name: string; durationMs?: number; accounts: { verdict: string }[] }[] };
    const got = Object.fromEntries(doc.hosts.map((h) => [h.name, h.accounts[0]?.verdict]));
    console.log(`diagnose over ${CASES.length} real hosts: ${took} ms; ${JSON.stringify(got)}`);
    expect(got).toEqual(Object.fromEntries(CASES.map((c) => [c.name, c.verdict])));
  });
});
