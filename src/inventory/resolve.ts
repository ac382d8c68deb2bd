import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { HostDefaults, HostEntry, HostsFile } from './schema.js';
import type { HostKeyPolicy, JumpHost, ResolvedHost } from './types.js';

/** What ~/.ssh/config says about one alias (only the options clawfix honours). */
export interface SshConfigValues {
  hostname?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  /** Raw hops (`[user@]host[:port]`), or empty for none. */
  proxyJump: string[];
  userKnownHostsFiles: string[];
  strictHostKeyChecking?: string;
}

export type SshConfigLookup = (alias: string) => SshConfigValues;

export const noSshConfig: SshConfigLookup = () => ({ identityFiles: [], proxyJump: [], userKnownHostsFiles: [] });

export interface ResolveOptions {
  sshConfig: SshConfigLookup;
  /** --host-key-policy; wins over ssh config's StrictHostKeyChecking. */
  hostKeyPolicy?: HostKeyPolicy;
  home?: string;
  localUser?: string;
}

/** Merge defaults, the host entry and ~/.ssh/config. The hosts file wins where both say something. */
export function resolveHosts(file: HostsFile, options: ResolveOptions): ResolvedHost[] {
  return file.hosts.map((entry) => resolveHost(withDefaults(entry, file.defaults), options));
}

function withDefaults(entry: HostEntry, defaults: HostDefaults | undefined): HostEntry {
  if (!defaults) return entry;
  return {
    ...defaults,
    ...entry,
    tags: [...new Set([...(defaults.tags ?? []), ...(entry.tags ?? [])])],
    openclaw: defaults.openclaw || entry.openclaw ? { ...defaults.openclaw, ...entry.openclaw } : undefined,
  };
}

function resolveHost(entry: HostEntry, options: ResolveOptions): ResolvedHost {
  const home = options.home ?? homedir();
  const localUser = options.localUser ?? safeLocalUser();
  const alias = entry.host ?? entry.name;
  const config = options.sshConfig(alias);
  const sources: ResolvedHost['sources'] = {};
  const pick = <T>(key: keyof ResolvedHost['sources'], fromFile: T | undefined, fromConfig: T | undefined, fallback: T): T => {
    if (fromFile !== undefined) return (sources[key] = 'hosts file'), fromFile;
    if (fromConfig !== undefined) return (sources[key] = 'ssh config'), fromConfig;
    sources[key] = 'default';
    return fallback;
  };

  const identityFromFile = entry.identityFile ? [expandHome(entry.identityFile, home)] : undefined;
  const identityFromConfig = config.identityFiles.length > 0 ? config.identityFiles.map((f) => expandHome(f, home)) : undefined;
  const jumpFromFile = entry.proxyJump === undefined ? undefined : [entry.proxyJump].flat();
  const jumpFromConfig = config.proxyJump.length > 0 ? config.proxyJump : undefined;
  const user = pick('user', entry.user, config.user, localUser);

  const host: ResolvedHost = {
    name: entry.name,
    hostname: pick('hostname', entry.host && config.hostname === undefined ? entry.host : undefined, config.hostname, alias),
    port: pick('port', entry.port, config.port, 22),
    user,
    identityFiles: pick('identityFiles', identityFromFile, identityFromConfig, []),
    identitiesOnly: identityFromFile !== undefined || config.identitiesOnly === true,
    proxyJump: pick('proxyJump', jumpFromFile, jumpFromConfig, []).map((hop) => resolveJump(hop, options, home, localUser)),
    knownHostsFiles: knownHostsFiles(config, home),
    hostKeyPolicy: options.hostKeyPolicy ?? policyFromConfig(config.strictHostKeyChecking),
    tags: entry.tags ?? [],
    openclaw: { ...entry.openclaw, account: entry.openclaw?.account ?? 'default' },
    sources,
  };
  return host;
}

/** Each hop is itself looked up in ssh config, as `ssh -J` does. */
function resolveJump(spec: string, options: ResolveOptions, home: string, localUser: string): JumpHost {
  const match = /^(?:([^@]+)@)?([^:@]+)(?::(\d+))?$/.exec(spec);
  if (!match) throw new UsageError(`invalid proxyJump "${spec}"`, 'use [user@]host[:port]');
  const [, user, alias = spec, port] = match;
  const config = options.sshConfig(alias);
  return {
    host: config.hostname ?? alias,
    port: port ? Number(port) : (config.port ?? 22),
    user: user ?? config.user ?? localUser,
    identityFiles: config.identityFiles.map((f) => expandHome(f, home)),
  };
}

function knownHostsFiles(config: SshConfigValues, home: string): string[] {
  const user = config.userKnownHostsFiles.length > 0
    ? config.userKnownHostsFiles.map((f) => expandHome(f, home))
    : [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')];
  // The first user file is where new keys are recorded; the system file is only read.
  return [...user, '/etc/ssh/ssh_known_hosts'];
}

function policyFromConfig(value: string | undefined): HostKeyPolicy {
  return value?.toLowerCase() === 'yes' ? 'strict' : 'accept-new';
}

export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

function safeLocalUser(): string {
  try {
    return process.env.USER || userInfo().username;
  } catch {
    return 'root';
  }
}
