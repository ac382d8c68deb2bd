/**
 * The probe's root (CF_ROOT) and its test of /tmp/openclaw: what it reads outside HOME and the state
 * dir comes from that root, and of the log dirs there only one the probe's user owns, that is no
 * symlink and that nobody else may write to (as OpenClaw itself decides where it logs).
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedHost } from '../../src/inventory/types.js';
import { runProbe } from '../../src/probe/run.js';
import { LocalTransport } from '../../src/transport/local.js';

const HOST: ResolvedHost = {
  name: 'local', hostname: 'localhost', port: 22, user: 'nobody', identityFiles: [], identitiesOnly: false, proxyJump: [],
  knownHostsFiles: [], hostKeyPolicy: 'strict', tags: [], openclaw: { account: 'default' }, sources: {},
};
const LINE = '{"0":"[whatsapp] WhatsApp session logged out (status 401)","_meta":{"logLevelName":"WARN"},"time":"2026-12-02T10:00:00.000+00:00"}';

let dir: string;
let sysRoot: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawfix-probe-root-'));
  sysRoot = join(dir, 'sys');
  mkdirSync(join(dir, 'home'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function probe() {
  const transport = new LocalTransport({ env: { HOME: join(dir, 'home'), PATH: '/usr/bin:/bin', CF_ROOT: sysRoot } });
  const result = await runProbe(transport, HOST);
  expect(result.complete, result.exec.stderr).toBe(true);
  return result;
}

/** <root>/tmp/<name> with one log file holding a WhatsApp line, at the given mode. */
function logDir(name: string, mode: number): string {
  const logs = join(sysRoot, 'tmp', name);
  mkdirSync(logs, { recursive: true });
  writeFileSync(join(logs, 'openclaw-2026-12-02.log'), `${LINE}\n`);
  chmodSync(logs, mode);
  return logs;
}

describe('the probe under CF_ROOT', () => {
  it('looks for other state dirs, system units and the linger dir under its root', async () => {
    const other = join(sysRoot, 'home/alice/.openclaw');
    mkdirSync(join(other, 'credentials/whatsapp/default'), { recursive: true });
    writeFileSync(join(other, 'credentials/whatsapp/default/creds.json'), '{}');
    mkdirSync(join(sysRoot, 'etc/systemd/system'), { recursive: true });
    writeFileSync(join(sysRoot, 'etc/systemd/system/openclaw-gateway.service'), '[Service]\n');
    mkdirSync(join(sysRoot, 'var/lib/systemd/linger'), { recursive: true });
    const { evidence, exec } = await probe();
    expect(evidence.otherStateDirs).toEqual([{ path: other, owner: expect.any(String), hasWhatsappCreds: true }]);
    expect(exec.stdout).toContain(`system-unit=${sysRoot}/etc/systemd/system/openclaw-gateway.service`);
    expect(evidence.gateway.managedBy).toBe('systemd-system');
    expect(evidence.gateway.lingerEnabled).toBe(false);
  });

  it('reads /tmp/openclaw when it is its own, private dir', async () => {
    logDir('openclaw', 0o700);
    expect((await probe()).evidence.logLines).toEqual([LINE]);
  });

  it('ignores /tmp/openclaw when others may write to it, or when it is a symlink', async () => {
    logDir('openclaw', 0o777);
    expect((await probe()).evidence.logLines).toEqual([]);
    chmodSync(join(sysRoot, 'tmp/openclaw'), 0o720);
    expect((await probe()).evidence.logLines).toEqual([]);
    rmSync(join(sysRoot, 'tmp/openclaw'), { recursive: true });
    symlinkSync(logDir('elsewhere', 0o700), join(sysRoot, 'tmp/openclaw'));
    expect((await probe()).evidence.logLines).toEqual([]);
  });

  it('reads /tmp/openclaw-<uid> instead, by the same test', async () => {
    logDir('openclaw', 0o777);
    logDir(`openclaw-${process.getuid!()}`, 0o700);
    const { sections, evidence } = await probe();
    expect(evidence.logLines).toEqual([LINE]);
    expect([...sections.raw.keys()]).toContain(`log ${sysRoot}/tmp/openclaw-${process.getuid!()}/openclaw-2026-12-02.log`);
  });

  // Only root can give a dir to another user; elsewhere the mode and symlink cases above stand for it.
  it.runIf(process.getuid?.() === 0)('ignores a /tmp/openclaw that another user owns (as root: nobody)', async () => {
    chownSync(logDir('openclaw', 0o755), 65534, 65534);
    expect((await probe()).evidence.logLines).toEqual([]);
  });
});
