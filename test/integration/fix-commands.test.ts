// backup, backups, restore and logs against a real sshd container with the fake OpenClaw, plus the
// full-disk fault (nothing changed, no purge). The old-version tar fallback runs last: its scenario
// pins the installed fake to 2026.3.2.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeWithEngine } from '../helpers/containers.js';
import { CREDS, STATE, diagnosedVerdict, credsHash, setScenario, stateTree, fixCli } from '../fixtures/fix/helpers.js';
import { useFixWorld } from '../fixtures/fix/world.js';

describeWithEngine('clawfix backup, backups, restore, logs', () => {
  const w = useFixWorld();

  const cli = (...args: string[]) => fixCli(['--hosts', w.hosts, ...args], w.home);
  const verdict = () => diagnosedVerdict(w.hosts, w.home);

  it('backup: verified on the host, downloaded 0600, same sha256 on both sides; backups lists both', async () => {
    await setScenario(w.host, 'healthy');
    const r = await cli('backup', 'box');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const local = /downloaded to (\S+) \(0600/.exec(r.stdout)?.[1];
    const remote = /backup (\S+) \(/.exec(r.stdout)?.[1];
    expect(local).toBeTruthy();
    expect(statSync(local!).mode & 0o777).toBe(0o600);
    const sum = (await w.host.execOk(`sha256sum ${remote}`)).stdout.split(' ')[0];
    expect(createHash('sha256').update(readFileSync(local!)).digest('hex')).toBe(sum);
    const list = JSON.parse((await cli('backups', 'box', '--json')).stdout);
    expect(list.backups.map((b: { where: string }) => b.where).sort()).toEqual(['here', 'host']);
  });

  it('restore: a safety backup, stop, restore, start, verify; what it replaced is kept', async () => {
    await setScenario(w.host, 'healthy');
    const made = await cli('backup', 'box', '--no-download');
    const name = /backup \S+\/([^/\s]+) \(/.exec(made.stdout)?.[1];
    const good = await credsHash(w.host);
    await w.host.execOk(`printf '{"me":' > ${CREDS}/creds.json`, { user: 'claw' });
    const r = await cli('restore', 'box', name!, '--yes');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✓ backup[\s\S]*✓ stop-gateway[\s\S]*✓ restore[\s\S]*✓ start-gateway[\s\S]*✓ verify/);
    expect(await credsHash(w.host)).toBe(good);
    const aside = /replaced by the restore \(kept\): (\S+)/.exec(r.stdout)?.[1];
    expect((await w.host.execOk(`cat ${aside}/credentials/whatsapp/default/creds.json`)).stdout).toBe('{"me":');
    expect(await verdict()).toBe('healthy');
  });

  it('restore of a backup that is not there is refused before anything is done', async () => {
    const r = await cli('restore', 'box', 'nope.tar.gz', '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such backup on box: \S+\/\.clawfix\/backups\/nope\.tar\.gz/);
    expect(r.stdout).not.toMatch(/stop-gateway/);
    expect(await verdict()).toBe('healthy');
  });

  it('logs: readable lines (time, level, message), numbers masked, no control sequences', async () => {
    await setScenario(w.host, 'logged-out');
    const r = await cli('logs', 'box', '--lines', '20');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.length).toBeLessThanOrEqual(20);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ (trace|debug|info |warn |error|fatal) /);
    expect(r.stdout).not.toMatch(/\x1b|"_meta"/);
    expect(r.stdout).not.toMatch(/447700900123/);
    expect(r.stdout).toMatch(/logged out|401/i);
  });

  it('a full disk at backup time: refused before anything changes, so no purge', async () => {
    await setScenario(w.host, 'logged-out');
    await w.host.execOk(`printf '#!/bin/sh\\necho "Filesystem 1024-blocks Used Available Capacity Mounted on"\\necho "/dev/x 100000 99990 10 100%% /"\\n' > /usr/local/bin/df && chmod 755 /usr/local/bin/df`);
    try {
      const before = await stateTree(w.host);
      const r = await cli('fix', 'box', '--yes');
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(r.stdout).toMatch(/not enough free disk on box for a backup: 0 MiB free/);
      expect(r.stdout).not.toMatch(/✓ (stop-gateway|quarantine)/);
      const strip = (tree: string) => tree.split('\n').filter((l) => !l.includes('./.clawfix')).join('\n');
      expect(strip(await stateTree(w.host))).toBe(strip(before));
      expect((await w.host.exec(`ls -A ${STATE}/.clawfix`)).stdout.trim()).toBe('');
    } finally {
      await w.host.exec('rm -f /usr/local/bin/df');
    }
  });

  it('an OpenClaw without `backup create` (2026.3.2) gets a tar backup, read back and downloaded', async () => {
    await setScenario(w.host, 'old-version-healthy');
    const r = await cli('backup', 'box');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Archive verification: passed/);
    expect(r.stdout).toMatch(/backup \S+-clawfix-backup\.tar\.gz/);
  });
});
