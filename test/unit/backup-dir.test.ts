// Where backups go on the host: the scripts that choose the dir and refuse one inside what
// `openclaw backup create` archives, run for real by `sh` in a temp dir whose name needs quoting.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INSIDE_SOURCE, NOT_ON_VOLUME, NOT_OWN, backupDirRefusal, backupSubdir, parseBackupDir, prepareBackupDirScript, reportPrepared, resolveBackupDirScript } from '../../src/fix/backup-dir.js';
import { locateArchiveScript, parseLocated } from '../../src/fix/restore.js';
import { quote } from '../../src/shell.js';
import { LocalTransport } from '../../src/transport/local.js';
import { HOST } from '../fixtures/fix/diagnosis.js';

let root: string;
let stateDir: string;
let home: string;
const transport = new LocalTransport();

/** Runs a script with HOME (and more variables) set as the service user's shell would have them. */
const run = (script: string, env: Record<string, string> = {}) => {
  const vars = Object.entries({ HOME: home, XDG_STATE_HOME: '', OPENCLAW_CONFIG_PATH: '', OPENCLAW_OAUTH_DIR: '', CLAWFIX_CONTAINER_STATE: '', ...env });
  return transport.exec(`${vars.map(([k, v]) => `${k}=${quote(v)}; export ${k}`).join('\n')}\n${script}`);
};
const target = (container?: string) => ({ stateDir, host: { ...HOST, openclaw: { account: 'default', ...(container ? { container } : {}) } } });
const prepare = (env?: Record<string, string>, container?: string) => run(`${prepareBackupDirScript(target(container)).text}\n${reportPrepared().text}`, env);

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "clawfix it's-")));
  home = join(root, 'home');
  stateDir = join(home, '.openclaw');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, 'openclaw.json'), '{}');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the backup dir', () => {
  it("is the user's XDG state dir, one subdir per state dir, made 0700 and its own", async () => {
    const r = await prepare();
    expect(r.exitCode, r.stderr).toBe(0);
    const dir = parseBackupDir(r.stdout);
    expect(dir).toBe(`${home}/.local/state/clawfix/backups/${backupSubdir(stateDir)}`);
    expect(statSync(dir!).mode & 0o777).toBe(0o700);
    expect(statSync(dir!).uid).toBe(process.getuid?.());
    // nothing in the state dir
    expect(readdirSync(stateDir)).toEqual(['openclaw.json']);

    // an absolute XDG_STATE_HOME wins; a relative one is ignored (XDG spec)
    expect(parseBackupDir((await prepare({ XDG_STATE_HOME: join(root, 'xdg') })).stdout)).toBe(`${root}/xdg/clawfix/backups/${backupSubdir(stateDir)}`);
    expect(parseBackupDir((await prepare({ XDG_STATE_HOME: 'relative/xdg' })).stdout)).toBe(dir);
  });

  it('keeps the profiles of one user apart, and tells two state dirs of the same name apart', () => {
    const names = ['/home/a/.openclaw', '/home/a/.openclaw-work', '/srv/one/state', '/srv/two/state'].map(backupSubdir);
    expect(new Set(names).size).toBe(4);
    expect(names[0]).toMatch(/^openclaw-[0-9a-f]{8}$/);
    expect(names[1]).toMatch(/^openclaw-work-[0-9a-f]{8}$/);
  });

  it('the read-only resolve prints the same dir and makes nothing', async () => {
    const r = await run(resolveBackupDirScript(target()).text);
    expect(parseBackupDir(r.stdout)).toBe(`${home}/.local/state/clawfix/backups/${backupSubdir(stateDir)}`);
    expect(existsSync(join(home, '.local'))).toBe(false);
  });

  it('is refused inside the state dir (even through a symlink), before anything is made', async () => {
    const inState = await prepare({ HOME: stateDir });
    expect(inState.exitCode).toBe(INSIDE_SOURCE);
    expect(inState.stderr).toBe(
      `clawfix: backups would go to ${stateDir}/.local/state/clawfix/backups/${backupSubdir(stateDir)}, which is inside the state dir ${stateDir}: ` +
        `openclaw backup create archives that and refuses to write into it; move ${stateDir} to a place of its own, or give ${userName()} an XDG_STATE_HOME outside it, then run clawfix again\n`,
    );
    expect(readdirSync(stateDir)).toEqual(['openclaw.json']);

    symlinkSync(stateDir, join(root, 'link'));
    const viaLink = await prepare({ XDG_STATE_HOME: join(root, 'link/state') });
    expect(viaLink.exitCode).toBe(INSIDE_SOURCE);
    expect(viaLink.stderr).toContain(`which is inside the state dir ${stateDir}:`);
    expect(readdirSync(stateDir)).toEqual(['openclaw.json']);
  });

  it('is refused inside a workspace or agent dir the config names (JSON5, ~ expanded) or the credentials dir', async () => {
    writeFileSync(join(stateDir, 'openclaw.json'), `{ agents: { defaults: { workspace: '~/' } } }`);
    const ws = await prepare();
    expect(ws.exitCode).toBe(INSIDE_SOURCE);
    expect(ws.stderr).toContain(`which is inside a workspace or agent dir of ${stateDir}/openclaw.json: ${home}:`);
    expect(existsSync(join(home, '.local'))).toBe(false);

    writeFileSync(join(stateDir, 'openclaw.json'), JSON.stringify({ agents: { list: [{ id: 'a', agentDir: join(home, '.local') }] } }));
    expect((await prepare()).stderr).toContain(`inside a workspace or agent dir of ${stateDir}/openclaw.json: ${home}/.local:`);

    writeFileSync(join(stateDir, 'openclaw.json'), '{}');
    const oauth = await prepare({ OPENCLAW_OAUTH_DIR: '~' });
    expect(oauth.exitCode).toBe(INSIDE_SOURCE);
    expect(oauth.stderr).toContain(`inside the credentials dir (OPENCLAW_OAUTH_DIR) ${home}:`);
  });

  it("is fine beside a config kept outside the state dir: the real CLI archives the file, not its dir", async () => {
    writeFileSync(join(root, 'openclaw.json'), `{ agents: { defaults: { workspace: "${join(root, 'ws')}" } } }`);
    const r = await prepare({ OPENCLAW_CONFIG_PATH: join(root, 'openclaw.json') });
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it.runIf(process.getuid?.() === 0)("is refused when it belongs to another user", async () => {
    const dir = join(home, '.local/state/clawfix/backups', backupSubdir(stateDir));
    mkdirSync(dir, { recursive: true });
    chownSync(dir, 65534, 65534);
    const r = await prepare();
    expect(r.exitCode).toBe(NOT_OWN);
    expect(r.stderr).toMatch(/^clawfix: .+ belongs to another user, not \S+: give it back \(chown\) or remove it, then run clawfix again\n$/);
  });

  // The container cases hinge on /proc/self/mountinfo: a dir on the root file system vs on another mount.
  const onRootFs = (dir: string) => execFileSync('df', ['-P', dir], { encoding: 'utf8' }).split('\n')[1]?.trim().split(/\s+/)[5] === '/';
  const linux = existsSync('/proc/self/mountinfo');

  it.runIf(linux && onRootFs(tmpdir()))("in a stopped container's copy: refused unless on a volume; in a running one: named", async () => {
    const copy = await prepare({ CLAWFIX_CONTAINER_STATE: 'exited' }, 'oc-1');
    expect(copy.exitCode).toBe(NOT_ON_VOLUME);
    expect(copy.stderr).toMatch(/^clawfix: container oc-1 is exited, and .+ is not on one of its volumes: a backup made in its throwaway copy would vanish with the copy; start the container/);
    expect(existsSync(join(home, '.local'))).toBe(false);

    const running = await prepare({}, 'oc-1');
    expect(running.exitCode, running.stderr).toBe(0);
    expect(running.stdout).toMatch(/^note: .+ is in the container's own file system, not on a volume/m);
    // an archive there cannot be restored: the restore runs in the stopped container's copy
    const dir = parseBackupDir(running.stdout)!;
    writeFileSync(join(dir, 'b.tar.gz'), 'x');
    const located = parseLocated((await run(locateArchiveScript(target('oc-1'), 'b.tar.gz').text)).stdout);
    expect(located).toEqual({ archive: `${dir}/b.tar.gz`, onVolume: false });
    expect(parseLocated((await run(locateArchiveScript(target(), 'b.tar.gz').text)).stdout).onVolume).toBeNull();
  });

  it.runIf(linux && existsSync('/dev/shm') && !onRootFs('/dev/shm'))("in a stopped container's copy: fine on a volume (another mount)", async () => {
    const xdg = mkdtempSync('/dev/shm/clawfix-xdg-');
    try {
      const r = await prepare({ XDG_STATE_HOME: xdg, CLAWFIX_CONTAINER_STATE: 'exited' }, 'oc-1');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/^note:/m);
    } finally {
      rmSync(xdg, { recursive: true, force: true });
    }
  });

  it('turns a refusal (its own, or the real CLI\'s) into one line; other failures are not refusals', () => {
    expect(backupDirRefusal('box', INSIDE_SOURCE, 'clawfix: backups would go to /x, which is inside …')?.message).toBe('box: backups would go to /x, which is inside …; nothing was changed');
    const real = 'Backup output must not be written inside a source path: /s/b/x.tar.gz is inside /s';
    expect(backupDirRefusal('box', 1, real)?.message).toBe('box: openclaw backup create refused to write /s/b/x.tar.gz, which is inside /s (what it archives); nothing was changed');
    expect(backupDirRefusal('box', 1, 'mkdir: Permission denied')).toBeNull();
    expect(backupDirRefusal('box', 1, 'clawfix: something else')).toBeNull();
    // the line lost on the way (a container engine dropping output): the exit code still says what happened
    expect(backupDirRefusal('box', NOT_ON_VOLUME, '')?.message).toMatch(/^box: the backup dir is not on one of the stopped container's volumes: .*; nothing was changed$/);
  });
});

describe('finding an archive to restore', () => {
  it('a bare name in the backup dir first, then in the legacy .clawfix/backups/; a path as given', async () => {
    const dir = parseBackupDir((await prepare()).stdout)!;
    mkdirSync(join(stateDir, '.clawfix/backups'), { recursive: true });
    writeFileSync(join(stateDir, '.clawfix/backups/old.tar.gz'), 'legacy');
    writeFileSync(join(stateDir, '.clawfix/backups/both.tar.gz'), 'legacy');
    writeFileSync(join(dir, 'both.tar.gz'), 'new');
    writeFileSync(join(root, 'elsewhere.tar.gz'), 'x');
    const find = async (name: string) => parseLocated((await run(locateArchiveScript(target(), name).text)).stdout).archive;
    expect(await find('both.tar.gz')).toBe(`${dir}/both.tar.gz`);
    expect(await find('old.tar.gz')).toBe(`${stateDir}/.clawfix/backups/old.tar.gz`);
    expect(await find(join(root, 'elsewhere.tar.gz'))).toBe(join(root, 'elsewhere.tar.gz'));
    expect(await find('nope.tar.gz')).toBeNull();
  });
});

function userName(): string {
  return execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
}
