// Issue 12, items 2 and 5: what a host stores for clawfix (the journal marker, the lock, the backup
// listing) is parsed and checked, never trusted to build a local path or a path outside the state
// dir. Each attack is replayed against the real host-side scripts through the local transport.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseListing } from '../../src/commands/backup.js';
import { ClawfixError } from '../../src/errors.js';
import { downloadBackup, parseBackupJson } from '../../src/fix/backup.js';
import { clearJournal, localJournalPath, readRemoteJournal, saveJournal, type Journal } from '../../src/fix/journal.js';
import { localBackupDir } from '../../src/fix/local-state.js';
import { acquireLock, newHolder, parseHolder, provablyGone } from '../../src/fix/lock.js';
import { planFix } from '../../src/fix/plan.js';
import { quarantinePaths, stamp } from '../../src/fix/quarantine.js';
import { RemoteHost, StepFailed } from '../../src/fix/remote.js';
import { findInterruptedRun } from '../../src/fix/resume.js';
import { newJournal } from '../../src/fix/run.js';
import type { FixTarget } from '../../src/fix/target.js';
import { parseHostsFile } from '../../src/inventory/load.js';
import { LocalTransport } from '../../src/transport/local.js';
import { HOST, diagnosisFor, localTarget } from '../fixtures/fix/diagnosis.js';

let root: string;
let stateDir: string;
let laptop: string;
let remote: RemoteHost;
let savedXdg: string | undefined;
const transport = new LocalTransport();

const target = (extra: Partial<FixTarget> = {}): FixTarget => localTarget(stateDir, extra);

function journal(extra: Partial<Journal> = {}): Journal {
  const now = new Date();
  return {
    version: 1, host: HOST.name, account: 'default', stateDir, startedAt: now.toISOString(), updatedAt: now.toISOString(), by: 'me@laptop (pid 1, run 0123456789abcdef)',
    run: '0123456789abcdef', kind: 'relink', verdict: 'logged-out', steps: ['backup', 'stop-gateway', 'quarantine'], done: ['backup'], gatewayWasRunning: false,
    lingerWasEnabled: null, stamp: stamp(now), state: 'running', ...extra,
  };
}

function plantMarker(doc: unknown): void {
  mkdirSync(join(stateDir, '.clawfix'), { recursive: true });
  writeFileSync(join(stateDir, '.clawfix/journal.json'), typeof doc === 'string' ? doc : JSON.stringify(doc));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'clawfix-remote-state-'));
  stateDir = join(root, 'host/.openclaw');
  laptop = join(root, 'laptop');
  mkdirSync(join(stateDir, 'credentials/whatsapp/default'), { recursive: true });
  writeFileSync(join(stateDir, 'openclaw.json'), '{}');
  savedXdg = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = join(laptop, 'state');
  remote = new RemoteHost(transport, target());
});
afterEach(async () => {
  if (savedXdg === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = savedXdg;
  await transport.exec(`rm -rf '${root}'`);
});

describe('journal marker on the host (item 2)', () => {
  it('"host": "../../…/victim" is refused and deletes nothing on the laptop (it deleted victim.json)', async () => {
    const victim = join(laptop, 'victim.json');
    mkdirSync(laptop, { recursive: true });
    writeFileSync(victim, 'precious');
    // the path the marker's host field made: <state>/clawfix/journal/<host>.json
    const host = '../../../victim';
    expect(join(process.env.XDG_STATE_HOME!, 'clawfix', 'journal', `${host}.json`)).toBe(victim);
    plantMarker(journal({ host }));
    const error = await findInterruptedRun(remote).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClawfixError);
    expect((error as ClawfixError).code).toBe('JOURNAL_REFUSED');
    expect((error as ClawfixError).exitCode).toBe(4);
    expect((error as ClawfixError).message).toMatch(/journal marker .*journal\.json is not one clawfix wrote for this host \(host: a hosts-file name\); nothing was done/);
    await clearJournal(remote);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('a marker for another host name or another state dir is refused, even when well formed', async () => {
    plantMarker(journal({ host: 'other-host' }));
    await expect(readRemoteJournal(remote)).rejects.toThrow(/names host "other-host", not vps1/);
    plantMarker(journal({ stateDir: '/home/victim/.openclaw' }));
    await expect(readRemoteJournal(remote)).rejects.toThrow(/names state dir \/home\/victim\/\.openclaw/);
  });

  it('quarantine and restore paths outside the state dir are refused (a rollback would move them)', async () => {
    const j = journal();
    plantMarker({ ...j, quarantine: { source: '/home/victim/.ssh', dir: `${stateDir}/.clawfix/quarantine/${j.stamp}`, moved: `${stateDir}/.clawfix/quarantine/${j.stamp}/default` } });
    await expect(readRemoteJournal(remote)).rejects.toThrow(/quarantine paths are not the state dir's own/);
    plantMarker({ ...j, restore: { archive: '/tmp/a.tar.gz', stage: '/etc', aside: `${stateDir}/.clawfix/replaced-${j.stamp}` } });
    await expect(readRemoteJournal(remote)).rejects.toThrow(/restore paths are not the state dir's own/);
  });

  it.each([
    ['control characters in a field', { by: 'x\u001b]52;c;eA==\u0007' }],
    ['an account id with a path in it', { account: '../../victim' }],
    ['an unknown field', { extra: 1 }],
    ['a run id that is shell text', { run: '"; rm -rf ~; "' }],
  ])('%s is refused', async (_what, extra) => {
    plantMarker({ ...journal(), ...extra });
    await expect(readRemoteJournal(remote)).rejects.toThrow(ClawfixError);
  });

  it('a marker that is not JSON, or huge, is refused; no marker is no journal', async () => {
    await expect(readRemoteJournal(remote)).resolves.toBeNull();
    plantMarker('not json');
    await expect(readRemoteJournal(remote)).rejects.toThrow(/\(not JSON\)/);
    plantMarker(JSON.stringify({ ...journal(), by: 'x'.repeat(200_000) }));
    await expect(readRemoteJournal(remote)).rejects.toThrow(/larger than 64 KB/);
  });

  it('what saveJournal writes is read back; both copies are at paths of the target, whatever the journal says', async () => {
    const j = journal({ quarantine: quarantinePaths(stateDir, 'default', journal().stamp) });
    j.quarantine = quarantinePaths(stateDir, 'default', j.stamp);
    await saveJournal(remote, j);
    const back = await readRemoteJournal(remote);
    expect({ ...back, updatedAt: '' }).toEqual({ ...j, updatedAt: '' });
    expect(existsSync(localJournalPath(HOST.name))).toBe(true);
    await clearJournal(remote);
    expect(existsSync(localJournalPath(HOST.name))).toBe(false);
    expect(existsSync(join(stateDir, '.clawfix/journal.json'))).toBe(false);
    expect(() => localJournalPath('..')).toThrow(/not a host name clawfix makes a local path of/);
  });
});

describe('journals clawfix writes itself', () => {
  it('a journal as a real run builds it (plan, holder, backup downloaded, quarantine) passes every check', async () => {
    const plan = planFix(diagnosisFor({ verdict: 'logged-out' }), { host: HOST, download: true, relink: false });
    const j = newJournal(plan, remote, newHolder(), true);
    j.backup = { remotePath: '/home/claw/.local/state/clawfix/backups/x/2026-11-26T18-07-44.760+00-00-openclaw-backup.tar.gz', sha256: 'b'.repeat(64), sizeBytes: 1234, tool: 'openclaw', localPath: join(localBackupDir(HOST.name), '2026-11-26T18-07-44.760+00-00-openclaw-backup.tar.gz') };
    j.quarantine = quarantinePaths(stateDir, j.account, j.stamp);
    j.done = ['backup', 'stop-gateway'];
    j.running = 'quarantine';
    await saveJournal(remote, j);
    expect((await findInterruptedRun(remote))?.run).toBe(j.run);
  });
});

describe('host names are local path segments', () => {
  it.each(['.', '..', '...'])('%j is refused by the hosts-file schema', (name) => {
    expect(() => parseHostsFile(`hosts:\n  - name: "${name}"\n`, 'h.yaml')).toThrow(/a name, not "\." or "\.\."/);
  });
});

describe('account ids from the host (item 5)', () => {
  it('../../../victim never becomes a quarantine path', () => {
    expect(() => quarantinePaths(stateDir, '../../../victim', stamp())).toThrow(StepFailed);
    expect(() => quarantinePaths(stateDir, 'a/b', stamp())).toThrow(/not an account id/);
    expect(quarantinePaths(stateDir, 'work_2', stamp()).moved).toMatch(new RegExp(`^${stateDir}/\\.clawfix/quarantine/[^/]+/work_2$`));
  });

  it('the plan for such an account has no steps, and says why', () => {
    const diagnosis = diagnosisFor({ verdict: 'logged-out', accounts: [{ account: '../../../victim', verdict: 'logged-out' }] });
    const plan = planFix(diagnosis, { host: HOST, download: true, relink: false });
    expect(plan.steps).toEqual([]);
    expect(plan.notes[0]).toMatch(/account id "..\/..\/..\/victim" is not one clawfix works on/);
  });
});

describe('host lock holders (item 5)', () => {
  it('a namesake laptop (same user@hostname, a pid not running here) cannot take over a live lock', async () => {
    const mine = newHolder();
    const namesake = { ...mine, run: 'fedcba9876543210', pid: 2 ** 22 + 4321, machine: 'f'.repeat(32) };
    await acquireLock(remote, namesake, false);
    await expect(acquireLock(remote, mine, false)).rejects.toThrow(/locked by another clawfix run/);
    expect(parseHolder(readFileSync(join(stateDir, '.clawfix/lock'), 'utf8'))?.run).toBe('fedcba9876543210');
  });

  it('a stale lock is taken over only with evidence: same machine id, and a dead pid or an earlier boot', () => {
    const self = newHolder();
    const alive = () => true;
    expect(provablyGone({ ...self, pid: 123 }, self, () => false)).toBe(true);
    expect(provablyGone({ ...self, pid: 123 }, self, alive)).toBe(false);
    expect(provablyGone({ ...self, boot: '00000000-0000-0000-0000-000000000000' }, { ...self, boot: '11111111-1111-1111-1111-111111111111' }, alive)).toBe(true);
    expect(provablyGone({ by: self.by, pid: 123, since: self.since, run: self.run }, self, () => false)).toBe(false);
  });

  it('a forged lock file yields no holder to trust', () => {
    expect(parseHolder('{"by":"x","pid":1,"since":"2026-01-01T00:00:00Z","run":"\\"; rm -rf ~"}')).toBeNull();
    expect(parseHolder('{"by":"\\u001b]0;pwned\\u0007","pid":1,"since":"2026-01-01T00:00:00Z","run":"0123456789abcdef"}')).toBeNull();
  });
});

describe('backups from the host (item 5)', () => {
  it('archive paths the host reports are checked before they become a local file name', () => {
    expect(parseBackupJson('{"archivePath":"/b/2026-11-26T18-07-44.760+00-00-openclaw-backup.tar.gz","verified":true}')?.archivePath).toBeDefined();
    for (const bad of ['/b/..', '/b/.', 'relative.tar.gz', '/b/../../x.tar.gz', '/b/x\u001b[2J.tar.gz', '/b/']) expect(parseBackupJson(JSON.stringify({ archivePath: bad, verified: true }))?.archivePath, bad).toBeUndefined();
  });

  it('a local write error during the download is a failed step, not an unhandled rejection', async () => {
    const archive = join(root, 'host/backup.tar.gz');
    writeFileSync(archive, 'archive bytes');
    // a local dir no file can be made in, even as root
    mkdirSync(join(process.env.XDG_STATE_HOME!, 'clawfix/backups'), { recursive: true });
    symlinkSync('/proc/self', localBackupDir(HOST.name));
    const streaming = new RemoteHost(transport, target({ serviceUser: 'someone-else' }));
    const error = await downloadBackup(streaming, { remotePath: archive, sha256: '0'.repeat(64), sizeBytes: 13, tool: 'tar' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailed);
    expect((error as StepFailed).message).toMatch(/writing .*backup\.tar\.gz failed: E[A-Z]+/);
  });

  it('the backups listing is parsed with a schema; a forged line refuses it', () => {
    expect(parseListing('new\t120\t2026-11-26T18:07:44Z\ta.tar.gz\nlegacy\t7\t2026-11-25T10:00:00Z\tb.tar.gz\n', 'vps1')).toEqual([
      { kind: 'new', size: 120, modified: '2026-11-26T18:07:44Z', name: 'a.tar.gz' },
      { kind: 'legacy', size: 7, modified: '2026-11-25T10:00:00Z', name: 'b.tar.gz' },
    ]);
    for (const forged of ['new\t1\t2026-11-26T18:07:44Z\t../../x', 'new\tNaN\t2026-11-26T18:07:44Z\ta.tar.gz', 'new\t1\tyesterday\ta.tar.gz', 'new\t1\t2026-11-26T18:07:44Z\t\u001b]52;c;x\u0007.tar.gz']) {
      expect(() => parseListing(`${forged}\n`, 'vps1'), forged).toThrow(/backup listing holds a line clawfix does not accept/);
    }
  });
});
