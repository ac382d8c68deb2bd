/** Reads ssh config files and what their `Include` lines name (globs, nesting), like ssh's readconf. */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { UsageError } from '../errors.js';
import { hasWildcard, matchPattern } from './patterns.js';
import { parseSshConfig, type SshConfig, type SshConfigLine } from './ssh-config-parse.js';
import { mebibytes, readCapped } from '../read-capped.js';

/** An ssh config (each file of its Includes) is a few KB; past this it is the wrong file. */
const MAX_SSH_CONFIG_BYTES = 4 * 1024 * 1024;

export const DEFAULT_SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';
const MAX_INCLUDE_DEPTH = 16;

export interface LoadSshConfigOptions {
  home: string;
  /** `-F FILE`: read only this file (no system-wide config, as ssh); it must exist. */
  file?: string;
  /** The system-wide config read after the user's when no file is given; null to skip it. */
  systemFile?: string | null;
}

export function defaultSshConfigPath(home: string): string {
  return join(home, '.ssh', 'config');
}

/** Expands one absolute glob pattern (`*`, `?` per path segment) to existing paths, sorted as glob(3) does. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const segments = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let bases = [segments[0] === '' ? '/' : ''];
  for (const segment of segments.slice(1)) {
    const next: string[] = [];
    for (const base of bases) {
      if (!hasWildcard(segment)) {
        next.push(join(base, segment));
        continue;
      }
      const names = await readdir(base).catch(() => [] as string[]);
      for (const name of names.sort()) {
        // As with the shell, wildcards do not match a leading dot unless the pattern has one.
        if (name.startsWith('.') && !segment.startsWith('.')) continue;
        if (matchPattern(name, segment)) next.push(join(base, name));
      }
    }
    bases = next;
  }
  const existing = await Promise.all(bases.map(async (p) => ((await stat(p).catch(() => undefined))?.isFile() ? p : undefined)));
  return existing.filter((p): p is string => p !== undefined);
}

/** ssh ignores (fatally) a config that others could have written to. */
async function checkPermissions(path: string): Promise<void> {
  const st = await stat(path);
  const uid = process.getuid?.();
  if ((uid !== undefined && st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new UsageError(`Bad owner or permissions on ${path}`, `ssh refuses it too: chown it to yourself and chmod 600 ${path}.`);
  }
}

interface LoadState {
  home: string;
  /** Relative Include paths are relative to ~/.ssh for user files, /etc/ssh for the system one. */
  includeBase: string;
  user: boolean;
  warnings: string[];
}

async function readConfigFile(path: string, state: LoadState, depth: number, mustExist: boolean): Promise<SshConfigLine[] | undefined> {
  let text: string;
  try {
    const bytes = await readCapped(path, MAX_SSH_CONFIG_BYTES);
    if (!bytes) throw new UsageError(`${path} is larger than ${mebibytes(MAX_SSH_CONFIG_BYTES)}: not an ssh config`, 'Check the path given with -F.');
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return undefined;
    if (code === 'ENOENT') throw new UsageError(`Can't open ssh config file ${path}`, 'Check the path given with -F.');
    state.warnings.push(`${path}: cannot read (${code ?? 'error'}); ignored`);
    return undefined;
  }
  if (state.user) await checkPermissions(path);
  const { lines } = parseSshConfig(text, path);
  for (const line of lines) {
    if (line.keyword !== 'include') continue;
    if (depth >= MAX_INCLUDE_DEPTH) {
      throw new UsageError(`${path}:${line.line}: too many nested Include directives`, 'Check Include lines for a loop.');
    }
    line.include = [];
    for (const arg of line.args) {
      let pattern = arg === '~' || arg.startsWith('~/') ? state.home + arg.slice(1) : arg;
      if (!isAbsolute(pattern)) pattern = join(state.includeBase, pattern);
      // A pattern that matches nothing is fine for ssh ("matched no files").
      for (const file of await expandGlob(pattern)) {
        line.include.push(...((await readConfigFile(file, state, depth + 1, false)) ?? []));
      }
    }
  }
  return lines;
}

/** The user's config (missing: empty) then the system one, Includes read in place. */
export async function readSshConfig(options: LoadSshConfigOptions): Promise<SshConfig> {
  const warnings: string[] = [];
  const userState: LoadState = { home: options.home, includeBase: join(options.home, '.ssh'), user: true, warnings };
  const userFile = options.file ?? defaultSshConfigPath(options.home);
  const lines = (await readConfigFile(userFile, userState, 0, options.file !== undefined)) ?? [];
  const systemFile = options.file !== undefined ? null : options.systemFile === undefined ? DEFAULT_SYSTEM_SSH_CONFIG : options.systemFile;
  if (systemFile !== null) {
    const systemState: LoadState = { home: options.home, includeBase: '/etc/ssh', user: false, warnings };
    const systemLines = await readConfigFile(systemFile, systemState, 0, false);
    // Each top-level file starts active, whatever block the previous one ended in.
    if (systemLines) lines.push({ file: systemFile, line: 0, keyword: 'host', args: ['*'] }, ...systemLines);
  }
  return { lines, warnings };
}
