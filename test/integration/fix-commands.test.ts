// backup, backups, restore and logs against a real sshd container with the fake OpenClaw, plus the
// full-disk fault (nothing changed, no purge). The old-version tar fallback runs last: its scenario
// pins the installed fake to 2026.3.2.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { expect, it } from 'vitest';
import { backupSubdir } from '../../src/fix/backup-dir.js';
import { describeWithEngine } from '../helpers/containers.js';
import { CREDS, STATE, diagnosedVerdict, credsHash, setScenario, stateTree, fixCli } from '../fixtures/fix/helpers.js';
import { useFixWorld } from '../fixtures/fix/world.js';

/** Where backups go on the test host: claw's XDG state dir, outside the state dir (which the real CLI requires). */
const BACKUPS = `/home/claw/.local/state/clawfix/backups/${backupSubdir(STATE)}`;
const LEGACY = `${STATE}/.clawfix/backups`;

describeWithEngine('clawfix backup, backups, restore, logs', () => {
  const w = useFixWorld();

  const cli = (...args: string[]) => fixCli(['--hosts', w.hosts, ...args], w.home);
  const verdict = () => diagnosedVerdict(w.hosts, w.home);

  it('backup: in claw\'s private backup dir outside the state dir, verified, downloaded 0600, same sha256 on both sides; backups lists both', async () => {
    await setScenario(w.host, 'healthy');
    const r = await cli('backup', 'box');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const local = /downloaded to (\S+) \(0600/.exec(r.stdout)?.[1];
    const remote = /backup (\S+) \(/.exec(r.stdout)?.[1];
    expect(remote).toMatch(new RegExp(`^${BACKUPS}/[\\d-]+T[\\d.+-]+-openclaw-backup\\.tar\\.gz$`));
    expect((await w.host.execOk(`stat -c '%a %U' ${BACKUPS}`)).stdout.trim()).toBe('700 claw');
    expect((await w.host.exec(`ls -A ${STATE}/.clawfix`)).stdout).not.toMatch(/backups/);
    expect(local).toBeTruthy();
    expect(statSync(local!).mode & 0o777).toBe(0o600);
    const sum = (await w.host.execOk(`sha256sum ${remote}`)).stdout.split(' ')[0];
    expect(createHash('sha256').update(readFileSync(local!)).digest('hex')).toBe(sum);
    const list = JSON.parse((await cli('backups', 'box', '--json')).stdout);
    expect(list.backupDir).toBe(BACKUPS);
    expect(list.backups.map((b: { where: string }) => b.where).sort()).toEqual(['here', 'host']);

    // the next backup does not carry this one inside it
    const next = /backup (\S+) \(/.exec((await cli('backup', 'box', '--no-download')).stdout)?.[1];
    expect((await w.host.execOk(`tar tzf ${next}`)).stdout).not.toMatch(/openclaw-backup\.tar\.gz/);
  });

  it('a backup dir inside what the backup archives (a workspace that is the home dir) is refused in one line, before anything changes', async () => {
    await setScenario(w.host, 'healthy');
    const config = `${STATE}/openclaw.json`;
    await w.host.execOk(`cp -p ${config} ${config}.saved`, { user: 'claw' });
    await w.host.execOk(`node -e 'const f=process.argv[1]; const c=JSON.parse(require("fs").readFileSync(f,"utf8")); c.agents={defaults:{workspace:"~"}}; require("fs").writeFileSync(f, JSON.stringify(c))' ${config}`, { user: 'claw' });
    try {
      await w.host.execOk(`rm -rf /home/claw/.local/state/clawfix`);
      const before = await stateTree(w.host);
      const r = await cli('backup', 'box');
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(r.stderr).toContain(
        `box: backups would go to ${BACKUPS}, which is inside a workspace or agent dir of ${config}: /home/claw: openclaw backup create archives that and refuses to write into it; ` +
          'move /home/claw to a place of its own, or give claw an XDG_STATE_HOME outside it, then run clawfix again; nothing was changed',
      );
      expect(await stateTree(w.host)).toBe(before);
      expect((await w.host.exec('ls -A /home/claw/.local/state/clawfix')).exitCode).not.toBe(0);
    } finally {
      await w.host.execOk(`mv ${config}.saved ${config}`, { user: 'claw' });
    }
  });

  it('without SFTP on the server (Subsystem sftp removed), the backup is streamed over an exec channel, checksum compared', async () => {
    await setScenario(w.host, 'healthy');
    // a config variant for this test only: sshd re-reads its config on SIGHUP, for new connections
    const sshd = "kill -HUP $(cat /run/sshd.pid 2>/dev/null || pgrep -o -x sshd)";
    await w.host.execOk(`sed -i 's/^Subsystem[[:space:]]\\+sftp/#&/' /etc/ssh/sshd_config && grep -q '^#Subsystem' /etc/ssh/sshd_config && ${sshd} && sleep 0.5`);
    try {
      const r = await cli('backup', 'box');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/SFTP is not available on box \(Unable to start subsystem: sftp\): streaming the backup over SSH with cat instead/);
      const local = /downloaded to (\S+) \(0600, checksum matches\)/.exec(r.stdout)?.[1];
      const remote = /backup (\S+) \(/.exec(r.stdout)?.[1];
      const sum = (await w.host.execOk(`sha256sum ${remote}`)).stdout.split(' ')[0];
      expect(createHash('sha256').update(readFileSync(local!)).digest('hex')).toBe(sum);
      expect(statSync(local!).mode & 0o777).toBe(0o600);
    } finally {
      await w.host.execOk(`sed -i 's/^#\\(Subsystem[[:space:]]\\+sftp\\)/\\1/' /etc/ssh/sshd_config && ${sshd} && sleep 0.5`);
    }
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

  it('backups lists the legacy .clawfix/backups/ too (read only), and restore finds a bare name there', async () => {
    await setScenario(w.host, 'healthy');
    const made = /backup (\S+) \(/.exec((await cli('backup', 'box', '--no-download')).stdout)?.[1];
    await w.host.execOk(`mkdir -p ${LEGACY} && mv ${made} ${LEGACY}/old-clawfix-backup.tar.gz`, { user: 'claw' });
    const list = JSON.parse((await cli('backups', 'box', '--json')).stdout);
    expect(list.backups).toContainEqual(expect.objectContaining({ where: 'host', name: 'old-clawfix-backup.tar.gz', path: `${LEGACY}/old-clawfix-backup.tar.gz`, legacy: true }));
    expect((await cli('backups', 'box')).stdout).toMatch(new RegExp(`host \\(legacy\\) .* ${LEGACY}/old-clawfix-backup\\.tar\\.gz`));
    const good = await credsHash(w.host);
    await w.host.execOk(`printf '{"me":' > ${CREDS}/creds.json`, { user: 'claw' });
    const r = await cli('restore', 'box', 'old-clawfix-backup.tar.gz', '--yes');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Restore ${LEGACY}/old-clawfix-backup.tar.gz`);
    expect(await credsHash(w.host)).toBe(good);
    // the safety backup went to the new dir; nothing new was written to the legacy one
    expect((await w.host.execOk(`ls ${LEGACY}`)).stdout.trim()).toBe('old-clawfix-backup.tar.gz');
    expect(r.stdout).toMatch(new RegExp(`✓ backup .*${BACKUPS}/`));
  });

  it('restore of a backup that is not there is refused before anything is done', async () => {
    const r = await cli('restore', 'box', 'nope.tar.gz', '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such backup on box: nope\.tar\.gz/);
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
    expect(r.stdout).toMatch(new RegExp(`backup ${BACKUPS}/\\S+-clawfix-backup\\.tar\\.gz`));
  });
});
