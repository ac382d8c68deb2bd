/**
 * Resolves ssh config for one host the way `ssh -G` does, for the options clawfix uses.
 * Pure: ssh-config-load.ts reads the files and their Includes.
 */
import { UsageError } from '../errors.js';
import type { JumpHost } from '../inventory/types.js';
import { matchPatternList } from './patterns.js';
import { parsePort, parseProxyJump, parseSshConfig, type ProxyJumpHop, type SshConfig, type SshConfigLine } from './ssh-config-parse.js';

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';

export interface SshConfigContext {
  /** The local home directory (`~`, `%d`). */
  home: string;
  /** The local user name (`%u`, and the remote user when nothing sets one). */
  user: string;
  localHostname?: string;
  uid?: number;
  /** Values set outside ssh config (hosts file, command line); they win over it, for `%r`, `%p` and `Match user`. */
  overrides?: { user?: string; port?: number };
}

/** What the config says; a field is absent when the config does not set it. */
export interface SshHostConfig {
  alias: string;
  hostname?: string;
  user?: string;
  port?: number;
  /** Expanded (`~`, `%` tokens), in order, accumulated over every matching block. */
  identityFiles: string[];
  identitiesOnly?: boolean;
  /** `[]` for an explicit `ProxyJump none`. */
  proxyJump?: ProxyJumpHop[];
  /** Set when a ProxyCommand (other than none) won over ProxyJump; clawfix cannot run it. */
  proxyCommand?: string;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  strictHostKeyChecking?: StrictHostKeyChecking;
  connectTimeoutSeconds?: number;
  warnings: string[];
}

interface Collected {
  hostname?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  proxy?: { jump: ProxyJumpHop[] } | { command: string };
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  strictHostKeyChecking?: StrictHostKeyChecking;
  connectTimeoutSeconds?: number;
}

const MAX_INCLUDE_DEPTH = 16;
const UNSUPPORTED_MATCH = new Set(['canonical', 'final', 'exec', 'localnetwork', 'tagged', 'version', 'sessiontype', 'command', 'address', 'localaddress', 'localport', 'rdomain']);

function bad(line: SshConfigLine, what: string): never {
  throw new UsageError(`${line.file}:${line.line}: ${what}`, 'ssh would refuse this configuration too; fix that line.');
}

function yesNo(line: SshConfigLine, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  return bad(line, `${line.keyword} expects yes or no, not "${value}"`);
}

function strictValue(line: SshConfigLine, value: string): StrictHostKeyChecking {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return 'yes';
  if (v === 'no' || v === 'off' || v === 'false') return 'no';
  if (v === 'ask' || v === 'accept-new') return v;
  return bad(line, `bad StrictHostKeyChecking "${value}"`);
}

/** Applies one active line; the first value obtained wins, except IdentityFile which accumulates. */
function apply(c: Collected, line: SshConfigLine): void {
  const [first] = line.args;
  if (first === undefined) return bad(line, `${line.keyword} needs an argument`);
  switch (line.keyword) {
    case 'hostname':
      c.hostname ??= first;
      break;
    case 'user':
      c.user ??= first;
      break;
    case 'port': {
      const port = parsePort(first) ?? bad(line, `bad port "${first}"`);
      c.port ??= port;
      break;
    }
    case 'identityfile':
      c.identityFiles.push(first);
      break;
    case 'identitiesonly':
      c.identitiesOnly ??= yesNo(line, first);
      break;
    case 'proxyjump': {
      const hops = parseProxyJump(first) ?? bad(line, `bad ProxyJump "${first}"`);
      c.proxy ??= { jump: hops };
      break;
    }
    case 'proxycommand':
      c.proxy ??= { command: line.args.join(' ') };
      break;
    case 'userknownhostsfile':
      // One line may list several files; a later line does not add to them (first obtained wins).
      c.userKnownHostsFiles ??= first.toLowerCase() === 'none' ? [] : [...line.args];
      break;
    case 'globalknownhostsfile':
      c.globalKnownHostsFiles ??= first.toLowerCase() === 'none' ? [] : [...line.args];
      break;
    case 'stricthostkeychecking':
      c.strictHostKeyChecking ??= strictValue(line, first);
      break;
    case 'connecttimeout': {
      if (first.toLowerCase() === 'none') break;
      const seconds = /^\d+$/.test(first) ? Number(first) : bad(line, `bad ConnectTimeout "${first}"`);
      if (seconds > 0) c.connectTimeoutSeconds ??= seconds;
      break;
    }
    default:
      // Every other option is ssh's business, not clawfix's.
      break;
  }
}

function expandHostname(raw: string, alias: string): string {
  return raw.replace(/%([%h])/g, (_, t: string) => (t === '%' ? '%' : alias));
}

interface Walk {
  alias: string;
  ctx: SshConfigContext;
  collected: Collected;
  warnings: string[];
}

/** Evaluates `Match` criteria; unsupported ones make the block not apply, with a warning. */
function matchApplies(line: SshConfigLine, w: Walk): boolean {
  const args = line.args;
  let result = true;
  for (let i = 0; i < args.length; ) {
    const word = (args[i++] ?? '').toLowerCase();
    const negate = word.startsWith('!');
    const criterion = negate ? word.slice(1) : word;
    let matched: boolean;
    if (criterion === 'all') {
      matched = true;
    } else if (criterion === 'host' || criterion === 'originalhost' || criterion === 'user' || criterion === 'localuser') {
      const patterns = args[i++];
      if (patterns === undefined) return bad(line, `Match ${criterion} needs an argument`);
      const subject = {
        host: w.collected.hostname === undefined ? w.alias : expandHostname(w.collected.hostname, w.alias),
        originalhost: w.alias,
        user: w.ctx.overrides?.user ?? w.collected.user ?? w.ctx.user,
        localuser: w.ctx.user,
      }[criterion];
      matched = matchPatternList(subject, patterns.split(',')) === 'match';
    } else {
      const known = UNSUPPORTED_MATCH.has(criterion);
      w.warnings.push(`${line.file}:${line.line}: ${known ? 'clawfix does not evaluate' : 'unknown'} "Match ${criterion}"; that block is ignored`);
      return false;
    }
    if (matched === negate) result = false;
  }
  return result;
}

function walk(lines: readonly SshConfigLine[], w: Walk, neverMatch: boolean, depth: number): void {
  let active = !neverMatch;
  for (const line of lines) {
    switch (line.keyword) {
      case 'host':
        active = !neverMatch && matchPatternList(w.alias, line.args) === 'match';
        break;
      case 'match':
        // Evaluated even under neverMatch so warnings and errors show, like ssh's parse of every line.
        active = matchApplies(line, w) && !neverMatch;
        break;
      case 'include':
        if (line.include === undefined) {
          w.warnings.push(`${line.file}:${line.line}: Include was not read (use loadSshConfig)`);
        } else if (depth >= MAX_INCLUDE_DEPTH) {
          bad(line, 'too many nested Include directives');
        } else {
          // Lines included from an inactive block never apply, whatever Host lines they contain.
          walk(line.include, w, !active, depth + 1);
        }
        break;
      default:
        if (active) apply(w.collected, line);
    }
  }
}

function expandPath(raw: string, tokens: Record<string, string>, where: string, warnings: string[]): string {
  let path = raw;
  if (path === '~' || path.startsWith('~/')) path = tokens.d + path.slice(1);
  else if (path.startsWith('~')) warnings.push(`${where}: "${raw}": ~user paths are not expanded`);
  return path.replace(/%(.)/g, (whole, t: string) => {
    const value = tokens[t];
    if (value !== undefined) return value;
    warnings.push(`${where}: unknown token %${t} in "${raw}"`);
    return whole;
  });
}

/** Resolves the options for `alias` (the name given to ssh, before HostName). */
export function resolveSshConfig(config: string | SshConfig, alias: string, ctx: SshConfigContext): SshHostConfig {
  const parsed = typeof config === 'string' ? parseSshConfig(config) : config;
  const w: Walk = { alias, ctx, collected: { identityFiles: [] }, warnings: [...parsed.warnings] };
  walk(parsed.lines, w, false, 0);
  const c = w.collected;

  const hostname = c.hostname === undefined ? undefined : expandHostname(c.hostname, alias);
  const finalHost = hostname ?? alias;
  const tokens: Record<string, string> = {
    '%': '%',
    d: ctx.home,
    u: ctx.user,
    h: finalHost,
    k: finalHost,
    n: alias,
    r: ctx.overrides?.user ?? c.user ?? ctx.user,
    p: String(ctx.overrides?.port ?? c.port ?? 22),
  };
  if (ctx.localHostname !== undefined) {
    tokens.l = ctx.localHostname;
    tokens.L = ctx.localHostname.split('.')[0] ?? ctx.localHostname;
  }
  if (ctx.uid !== undefined) tokens.i = String(ctx.uid);
  const expand = (paths: string[], keyword: string): string[] =>
    paths.map((p) => expandPath(p, tokens, keyword, w.warnings));

  const result: SshHostConfig = { alias, identityFiles: expand(c.identityFiles, 'IdentityFile'), warnings: w.warnings };
  if (hostname !== undefined) result.hostname = hostname;
  if (c.user !== undefined) result.user = c.user;
  if (c.port !== undefined) result.port = c.port;
  if (c.identitiesOnly !== undefined) result.identitiesOnly = c.identitiesOnly;
  if (c.proxy !== undefined && 'jump' in c.proxy) result.proxyJump = c.proxy.jump;
  if (c.proxy !== undefined && 'command' in c.proxy && c.proxy.command.toLowerCase() !== 'none') {
    result.proxyCommand = c.proxy.command;
    w.warnings.push(`ProxyCommand for ${alias} is not supported by clawfix (use ProxyJump)`);
  }
  if (c.userKnownHostsFiles !== undefined) result.userKnownHostsFiles = expand(c.userKnownHostsFiles, 'UserKnownHostsFile');
  if (c.globalKnownHostsFiles !== undefined) result.globalKnownHostsFiles = expand(c.globalKnownHostsFiles, 'GlobalKnownHostsFile');
  if (c.strictHostKeyChecking !== undefined) result.strictHostKeyChecking = c.strictHostKeyChecking;
  if (c.connectTimeoutSeconds !== undefined) result.connectTimeoutSeconds = c.connectTimeoutSeconds;
  return result;
}

/**
 * Turns ProxyJump hops into JumpHosts, each resolved through the config under its own name, as
 * `ssh -J` does. Only the first hop's own ProxyJump is followed: ssh gives every later hop its
 * predecessors on the command line, which overrides what the config says for it.
 */
export function resolveJumpHosts(config: SshConfig, hops: readonly ProxyJumpHop[], ctx: SshConfigContext, depth = 0): JumpHost[] {
  const out: JumpHost[] = [];
  hops.forEach((hop, index) => {
    const cfg = resolveSshConfig(config, hop.host, { ...ctx, overrides: { user: hop.user, port: hop.port } });
    if (index === 0 && cfg.proxyJump !== undefined && cfg.proxyJump.length > 0) {
      if (depth >= 8) throw new UsageError(`ProxyJump chain through ${hop.host} is too deep (a loop?)`, 'Check the ProxyJump lines in ~/.ssh/config.');
      out.push(...resolveJumpHosts(config, cfg.proxyJump, ctx, depth + 1));
    }
    out.push({ host: cfg.hostname ?? hop.host, port: hop.port ?? cfg.port ?? 22, user: hop.user ?? cfg.user ?? ctx.user, identityFiles: cfg.identityFiles });
  });
  return out;
}
