/**
 * ~/.ssh/config for clawfix: `resolveSshConfig` (pure, ssh-config-resolve.ts) and `loadSshConfig`,
 * which reads the files once and answers per alias in the shape the inventory merges.
 */
import { userInfo } from 'node:os';
import { readSshConfig } from './ssh-config-load.js';
import { resolveSshConfig, type SshConfigContext, type SshHostConfig } from './ssh-config-resolve.js';
import type { ProxyJumpHop, SshConfig } from './ssh-config-parse.js';

export { parseSshConfig, parseProxyJump, parseJumpHop, splitArgs } from './ssh-config-parse.js';
export type { ProxyJumpHop, SshConfig, SshConfigLine } from './ssh-config-parse.js';
export { resolveSshConfig, resolveJumpHosts } from './ssh-config-resolve.js';
export type { SshConfigContext, SshHostConfig, StrictHostKeyChecking } from './ssh-config-resolve.js';
export { readSshConfig, expandGlob, defaultSshConfigPath, DEFAULT_SYSTEM_SSH_CONFIG } from './ssh-config-load.js';

/** One alias's values with lists always present: `proxyJump` as `[user@]host[:port]` specs, [] for none. */
export interface SshConfigValues extends Omit<SshHostConfig, 'proxyJump' | 'userKnownHostsFiles'> {
  proxyJump: string[];
  userKnownHostsFiles: string[];
}

export type SshConfigLookup = ((alias: string) => SshConfigValues) & { config: SshConfig };

export function formatJumpHop(hop: ProxyJumpHop): string {
  const host = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
  return `${hop.user === undefined ? '' : `${hop.user}@`}${host}${hop.port === undefined ? '' : `:${hop.port}`}`;
}

function localUser(): string {
  try {
    return process.env.USER || userInfo().username;
  } catch {
    return 'root';
  }
}

/** Wraps a parsed config as a per-alias lookup (memoized: fleets ask for the same bastion often). */
export function sshConfigLookup(config: SshConfig, ctx: SshConfigContext): SshConfigLookup {
  const cache = new Map<string, SshConfigValues>();
  const lookup = (alias: string): SshConfigValues => {
    let values = cache.get(alias);
    if (values === undefined) {
      const { proxyJump, userKnownHostsFiles, ...rest } = resolveSshConfig(config, alias, ctx);
      values = { ...rest, proxyJump: (proxyJump ?? []).map(formatJumpHop), userKnownHostsFiles: userKnownHostsFiles ?? [] };
      cache.set(alias, values);
    }
    return values;
  };
  return Object.assign(lookup, { config });
}

/**
 * Reads `file` (the -F option; then only that file, which must exist) or ~/.ssh/config (missing:
 * empty) plus /etc/ssh/ssh_config, with their Includes.
 */
export async function loadSshConfig(
  file: string | undefined,
  options: { home: string; user?: string; systemFile?: string | null },
): Promise<SshConfigLookup> {
  const config = await readSshConfig({ home: options.home, ...(file === undefined ? {} : { file }), ...(options.systemFile === undefined ? {} : { systemFile: options.systemFile }) });
  return sshConfigLookup(config, { home: options.home, user: options.user ?? localUser() });
}
