import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { HostsFileError, hostsFileCandidates, parseHostsFile } from '../../src/inventory/load.js';
import { noSshConfig, resolveHosts, type SshConfigValues } from '../../src/inventory/resolve.js';
import { selectHosts } from '../../src/inventory/targets.js';
import { UsageError } from '../../src/errors.js';

function errorOf(text: string): HostsFileError {
  try {
    parseHostsFile(text, 'hosts.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(HostsFileError);
    return error as HostsFileError;
  }
  throw new Error('expected the hosts file to be rejected');
}

describe('hosts file', () => {
  it('accepts hosts.example.yaml, which shows every field', () => {
    const file = parseHostsFile(readFileSync('hosts.example.yaml', 'utf8'), 'hosts.example.yaml');
    expect(file.hosts.map((h) => h.name)).toEqual(['assistant-1', 'assistant-2', 'lab', 'docker-box']);
    const fields = new Set(file.hosts.flatMap((h) => Object.keys(h)));
    for (const field of ['name', 'host', 'port', 'user', 'identityFile', 'proxyJump', 'tags', 'openclaw']) expect(fields).toContain(field);
  });

  it('names the line, column and field of a misspelt key and suggests the right one', () => {
    const error = errorOf('hosts:\n  - name: web-1\n    host: 10.0.0.1\n    prot: 2222\n');
    expect(error.message).toBe('hosts.yaml:4:5: hosts[0].prot: unknown key "prot" (did you mean "port"?)');
    expect(error.exitCode).toBe(2);
  });

  it('suggests keys inside the openclaw block too', () => {
    const error = errorOf('hosts:\n  - name: a\n    openclaw:\n      stateDri: /srv/oc\n');
    expect(error.message).toContain('hosts.yaml:4:7: hosts[0].openclaw.stateDri: unknown key "stateDri" (did you mean "stateDir"?)');
  });

  it('says what was expected for a wrong type, pointing at the value', () => {
    const error = errorOf('hosts:\n  - name: a\n    port: "twenty-two"\n');
    expect(error.message).toMatch(/^hosts\.yaml:3:11: hosts\[0\]\.port: expected number, got string "twenty-two"/);
  });

  it('rejects out-of-range ports', () => {
    expect(errorOf('hosts:\n  - name: a\n    port: 70000\n').message).toMatch(/hosts\[0\]\.port: invalid value 70000/);
  });

  it('reports a missing name at the host entry', () => {
    expect(errorOf('hosts:\n  - host: example.com\n').message).toMatch(/^hosts\.yaml:2:5: hosts\[0\]\.name: missing, expected string/);
  });

  it('rejects duplicate names with both positions', () => {
    const error = errorOf('hosts:\n  - name: a\n  - name: b\n  - name: a\n');
    expect(error.message).toBe('hosts.yaml:4:11: hosts[2].name: duplicate name "a" (also hosts[0])');
  });

  it('reports YAML syntax errors with their position', () => {
    expect(errorOf('hosts:\n  - name: a\n   bad: [\n').message).toMatch(/^hosts\.yaml:\d+:\d+: invalid YAML/);
  });

  it('refuses values that could inject shell syntax', () => {
    const hostile = [
      'hosts:\n  - name: "a;reboot"\n',
      'hosts:\n  - name: a\n    user: "root; rm -rf /"\n',
      'hosts:\n  - name: a\n    openclaw:\n      stateDir: "/srv/$(reboot)"\n',
      'hosts:\n  - name: a\n    openclaw:\n      stateDir: /home/x/../../etc\n',
      'hosts:\n  - name: a\n    openclaw:\n      account: "x`id`"\n',
      'hosts:\n  - name: a\n    openclaw:\n      profile: "a b"\n',
      'hosts:\n  - name: a\n    host: "-oProxyCommand=sh"\n',
    ];
    for (const text of hostile) expect(() => parseHostsFile(text, 'h.yaml'), text).toThrow(HostsFileError);
  });

  it('rejects a file without hosts', () => {
    expect(errorOf('defaults:\n  user: a\n').message).toMatch(/hosts: missing, expected array/);
  });
});

describe('resolution', () => {
  const file = parseHostsFile(
    [
      'defaults:',
      '  user: deploy',
      '  tags: [all]',
      '  openclaw: { user: openclaw }',
      'hosts:',
      '  - name: a',
      '    host: alias-a',
      '    tags: [prod]',
      '  - name: b',
      '    port: 2200',
      '    user: root',
      '    proxyJump: [jump1, ops@jump2:2022]',
      '    openclaw: { account: work }',
    ].join('\n'),
    'h.yaml',
  );
  const config = (alias: string): SshConfigValues => {
    const base = { identityFiles: [] as string[], proxyJump: [] as string[], userKnownHostsFiles: [] as string[] };
    if (alias === 'alias-a') return { ...base, hostname: '192.0.2.7', user: 'cfg-user', port: 2022, identityFiles: ['~/.ssh/a_key'] };
    if (alias === 'b') return { ...base, port: 2299, user: 'cfg', strictHostKeyChecking: 'yes' };
    if (alias === 'jump1') return { ...base, hostname: 'bastion.example', user: 'jumper', port: 2201 };
    return base;
  };
  const [a, b] = resolveHosts(file, { sshConfig: config, home: '/home/me', localUser: 'me' });

  it('follows ssh config for what the hosts file does not say', () => {
    expect(a).toMatchObject({ hostname: '192.0.2.7', port: 2022, identityFiles: ['/home/me/.ssh/a_key'], identitiesOnly: false });
    expect(a!.sources).toMatchObject({ hostname: 'ssh config', port: 'ssh config', user: 'hosts file' });
  });

  it('lets the hosts file (and its defaults) win where both say something', () => {
    expect(a!.user).toBe('deploy');
    expect(b).toMatchObject({ port: 2200, user: 'root', hostname: 'b' });
  });

  it('merges default tags and the openclaw block, and defaults the account', () => {
    expect(a!.tags).toEqual(['all', 'prod']);
    expect(a!.openclaw).toEqual({ user: 'openclaw', account: 'default' });
    expect(b!.openclaw).toEqual({ user: 'openclaw', account: 'work' });
  });

  it('resolves every ProxyJump hop through ssh config', () => {
    expect(b!.proxyJump).toEqual([
      { host: 'bastion.example', port: 2201, user: 'jumper', identityFiles: [] },
      { host: 'jump2', port: 2022, user: 'ops', identityFiles: [] },
    ]);
  });

  it('takes StrictHostKeyChecking from ssh config unless --host-key-policy is given', () => {
    expect(a!.hostKeyPolicy).toBe('accept-new');
    expect(b!.hostKeyPolicy).toBe('strict');
    const [, overridden] = resolveHosts(file, { sshConfig: config, home: '/h', localUser: 'me', hostKeyPolicy: 'accept-new' });
    expect(overridden!.hostKeyPolicy).toBe('accept-new');
  });

  it('records new keys in ~/.ssh/known_hosts by default', () => {
    expect(a!.knownHostsFiles[0]).toBe('/home/me/.ssh/known_hosts');
  });

  it('uses the local user when nobody names one', () => {
    const [only] = resolveHosts(parseHostsFile('hosts:\n  - name: x\n', 'h'), { sshConfig: noSshConfig, home: '/h', localUser: 'me' });
    expect(only).toMatchObject({ user: 'me', hostname: 'x', port: 22 });
  });
});

describe('hosts file location', () => {
  it('prefers --hosts, then $CLAWFIX_HOSTS, then ./hosts.yaml and ~/.config/clawfix/hosts.yaml', () => {
    expect(hostsFileCandidates('x.yaml', {}, '/w')).toEqual(['/w/x.yaml']);
    expect(hostsFileCandidates(undefined, { CLAWFIX_HOSTS: '/e/h.yaml' }, '/w')).toEqual(['/e/h.yaml']);
    expect(hostsFileCandidates(undefined, { HOME: '/home/me' }, '/w')).toEqual(['/w/hosts.yaml', '/home/me/.config/clawfix/hosts.yaml']);
  });
});

describe('targets', () => {
  const fleet = [
    { name: 'web-1', tags: ['prod'] },
    { name: 'web-2', tags: ['prod', 'eu'] },
    { name: 'db-1', tags: ['eu'] },
  ];
  it('selects by name, glob and tag, keeping the file order', () => {
    expect(selectHosts(fleet, []).map((h) => h.name)).toEqual(['web-1', 'web-2', 'db-1']);
    expect(selectHosts(fleet, ['db-1', 'web-*']).map((h) => h.name)).toEqual(['web-1', 'web-2', 'db-1']);
    expect(selectHosts(fleet, ['@eu']).map((h) => h.name)).toEqual(['web-2', 'db-1']);
    expect(selectHosts(fleet, ['web-?']).map((h) => h.name)).toEqual(['web-1', 'web-2']);
  });
  it('refuses a selector that matches nothing, with a suggestion', () => {
    expect(() => selectHosts(fleet, ['web-3'])).toThrow(UsageError);
    expect(() => selectHosts(fleet, ['wbe-1'])).toThrow(/unknown host "wbe-1"/);
    try {
      selectHosts(fleet, ['@prd']);
    } catch (error) {
      expect((error as UsageError).hint).toBe('did you mean "@prod"?');
    }
  });
});
