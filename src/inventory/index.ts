import { homedir } from 'node:os';
import type { GlobalOptions } from '../context.js';
import { loadSshConfig } from '../ssh/ssh-config.js';
import { readHostsFile } from './load.js';
import { resolveHosts } from './resolve.js';
import { selectHosts } from './targets.js';
import type { ResolvedHost } from './types.js';

export interface Inventory {
  path: string;
  /** Every host in the file, resolved. */
  all: ResolvedHost[];
  /** The hosts the command line selected. */
  selected: ResolvedHost[];
}

/** Hosts file + ~/.ssh/config → the resolved hosts a command works on. */
export async function loadInventory(options: GlobalOptions, targets: readonly string[]): Promise<Inventory> {
  const { file, path } = await readHostsFile(options.hosts);
  const home = process.env.HOME || homedir();
  const sshConfig = await loadSshConfig(options.sshConfig, { home });
  const all = resolveHosts(file, { sshConfig, hostKeyPolicy: options.hostKeyPolicy, home });
  return { path, all, selected: selectHosts(all, targets) };
}
