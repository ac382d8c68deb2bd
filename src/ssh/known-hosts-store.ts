/** The I/O half of known_hosts: reading the files and appending new keys safely. */
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { formatKnownHostsLine, lookupHostKey, parseKnownHosts, type HostKeyLookup, type KnownHostsFile } from './known-hosts.js';

/** OpenSSH's GlobalKnownHostsFile default; read, never written. */
export const DEFAULT_GLOBAL_KNOWN_HOSTS_FILES = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

/** OpenSSH's UserKnownHostsFile default. */
export function defaultUserKnownHostsFiles(home: string): string[] {
  return [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')];
}

/** Parsed files, reused while their size and mtime stay the same: a fleet run reads them once, not per host. */
const parsed = new Map<string, { stamp: string; file: Promise<KnownHostsFile | undefined> }>();

/** Reads the files that exist; a missing or unreadable file is simply not there, as for ssh. */
export async function readKnownHostsFiles(paths: readonly string[]): Promise<KnownHostsFile[]> {
  const files = await Promise.all(paths.map(readOne));
  return files.filter((f): f is KnownHostsFile => f !== undefined);
}

async function readOne(path: string): Promise<KnownHostsFile | undefined> {
  let stamp: string;
  try {
    const info = await stat(path);
    stamp = `${info.size}:${info.mtimeMs}:${info.ino}`;
  } catch {
    return undefined;
  }
  const cached = parsed.get(path);
  if (cached?.stamp === stamp) return cached.file;
  const file = readFile(path, 'utf8').then(
    (text) => parseKnownHosts(text, path),
    () => undefined,
  );
  parsed.set(path, { stamp, file });
  return file;
}

export interface RecordRequest {
  /** Where the new line goes (the first UserKnownHostsFile). */
  file: string;
  host: string;
  port: number;
  key: Buffer;
  /** Every file to check again just before writing (user files and global ones). */
  lookupFiles: readonly string[];
}

/** `added`, or what the files said when the key turned out not to be new any more. */
export type RecordResult = { status: 'added'; file: string } | Exclude<HostKeyLookup, { status: 'unknown' }>;

export interface KnownHostsWriter {
  record(request: RecordRequest): Promise<RecordResult>;
}

/**
 * Appends hashed lines. Appends to one file are chained in-process, and each chained step looks the
 * host up again first: twenty hosts behind one new bastion add one line, and a second, different
 * key for a host that was just recorded is reported as changed instead of being added too.
 * Each line is a single write on an O_APPEND descriptor so other processes cannot interleave it.
 */
export class FileKnownHostsWriter implements KnownHostsWriter {
  private readonly chains = new Map<string, Promise<unknown>>();

  record(request: RecordRequest): Promise<RecordResult> {
    const file = resolve(request.file);
    const previous = this.chains.get(file) ?? Promise.resolve();
    const next = previous.then(
      () => this.recordNow({ ...request, file }),
      () => this.recordNow({ ...request, file }),
    );
    this.chains.set(file, next);
    // Drop settled chains so a long fleet run does not keep every promise alive.
    void next.finally(() => {
      if (this.chains.get(file) === next) this.chains.delete(file);
    }).catch(() => undefined);
    return next;
  }

  private async recordNow(request: RecordRequest): Promise<RecordResult> {
    const lookupFiles = request.lookupFiles.includes(request.file) ? request.lookupFiles : [request.file, ...request.lookupFiles];
    const current = lookupHostKey(await readKnownHostsFiles(lookupFiles), request.host, request.port, request.key);
    if (current.status !== 'unknown') return current;
    await appendLine(request.file, formatKnownHostsLine(request.host, request.port, request.key));
    return { status: 'added', file: request.file };
  }
}

async function appendLine(file: string, line: string): Promise<void> {
  // Only directories that do not exist yet get 0700; an existing ~/.ssh keeps its mode.
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const handle = await open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      // A hand-edited file without a final newline would glue our entry onto its last line.
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.write(`${prefix}${line}\n`);
  } finally {
    await handle.close();
  }
}

/** Shared by every connection of the process, so appends are serialized across hosts. */
export const defaultKnownHostsWriter: KnownHostsWriter = new FileKnownHostsWriter();
