import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ClawfixError, ExitCode } from '../errors.js';
import { mebibytes, readCapped } from '../read-capped.js';
import { allowedKeys, hostsFileSchema, type HostsFile } from './schema.js';
import { nearest } from './suggest.js';

export interface HostsFileSource {
  path: string;
  /** Paths that were looked at, in order, for the error when none exists. */
  tried: string[];
}

/** A hosts file is a few KB; past this it is the wrong file (or an attack), not a fleet. */
export const MAX_HOSTS_FILE_BYTES = 4 * 1024 * 1024;
/** Aliases a hosts file may use (`<<: *defaults` per host is the normal use): far below a YAML alias bomb. */
export const MAX_YAML_ALIASES = 1000;

export class HostsFileError extends ClawfixError {
  constructor(message: string, hint?: string) {
    super('HOSTS_FILE', message, { hint, exitCode: ExitCode.USAGE });
    this.name = 'HostsFileError';
  }
}

/** --hosts, else $CLAWFIX_HOSTS, else ./hosts.yaml, else ~/.config/clawfix/hosts.yaml. */
export function hostsFileCandidates(explicit: string | undefined, env = process.env, cwd = process.cwd()): string[] {
  if (explicit) return [resolve(cwd, explicit)];
  if (env.CLAWFIX_HOSTS) return [resolve(cwd, env.CLAWFIX_HOSTS)];
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return [resolve(cwd, 'hosts.yaml'), join(configHome, 'clawfix', 'hosts.yaml')];
}

export async function readHostsFile(explicit?: string): Promise<{ file: HostsFile; path: string }> {
  const tried = hostsFileCandidates(explicit);
  for (const path of tried) {
    let bytes: Buffer | null;
    try {
      bytes = await readCapped(path, MAX_HOSTS_FILE_BYTES);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && tried.length > 1) continue;
      if (code === 'ENOENT') {
        throw new HostsFileError(`hosts file not found: ${path}`, 'check the path given to --hosts or $CLAWFIX_HOSTS');
      }
      throw new HostsFileError(`cannot read hosts file ${path}: ${(error as Error).message}`);
    }
    if (!bytes) {
      throw new HostsFileError(`hosts file ${path} is larger than ${mebibytes(MAX_HOSTS_FILE_BYTES)}: not a hosts file`, 'check the path given to --hosts or $CLAWFIX_HOSTS');
    }
    return { file: parseHostsFile(bytes.toString('utf8'), path), path };
  }
  throw new HostsFileError(
    `no hosts file found (tried ${tried.join(', ')})`,
    'copy hosts.example.yaml to ./hosts.yaml or ~/.config/clawfix/hosts.yaml and edit it, or pass --hosts FILE',
  );
}

/** Parse and validate; every problem is reported as file:line:col, field path, what was expected. */
export function parseHostsFile(text: string, path: string): HostsFile {
  if (text.length > MAX_HOSTS_FILE_BYTES) {
    throw new HostsFileError(`hosts file ${path} is larger than ${mebibytes(MAX_HOSTS_FILE_BYTES)}: not a hosts file`);
  }
  const lineCounter = new LineCounter();
  let doc: Document;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    data = doc.errors.length > 0 ? undefined : (doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {});
  } catch (error) {
    // the yaml package throws on an alias bomb (ReferenceError) and on input nested past the stack
    throw new HostsFileError(`${path}: ${yamlFailure(error)}`, 'a hosts file needs no more than a few aliases and a few levels of nesting');
  }
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `${path}:${line}:${col}`;
  };

  const syntax = doc.errors[0];
  if (syntax) {
    const firstLine = syntax.message.split('\n')[0] ?? syntax.message;
    throw new HostsFileError(`${at(syntax.pos[0])}: invalid YAML: ${firstLine}`, 'fix the YAML syntax at that position');
  }
  const result = hostsFileSchema.safeParse(data);
  const problems = result.success ? [] : result.error.issues.map((issue) => describeIssue(issue, doc, at));
  if (result.success) problems.push(...duplicateNames(result.data, doc, at));
  if (problems.length > 0 || !result.success) {
    const [first, ...rest] = problems;
    const more = rest.length > 0 ? `\n${rest.slice(0, 9).join('\n')}` : '';
    throw new HostsFileError(`${first}${more}`, 'see hosts.example.yaml for every field, with comments');
  }
  return result.data;
}

function yamlFailure(error: unknown): string {
  if (error instanceof RangeError) return 'the YAML is nested too deeply';
  if (/alias/i.test((error as Error)?.message ?? '')) return `the YAML expands its aliases too often (more than ${MAX_YAML_ALIASES}): a hosts file does not need that many`;
  return `invalid YAML: ${(error as Error)?.message?.split('\n')[0] ?? String(error)}`;
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, at: (offset?: number) => string): string {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const parent = doc.getIn(path, true) as Node | undefined;
    return issue.keys
      .map((key) => {
        const keyNode = isMap(parent) ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key : undefined;
        const offset = (isScalar(keyNode) ? keyNode.range?.[0] : undefined) ?? parent?.range?.[0];
        const suggestion = nearest(key, allowedKeys(path));
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : ` (allowed: ${allowedKeys(path).join(', ')})`;
        return `${at(offset)}: ${formatPath([...path, key])}: unknown key "${key}"${hint}`;
      })
      .join('\n');
  }
  const node = nearestNode(doc, path);
  const received = doc.getIn(path);
  const expected = expectation(issue, received);
  return `${at(node?.range?.[0])}: ${formatPath(path)}: ${expected}`;
}

function expectation(issue: z.core.$ZodIssue, received: unknown): string {
  if (issue.code === 'invalid_type') {
    if (received === undefined) return `missing, expected ${issue.expected}`;
    return `expected ${issue.expected}, got ${describe(received)}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'array') return `expected ${issue.message.replace(/^.*?: /, '')}`;
  const shown = typeof received === 'string' || typeof received === 'number' ? ` ${shorten(JSON.stringify(received))}` : '';
  return `invalid value${shown}: expected ${issue.message}`;
}

function describe(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${shorten(JSON.stringify(value) ?? String(value))}`;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** The deepest YAML node on the path that exists, so a missing field points at its parent. */
function nearestNode(doc: Document, path: readonly PropertyKey[]): Node | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true) as Node | undefined;
    if (node && (node.range || isMap(node) || isSeq(node))) return node;
  }
  return undefined;
}

function duplicateNames(file: HostsFile, doc: Document, at: (offset?: number) => string): string[] {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  file.hosts.forEach((host, index) => {
    const first = seen.get(host.name);
    if (first === undefined) {
      seen.set(host.name, index);
      return;
    }
    const node = doc.getIn(['hosts', index, 'name'], true) as Node | undefined;
    problems.push(`${at(node?.range?.[0])}: hosts[${index}].name: duplicate name "${host.name}" (also hosts[${first}])`);
  });
  return problems;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(top level)';
}

export function defaultHostsPathHint(): string {
  return join(homedir(), '.config', 'clawfix', 'hosts.yaml');
}
