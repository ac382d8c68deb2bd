import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  loadSshConfig,
  parseJumpHop,
  parseProxyJump,
  parseSshConfig,
  readSshConfig,
  resolveJumpHosts,
  resolveSshConfig,
  splitArgs,
} from '../../src/ssh/ssh-config.js';

const ctx = { home: '/home/me', user: 'me' };
const resolve = (text: string, alias: string, extra: Partial<typeof ctx> & { overrides?: { user?: string; port?: number } } = {}) =>
  resolveSshConfig(text, alias, { ...ctx, ...extra });

describe('syntax', () => {
  it('accepts Keyword=value, quotes, case-insensitive keywords and trailing comments', () => {
    const r = resolve('HOSTNAME=10.0.0.1\nuser = "deploy"\nPort 2222 # the ssh port\nIdentityFile "~/my keys/id"\n', 'x');
    expect(r).toMatchObject({ hostname: '10.0.0.1', user: 'deploy', port: 2222, identityFiles: ['/home/me/my keys/id'] });
  });

  it('splits arguments like ssh (quotes, escapes, # at a word start)', () => {
    expect(splitArgs(`a "b c" 'd e' f\\ g h#i #j k`)).toEqual(['a', 'b c', 'd e', 'f g', 'h#i']);
    expect(splitArgs('"open')).toEqual({ error: 'unterminated quoted argument' });
  });

  it('rejects values ssh would reject, naming file and line', () => {
    expect(() => resolve('Host x\n  Port none\n', 'x')).toThrow(UsageError);
    expect(() => resolve('Host x\n  Port none\n', 'x')).toThrow(/ssh config:2: bad port/);
    expect(() => resolve('ProxyJump a@b:99999\n', 'x')).toThrow(/bad ProxyJump/);
  });
});

describe('Host patterns', () => {
  const config = [
    'Host web-? !web-9',
    '  User webuser',
    'Host *.prod db*',
    '  Port 2200',
    'Host *',
    '  User fallback',
    '  Port 22',
  ].join('\n');

  it('matches *, ? and several patterns per line; the first value obtained wins', () => {
    expect(resolve(config, 'web-1')).toMatchObject({ user: 'webuser', port: 22 });
    expect(resolve(config, 'api.prod')).toMatchObject({ user: 'fallback', port: 2200 });
    expect(resolve(config, 'db01')).toMatchObject({ port: 2200 });
    expect(resolve(config, 'web-10')).toMatchObject({ user: 'fallback' });
  });

  it('lets a negated pattern veto the line', () => {
    expect(resolve(config, 'web-9').user).toBe('fallback');
    expect(resolve('Host !bastion\n  User nobody\n', 'other').user).toBeUndefined();
  });

  it('accumulates IdentityFile over blocks, in order', () => {
    const r = resolve('Host web\n  IdentityFile ~/.ssh/web\nHost *\n  IdentityFile ~/.ssh/id_ed25519\n', 'web');
    expect(r.identityFiles).toEqual(['/home/me/.ssh/web', '/home/me/.ssh/id_ed25519']);
  });

  it('keeps the first UserKnownHostsFile line, with all its files', () => {
    const r = resolve('Host web\n  UserKnownHostsFile ~/.ssh/kh1 /etc/kh2\nHost *\n  UserKnownHostsFile ~/.ssh/other\n', 'web');
    expect(r.userKnownHostsFiles).toEqual(['/home/me/.ssh/kh1', '/etc/kh2']);
    expect(resolve('UserKnownHostsFile none\n', 'x').userKnownHostsFiles).toEqual([]);
  });
});

describe('tokens', () => {
  it('expands %h in HostName and %d %u %h %r %p %n %% in IdentityFile after everything is known', () => {
    const r = resolve('Host box\n  HostName %h.example.com\n  IdentityFile %d/keys/%u-%r@%h:%p-%n-100%%\n  User admin\n  Port 2022\n', 'box');
    expect(r.hostname).toBe('box.example.com');
    expect(r.identityFiles).toEqual(['/home/me/keys/me-admin@box.example.com:2022-box-100%']);
  });

  it('uses overrides (the hosts file) for %r and %p', () => {
    const r = resolve('IdentityFile ~/.ssh/%r-%p\nUser cfg\n', 'box', { overrides: { user: 'root', port: 7 } });
    expect(r.identityFiles).toEqual(['/home/me/.ssh/root-7']);
    expect(r.user).toBe('cfg');
  });

  it('warns about unknown tokens and keeps them', () => {
    const r = resolve('IdentityFile ~/.ssh/%Z\n', 'box');
    expect(r.identityFiles).toEqual(['/home/me/.ssh/%Z']);
    expect(r.warnings.join()).toMatch(/unknown token %Z/);
  });
});

describe('Match', () => {
  it('supports Match all and Match host (against HostName), originalhost, user', () => {
    const text = ['Host box', '  HostName 10.1.2.3', 'Match host 10.1.*', '  User net', 'Match originalhost other', '  Port 2', 'Match all', '  Port 3'].join('\n');
    expect(resolve(text, 'box')).toMatchObject({ user: 'net', port: 3 });
    expect(resolve(text, 'other')).toMatchObject({ port: 2 });
    expect(resolve('Match user root\n  Port 9\n', 'x', { overrides: { user: 'root' } }).port).toBe(9);
    expect(resolve('Match !user root\n  Port 9\n', 'x', { overrides: { user: 'root' } }).port).toBeUndefined();
  });

  it('skips blocks with criteria it cannot evaluate, with a warning', () => {
    const r = resolve('Match exec "test -f /x"\n  User execuser\nMatch canonical host *\n  Port 5\nHost *\n  User plain\n', 'box');
    expect(r.user).toBe('plain');
    expect(r.port).toBeUndefined();
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/ssh config:1: .*Match exec/);
  });
});

describe('ProxyJump', () => {
  it('parses user@host:port hops, brackets, ssh:// and none', () => {
    expect(parseProxyJump('admin@bastion:2222,inner')).toEqual([{ user: 'admin', host: 'bastion', port: 2222 }, { host: 'inner' }]);
    expect(parseJumpHop('ssh://u@[fd00::1]:22')).toEqual({ user: 'u', host: 'fd00::1', port: 22 });
    expect(parseJumpHop('fd00::1')).toEqual({ host: 'fd00::1' });
    expect(parseProxyJump('none')).toEqual([]);
    expect(parseProxyJump('a:b')).toBeUndefined();
  });

  it('lets the first of ProxyJump / ProxyCommand win, and none disable a later default', () => {
    expect(resolve('Host a\n  ProxyJump none\nHost *\n  ProxyJump bastion\n', 'a').proxyJump).toEqual([]);
    expect(resolve('Host *\n  ProxyJump j1,j2:2200\n', 'a').proxyJump).toEqual([{ host: 'j1' }, { host: 'j2', port: 2200 }]);
    const r = resolve('ProxyCommand nc %h %p\nProxyJump bastion\n', 'a');
    expect(r.proxyJump).toBeUndefined();
    expect(r.proxyCommand).toBe('nc %h %p');
  });

  it('resolves each hop through the config under its own name, following the first hop own ProxyJump', () => {
    const config = parseSshConfig('Host bastion\n  HostName 192.0.2.1\n  User jump\n  Port 2201\n  IdentityFile ~/.ssh/jump\n  ProxyJump outer\nHost outer\n  HostName 192.0.2.9\n');
    const hops = resolveJumpHosts(config, [{ host: 'bastion' }, { host: 'inner', user: 'x', port: 23 }], ctx);
    expect(hops).toEqual([
      { host: '192.0.2.9', port: 22, user: 'me', identityFiles: [] },
      { host: '192.0.2.1', port: 2201, user: 'jump', identityFiles: ['/home/me/.ssh/jump'] },
      { host: 'inner', port: 23, user: 'x', identityFiles: [] },
    ]);
  });
});

describe('loading files', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'clawfix-sshcfg-'));
    await mkdir(join(home, '.ssh', 'conf.d'), { recursive: true });
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('treats a missing ~/.ssh/config as empty', async () => {
    const lookup = await loadSshConfig(undefined, { home, user: 'me', systemFile: null });
    expect(lookup('anything')).toMatchObject({ identityFiles: [], proxyJump: [], userKnownHostsFiles: [] });
  });

  it('follows Include with globs relative to ~/.ssh, in sorted order, in place', async () => {
    await writeFile(join(home, '.ssh', 'config'), 'Include conf.d/*.conf\nHost *\n  User late\n  Port 2000\n');
    await writeFile(join(home, '.ssh', 'conf.d', 'b.conf'), 'Host web\n  User from-b\n  Port 2002\n');
    await writeFile(join(home, '.ssh', 'conf.d', 'a.conf'), 'Host web\n  User from-a\n');
    await writeFile(join(home, '.ssh', 'conf.d', 'ignored.txt'), 'Host web\n  User from-txt\n');
    const lookup = await loadSshConfig(undefined, { home, user: 'me', systemFile: null });
    expect(lookup('web')).toMatchObject({ user: 'from-a', port: 2002 });
    expect(lookup('other')).toMatchObject({ user: 'late', port: 2000 });
  });

  it('applies an Include inside a Host block only to that host, and restores the block after it', async () => {
    await writeFile(join(home, '.ssh', 'config'), 'Host web\n  Include ~/.ssh/conf.d/inner\n  Port 2222\nHost *\n  User outer\n');
    await writeFile(join(home, '.ssh', 'conf.d', 'inner'), 'Host *\n  User inner\n');
    const lookup = await loadSshConfig(undefined, { home, user: 'me', systemFile: null });
    expect(lookup('web')).toMatchObject({ user: 'inner', port: 2222 });
    expect(lookup('db')).toMatchObject({ user: 'outer' });
    expect(lookup('db').port).toBeUndefined();
  });

  it('stops Include recursion', async () => {
    await writeFile(join(home, '.ssh', 'config'), 'Include config\n');
    await expect(readSshConfig({ home, systemFile: null })).rejects.toThrow(/too many nested Include/);
  });

  it('reads the system file after the user one, each starting active', async () => {
    await writeFile(join(home, '.ssh', 'config'), 'Host other\n  User o\n');
    await writeFile(join(home, 'system_config'), 'User sys\nPort 2\n');
    const lookup = await loadSshConfig(undefined, { home, user: 'me', systemFile: join(home, 'system_config') });
    expect(lookup('web')).toMatchObject({ user: 'sys', port: 2 });
    expect(lookup('other')).toMatchObject({ user: 'o', port: 2 });
  });

  it('with -F reads only that file, which must exist', async () => {
    await writeFile(join(home, 'alt'), 'Port 7\n');
    expect((await loadSshConfig(join(home, 'alt'), { home, user: 'me', systemFile: join(home, 'nope') }))('x').port).toBe(7);
    await expect(loadSshConfig(join(home, 'missing'), { home })).rejects.toThrow(/Can't open ssh config file/);
  });

  it('refuses a config others can write to, as ssh does', async () => {
    const file = join(home, '.ssh', 'config');
    await writeFile(file, 'Port 7\n');
    await chmod(file, 0o666);
    await expect(loadSshConfig(undefined, { home, systemFile: null })).rejects.toThrow(/Bad owner or permissions/);
  });
});

const hasSsh = (() => {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasSsh)('agreement with ssh -G', () => {
  it('resolves User, HostName, Port, ProxyJump and UserKnownHostsFile as OpenSSH does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clawfix-sshG-'));
    try {
      await mkdir(join(dir, 'conf.d'));
      await writeFile(join(dir, 'conf.d', '10-web.conf'), 'Host web-1\n  Port 2001\n  User early\n');
      const file = join(dir, 'config');
      await writeFile(
        file,
        [
          `Include ${dir}/conf.d/*.conf`,
          'Host web-? !web-9',
          '  User webuser',
          '  ProxyJump none',
          'Host *.prod db*',
          '  Port=2200',
          '  HostName %h.internal',
          'Host box',
          '  HostName 10.1.2.3',
          'Match host 10.1.*',
          '  User net',
          `  UserKnownHostsFile ${dir}/kh1 ${dir}/kh2`,
          'Match originalhost db* !user nobody',
          '  ProxyJump ops@jump:2222,inner',
          'Host *',
          '  User fallback',
          `  UserKnownHostsFile ${dir}/other`,
          '  ProxyJump j1,admin@j2:2200',
        ].join('\n'),
      );
      const lookup = await loadSshConfig(file, { home: dir, user: 'me' });
      for (const alias of ['web-1', 'web-9', 'api.prod', 'box', 'db01', 'plain']) {
        const out = execFileSync('ssh', ['-G', '-F', file, alias], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const g = new Map(out.split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as const));
        const ours = lookup(alias);
        expect({ alias, user: ours.user, hostname: ours.hostname ?? alias, port: String(ours.port ?? 22), jump: ours.proxyJump.join(',') || undefined, kh: ours.userKnownHostsFiles.join(' ') }).toEqual({
          alias,
          user: g.get('user'),
          hostname: g.get('hostname'),
          port: g.get('port'),
          jump: g.get('proxyjump'),
          kh: g.get('userknownhostsfile'),
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
