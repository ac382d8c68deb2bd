/**
 * ssh_config syntax (readconf.c): `Keyword args`, `Keyword=args`, quoted arguments, `#` comments.
 * Keywords are case-insensitive; arguments keep their case.
 */
import { UsageError } from '../errors.js';

export interface SshConfigLine {
  file: string;
  line: number;
  /** Lowercase. */
  keyword: string;
  args: string[];
  /** For `Include`: the lines of the files it named, once a loader has read them. */
  include?: SshConfigLine[];
}

export interface SshConfig {
  lines: SshConfigLine[];
  /** Problems found while loading (unreadable Include, permissions), shown but not fatal. */
  warnings: string[];
}

const SPACE = /[ \t\r\n\f\v]/;

/** Splits arguments as ssh's argv_split does: double or single quotes, backslash escapes, `#` at a word start ends the line. */
export function splitArgs(text: string): string[] | { error: string } {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && SPACE.test(text[i] ?? '')) i++;
    if (i >= text.length || text[i] === '#') break;
    let word = '';
    let quote: string | undefined;
    for (; i < text.length; i++) {
      const c = text[i] ?? '';
      const next = text[i + 1] ?? '';
      if (quote !== undefined) {
        if (c === quote) quote = undefined;
        else if (c === '\\' && (next === quote || next === '\\')) word += text[++i];
        else word += c;
        continue;
      }
      if (SPACE.test(c)) break;
      if (c === '"' || c === "'") quote = c;
      else if (c === '\\' && (next === ' ' || next === '\\' || next === '"' || next === "'")) word += text[++i];
      else word += c;
    }
    if (quote !== undefined) return { error: 'unterminated quoted argument' };
    words.push(word);
  }
  return words;
}

/** Parses one file's text. Include lines are kept unresolved: loadSshConfig reads what they name. */
export function parseSshConfig(text: string, file = 'ssh config'): SshConfig {
  const lines: SshConfigLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const match = /^\s*([^\s=]+)(?:\s*=\s*|\s+|$)(.*)$/s.exec(raw.replace(/\r$/, ''));
    if (match === null) return;
    const keyword = (match[1] ?? '').toLowerCase();
    if (keyword.startsWith('#')) return;
    const args = splitArgs(match[2] ?? '');
    if (!Array.isArray(args)) {
      throw new UsageError(`${file}:${line}: ${args.error}`, 'ssh would refuse this file too; fix the quoting.');
    }
    lines.push({ file, line, keyword, args });
  });
  return { lines, warnings: [] };
}

export interface ProxyJumpHop {
  user?: string;
  host: string;
  port?: number;
}

export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** `[user@]host[:port]`, `[user@][v6addr]:port` or `ssh://[user@]host[:port]`; undefined when malformed. */
export function parseJumpHop(spec: string): ProxyJumpHop | undefined {
  let rest = spec.startsWith('ssh://') ? spec.slice('ssh://'.length).replace(/\/$/, '') : spec;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') return undefined;
  }
  let host = rest;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if (rest.split(':').length === 2) {
    [host, portText] = rest.split(':') as [string, string];
  }
  if (host === '' || /[\s/]/.test(host)) return undefined;
  const hop: ProxyJumpHop = { host };
  if (user !== undefined) hop.user = user;
  if (portText !== undefined) {
    const port = parsePort(portText);
    if (port === undefined) return undefined;
    hop.port = port;
  }
  return hop;
}

/** ProxyJump's value: `none` is an explicit "no jump host" ([]), otherwise comma-separated hops. */
export function parseProxyJump(value: string): ProxyJumpHop[] | undefined {
  if (value.toLowerCase() === 'none') return [];
  const hops = value.split(',').map((spec) => parseJumpHop(spec.trim()));
  return hops.every((h): h is ProxyJumpHop => h !== undefined) ? hops : undefined;
}
