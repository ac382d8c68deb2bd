// `clawfix fix` on a conflict host looks at the other hosts of the hosts file (read-only, in
// parallel) and names those linked to the same phone number: two containers with the fake's
// `conflict` scenario (one number in both), plus a host that cannot be reached.
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeHome, writeHostsFile } from '../helpers/cli.js';
import { describeWithEngine, startSshHost, type SshHost } from '../helpers/containers.js';
import { createKeyDir, type KeyDir } from '../helpers/keys.js';
import { fixCli, setScenario, STATE, stateTree } from '../fixtures/fix/helpers.js';

/** A local port nothing listens on: the hosts file's unreachable host. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describeWithEngine('clawfix fix on a conflict: other hosts with the same number', () => {
  let keys: KeyDir;
  let box: SshHost;
  let twin: SshHost;
  let home: string;
  let hosts: string;

  beforeAll(async () => {
    keys = await createKeyDir();
    const key = await keys.clientKey();
    [box, twin] = await Promise.all([startSshHost({ authorizedKeys: [key.publicKey] }), startSshHost({ authorizedKeys: [key.publicKey] })]);
    home = await makeHome();
    const entry = (name: string, port: number) => `  - name: ${name}\n    host: 127.0.0.1\n    port: ${port}\n    user: claw\n    identityFile: ${key.privateKeyPath}\n`;
    hosts = await writeHostsFile(home, `hosts:\n${entry('box', box.port)}${entry('twin', twin.port)}${entry('ghost', await closedPort())}`);
  });
  afterAll(async () => {
    await keys?.cleanup();
  });

  it('lists the other host linked to the same number by name (number masked), says which host it could not check, and changes nothing', async () => {
    await Promise.all([setScenario(box, 'conflict'), setScenario(twin, 'conflict')]);
    const before = await stateTree(box);
    const r = await fixCli(['--hosts', hosts, 'fix', 'box', '--yes'], home);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/box  account default: conflict/);
    expect(r.stdout).toMatch(/looking for the same number on the 2 other hosts of the hosts file/);
    expect(r.stdout).toMatch(/Other instances found:[\s\S]*- another host in the hosts file with the same number \(\+44••••••0123\): twin \(account default: conflict\)/);
    expect(r.stdout).toMatch(/- \(could not check ghost for the same number: [^)]+/);
    expect(r.stdout).not.toMatch(/same number \([^)]*\): ghost/);
    expect(r.stdout + r.stderr).not.toMatch(/447700900123/);
    expect(r.stdout).toMatch(/Stop the other instance, then restart this gateway/);
    expect(await stateTree(box)).toBe(before);
    expect((await twin.exec(`ls -A ${STATE}/.clawfix 2>/dev/null`)).stdout.trim()).toBe('');
  });

  it('a twin linked to another phone is not listed', async () => {
    await setScenario(twin, 'conflict');
    await twin.execOk(`sed -i 's/"id":"447700900123:/"id":"447700900999:/' ${STATE}/credentials/whatsapp/default/creds.json`, { user: 'claw' });
    const r = await fixCli(['--hosts', hosts, 'fix', 'box', '--yes'], home);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/looking for the same number on the 2 other hosts/);
    expect(r.stdout).not.toMatch(/twin/);
  });
});
