/**
 * A verified backup of the state dir before anything is changed: free disk checked first, then
 * `openclaw backup create --verify` (or, on versions without it, a tar read back with `tar tzf`),
 * a sha256 taken on the host, and a download to the laptop compared against it. Archives go to the
 * OpenClaw user's own backup dir, outside the state dir (backup-dir.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ClawfixError, ExitCode } from '../errors.js';
import { isSafeName } from '../inventory/schema.js';
import { sh, type ShellFragment } from '../shell.js';
import { isSshError } from '../ssh/errors.js';
import { backupDirRefusal, parseBackupDir, prepareBackupDirScript, reportPrepared, resolveBackupDirScript } from './backup-dir.js';
import { openclaw } from './commands.js';
import { stateDirGuard } from './lock.js';
import { StepFailed, type RemoteHost } from './remote.js';
import { stamp } from './quarantine.js';
import { localBackupDir } from './local-state.js';

export interface BackupRecord {
  remotePath: string;
  sha256: string;
  sizeBytes: number;
  tool: 'openclaw' | 'tar';
  /** On the laptop; absent with --no-download. */
  localPath?: string;
}

export interface BackupOptions {
  tool: 'openclaw' | 'tar';
  download: boolean;
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** Room for the archive (never larger than the dir) plus a margin, in KiB. */
const MARGIN_KB = 16 * 1024;

/**
 * `used=<KiB> free=<KiB>`: all of the state dir (what `backup create` archives, .clawfix/ included),
 * against the free space of the file system the backup goes to ($backup_dir, set before).
 */
export function spaceScript(stateDir: string): ShellFragment {
  return sh`used=$(du -sk ${stateDir} 2>/dev/null); used=\${used%%[!0-9]*}
free=$(df -Pk "$backup_dir" | awk 'NR==2 {print $4}')
echo "used=$used free=$free"`;
}

export function parseSpace(text: string): { usedKb: number; freeKb: number } | null {
  const m = /used=(\d+) free=(\d+)/.exec(text);
  return m ? { usedKb: Number(m[1]), freeKb: Number(m[2]) } : null;
}

export function enoughSpace(space: { usedKb: number; freeKb: number }): boolean {
  return space.freeKb >= space.usedKb + MARGIN_KB;
}

export function tarScript(stateDir: string, archive: string): ShellFragment {
  const parent = stateDir.slice(0, stateDir.lastIndexOf('/')) || '/';
  const base = stateDir.slice(stateDir.lastIndexOf('/') + 1);
  // GNU tar exits 1 when a live file changed while read; the archive is then checked by reading it back.
  return sh`umask 077; tar -C ${parent} -czf ${archive} --exclude=${`${base}/.clawfix`} ${base}; rc=$?
[ $rc -le 1 ] || exit $rc
tar tzf ${archive} >/dev/null || { echo "the archive does not read back" >&2; exit 1; }
echo ${`Created ${archive}`}; echo "Archive verification: passed"`;
}

export function checksumScript(archive: string): ShellFragment {
  return sh`if command -v sha256sum >/dev/null 2>&1; then sha256sum ${archive}; else shasum -a 256 ${archive}; fi; wc -c < ${archive}`;
}

/** The backup dir as the host resolves it (read-only), for the plan to show; null when it cannot be read. */
export async function resolveBackupDir(remote: RemoteHost): Promise<string | null> {
  const result = await remote.run({ as: 'service', script: resolveBackupDirScript(remote.target).text, timeoutMs: 60_000 }).catch(() => null);
  return result?.exitCode === 0 ? parseBackupDir(remote.clean(result.stdout)) : null;
}

/**
 * Makes the backup dir (refused in one line when it would be inside what the backup archives) and
 * checks the disk: the state dir's size against the free space where the backup goes.
 */
async function prepareBackupDir(remote: RemoteHost, onLine?: (line: string) => void): Promise<string> {
  const t = remote.target;
  // all output in one write at the end: podman 4.3's Docker API was seen to drop exec output that trickles in
  const prepare = sh`${stateDirGuard(t.stateDir)}
${prepareBackupDirScript(t)}
cf_space=$(${spaceScript(t.stateDir)}) || exit 1
${reportPrepared(sh`"$cf_space"`)}`;
  // It only makes a dir and measures, so an answer that came back empty (the same engine) is asked again.
  let prepared = await remote.run({ as: 'service', script: prepare.text, timeoutMs: 120_000 });
  for (let again = 0; again < 2 && prepared.exitCode === 0 && prepared.stdout.trim() === ''; again++) {
    prepared = await remote.run({ as: 'service', script: prepare.text, timeoutMs: 120_000 });
  }
  const refused = backupDirRefusal(t.host.name, prepared.exitCode, remote.clean(`${prepared.stderr}\n${prepared.stdout}`));
  if (refused) throw refused;
  if (prepared.exitCode !== 0 || prepared.timedOut) throw new StepFailed(`preparing the backup dir failed on ${t.host.name}: ${remote.describe(prepared)}`, prepared);
  for (const line of prepared.stdout.split('\n')) if (line.startsWith('note: ')) onLine?.(remote.clean(line));
  const dir = parseBackupDir(prepared.stdout);
  const space = parseSpace(prepared.stdout);
  if (!dir || !space) throw new StepFailed(`could not read the backup dir and free disk space on ${t.host.name}: ${remote.describe(prepared)}`, prepared);
  if (!enoughSpace(space)) {
    throw new ClawfixError('NO_DISK_SPACE', `not enough free disk on ${t.host.name} for a backup: ${mib(space.freeKb)} free, ${mib(space.usedKb + MARGIN_KB)} needed; nothing was changed`, {
      hint: `free some space on the file system of ${dir}, then run clawfix fix again`,
      exitCode: ExitCode.NEEDS_ATTENTION,
    });
  }
  return dir;
}

export async function createBackup(remote: RemoteHost, options: BackupOptions): Promise<BackupRecord> {
  const t = remote.target;
  const dir = await prepareBackupDir(remote, options.onLine);
  const run = { ...(options.onLine ? { onLine: options.onLine } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  let tool = options.tool;
  let archive: string | undefined;
  /** The JSON kept by `backup create`, removed with the checksum's round trip (or at a failure). */
  let leftover: string | undefined;
  if (tool === 'openclaw') {
    // Its JSON is also kept in a file beside the archives, read again when the answer came back empty:
    // podman 4.3's Docker API (Debian 12's) can drop an exec's output, and a backup is not to be made twice.
    const report = `${dir}/.clawfix-create-${stamp()}.json`;
    const script = sh`${openclaw(t, 'backup', 'create', '--verify', '--json', '--output', `${dir}/`)} >${report}; rc=$?; cat ${report}; exit $rc`;
    const result = await remote.run({ as: 'service', script: script.text, timeoutMs: 900_000 }, { ...run, onLine: () => undefined });
    let doc = parseBackupJson(result.stdout);
    for (let reread = 0; result.exitCode === 0 && !doc && reread < 3; reread++) {
      doc = parseBackupJson((await remote.run({ as: 'service', script: sh`cat ${report}`.text, timeoutMs: 60_000 })).stdout);
    }
    leftover = report;
    if (result.exitCode === 0 && doc?.archivePath && doc.verified === true) {
      archive = doc.archivePath;
      options.onLine?.(`openclaw backup create --verify: ${archive}`);
    } else if (/unknown command|does not know the command/i.test(result.stdout + result.stderr)) {
      tool = 'tar';
    } else {
      await remote.run({ as: 'service', script: sh`rm -f ${report}`.text, timeoutMs: 60_000 }).catch(() => undefined);
      throw backupDirRefusal(t.host.name, result.exitCode, remote.clean(`${result.stderr}\n${result.stdout}`)) ??
        new StepFailed(`openclaw backup create failed on ${t.host.name}: ${remote.describe(result)}`, result);
    }
  }
  if (tool === 'tar') {
    archive = `${dir}/${stamp()}-clawfix-backup.tar.gz`;
    await remote.ok({ as: 'service', script: tarScript(t.stateDir, archive).text, timeoutMs: 900_000 }, 'the tar backup', run);
  }
  if (!archive) throw new StepFailed('no backup archive was produced');
  const sumScript = leftover ? sh`rm -f ${leftover}\n${checksumScript(archive)}` : checksumScript(archive);
  const sum = await remote.ok({ as: 'service', script: sumScript.text, timeoutMs: 300_000 }, 'the backup checksum');
  const [line = '', size = ''] = sum.stdout.trim().split('\n');
  const sha256 = line.split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new StepFailed(`could not read the backup's sha256 on ${t.host.name}`, sum);
  const record: BackupRecord = { remotePath: archive, sha256, sizeBytes: Number(size.trim()) || 0, tool };
  if (!options.download) return record;
  return { ...record, localPath: await downloadBackup(remote, record, { ...(options.signal ? { signal: options.signal } : {}), ...(options.onLine ? { onLine: options.onLine } : {}) }) };
}

/**
 * SFTP when the SSH user owns the file; else, or when the server offers no SFTP (hardened sshd
 * configs drop the subsystem), streamed through `cat` over an exec channel as the service user.
 * Either way checked against the host's sha256.
 */
export async function downloadBackup(remote: RemoteHost, record: BackupRecord, options: { signal?: AbortSignal; onLine?: (line: string) => void } = {}): Promise<string> {
  const t = remote.target;
  // the local path: the hosts-file name and an archive name checked to be one plain file name
  const name = lastSegment(record.remotePath);
  if (!isSafeName(t.host.name) || !isArchiveName(name)) throw new StepFailed(`not a backup name clawfix downloads: ${JSON.stringify(name)}`);
  const dir = localBackupDir(t.host.name);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StepFailed(`cannot make ${dir} here: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const local = join(dir, name);
  // never written over, and never removed below unless this run made it
  if (await lstat(local).then(() => true, () => false)) throw new StepFailed(`${local} already exists here; not overwriting it`);
  const direct = !t.host.openclaw.container && t.serviceUser === t.host.user;
  try {
    if (direct) await sftpOrStream(remote, record.remotePath, local, options);
    else await streamDownload(remote, record.remotePath, local, options.signal);
    await chmod(local, 0o600);
    const got = await sha256File(local);
    if (got !== record.sha256) throw new StepFailed(`the downloaded backup does not match the host's checksum (${got} ≠ ${record.sha256})`);
    return local;
  } catch (error) {
    await rm(local, { force: true }).catch(() => undefined);
    // a local write error (disk full, permissions) is a failed step like any other: rollback and unlock follow
    if (error instanceof ClawfixError) throw error;
    throw new StepFailed(`downloading the backup to ${local} failed: ${(error as NodeJS.ErrnoException).code ?? (error as Error)?.message ?? String(error)}`);
  }
}

async function sftpOrStream(remote: RemoteHost, remotePath: string, local: string, options: { signal?: AbortSignal; onLine?: (line: string) => void }): Promise<void> {
  try {
    await remote.download(remotePath, local);
  } catch (error) {
    if (!isSshError(error, 'sftp-unavailable')) throw error;
    const why = error.cause instanceof Error ? error.cause.message : error.message;
    options.onLine?.(remote.clean(`SFTP is not available on ${remote.target.host.name} (${why}): streaming the backup over SSH with cat instead`));
    await streamDownload(remote, remotePath, local, options.signal);
  }
}

/** `cat` over an exec channel into a new local file; a local write error stops the remote `cat` and is reported once. */
async function streamDownload(remote: RemoteHost, remotePath: string, local: string, signal?: AbortSignal): Promise<void> {
  const out = createWriteStream(local, { mode: 0o600, flags: 'wx' });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let writeError: Error | undefined;
  const closed = new Promise<void>((resolve) => {
    out.once('close', resolve);
    out.once('error', (error) => {
      writeError ??= error;
      stop.abort();
      resolve();
    });
  });
  try {
    const result = await remote.run(
      { as: 'service', script: sh`cat ${remotePath}`.text, timeoutMs: 1_800_000 },
      { onStdout: (chunk) => void (writeError ? undefined : out.write(chunk)), maxOutputBytes: 1, signal: stop.signal },
    );
    out.end();
    await closed;
    if (writeError) throw new StepFailed(`writing ${local} failed: ${(writeError as NodeJS.ErrnoException).code ?? writeError.message}`);
    if (result.exitCode !== 0) throw new StepFailed(`could not read ${remotePath}: ${remote.describe(result)}`, result);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!out.closed) out.destroy();
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (d) => hash.update(d)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}

const backupJsonSchema = z.object({ archivePath: z.string().optional(), verified: z.boolean().optional() });

/** The JSON document of `openclaw backup create --json`: only the fields used, each checked. */
export function parseBackupJson(stdout: string): { archivePath?: string; verified?: boolean } | null {
  const start = stdout.indexOf('{');
  const end = stdout.lastIndexOf('}');
  if (start === -1 || end <= start) return null;
  try {
    const parsed = backupJsonSchema.safeParse(JSON.parse(stdout.slice(start, end + 1)));
    if (!parsed.success) return null;
    const { archivePath, verified } = parsed.data;
    const usable = archivePath !== undefined && isArchivePath(archivePath);
    return { ...(usable ? { archivePath } : {}), ...(verified !== undefined ? { verified } : {}) };
  } catch {
    return null;
  }
}

/** An absolute path on the host without `.`/`..` segments or control characters, ending in a plain file name. */
export function isArchivePath(path: string): boolean {
  return path.startsWith('/') && path.length <= 4096 && !/[\x00-\x1f\x7f]/.test(path) && !path.split('/').slice(1).some((part) => part === '.' || part === '..') && isArchiveName(lastSegment(path));
}

/** A backup's file name as it may become a local file name: printable, no `/`, not hidden, not `.`/`..`. */
export function isArchiveName(name: string): boolean {
  return /^[^./\x00-\x1f\x7f][^/\x00-\x1f\x7f]{0,254}$/.test(name);
}

/** Unlike basename, `/dir/` gives '' (not `dir`): a path that ends in `/` names no file. */
function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function mib(kb: number): string {
  return `${Math.round(kb / 1024)} MiB`;
}
