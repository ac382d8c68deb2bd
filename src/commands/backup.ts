/**
 * `clawfix backup <host>` (verified, downloaded, sha256 checked), `clawfix backups <host>` (on the
 * host and here), `clawfix restore <host> <backup>` (safety backup, stop, restore, start, verify;
 * rolled back on failure). All three work under the host lock.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { z } from 'zod';
import { ClawfixError, ExitCode, UsageError } from '../errors.js';
import { createBackup, isArchiveName } from '../fix/backup.js';
import { legacyBackupDir, parseBackupDir, resolveBackupDirScript } from '../fix/backup-dir.js';
import { openHost, type HostSession } from '../fix/connect.js';
import { localBackupDir } from '../fix/local-state.js';
import { acquireLock, newHolder, releaseLock } from '../fix/lock.js';
import { BACKUP_SINCE, planRestore } from '../fix/plan.js';
import { stamp } from '../fix/quarantine.js';
import { renderPlan, renderRecap, stepReporter } from '../fix/report.js';
import { locateArchiveScript, parseLocated, restorePaths } from '../fix/restore.js';
import { executePlan } from '../fix/run.js';
import { sh, type ShellFragment } from '../shell.js';
import { versionInRange } from '../triage/version.js';
import { confirm, interactive } from '../ui/ask.js';
import { printable, printableDeep } from '../ui/printable.js';
import { bold, dim, table } from '../ui/style.js';

function colour(ctx: CommandContext): void {
}

async function locked<T>(session: HostSession, ctx: CommandContext, work: (holder: ReturnType<typeof newHolder>) => Promise<T>): Promise<T> {
  const holder = newHolder();
  await acquireLock(session.remote, holder, false, (line) => ctx.stdout.write(dim(`${printable(line)}\n`)));
  try {
    return await work(holder);
  } finally {
    await releaseLock(session.remote, holder).catch(() => undefined);
  }
}

export async function backup(target: string, options: { download: boolean }, ctx: CommandContext): Promise<number> {
  colour(ctx);
  const session = await openHost(target, ctx);
  try {
    const tool = versionInRange(session.diagnosis.openclaw?.version, { min: BACKUP_SINCE }) ? 'openclaw' : 'tar';
    const reporter = stepReporter(ctx.stdout);
    const record = await locked(session, ctx, () => createBackup(session.remote, { tool, download: options.download, onLine: reporter.line, signal: ctx.signal }));
    ctx.stdout.write(`${bold(session.host.name)}: backup ${printable(record.remotePath)} (${Math.round(record.sizeBytes / 1024)} KiB, sha256 ${printable(record.sha256)})\n`);
    ctx.stdout.write(record.localPath ? `  downloaded to ${printable(record.localPath)} (0600, checksum matches)\n` : '  kept on the host only (--no-download)\n');
    return ExitCode.OK;
  } finally {
    await session.close();
  }
}

interface Listed {
  where: 'host' | 'here';
  name: string;
  sizeBytes: number;
  modified: string;
  path: string;
  /** In `<stateDir>/.clawfix/backups/`, where clawfix wrote backups before: listed and restorable, never written. */
  legacy?: true;
}

/** `<kind>\t<size>\t<modified>\t<name>` for each archive in the backup dir (new) and the legacy one. */
function listScript(session: HostSession): ShellFragment {
  const t = session.remote.target;
  return sh`${resolveBackupDirScript(t)}
cf_list() { cd "$2" 2>/dev/null && for f in *.tar.gz; do [ -f "$f" ] && printf '%s\t%s\t%s\t%s\n' "$1" "$(wc -c < "$f")" "$(date -u -r "$f" +%Y-%m-%dT%H:%M:%SZ)" "$f"; done; }
(cf_list new "$backup_dir"); (cf_list legacy ${legacyBackupDir(t.stateDir)}); true`;
}

const listedSchema = z.strictObject({
  kind: z.enum(['new', 'legacy']),
  size: z.coerce.number().int().nonnegative(),
  modified: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  name: z.string().refine(isArchiveName, 'a plain file name'),
});

/**
 * The listing as the host printed it, each line checked; a line that does not match (a forged
 * name with control characters or a path, a size that is no number) refuses the whole listing.
 */
export function parseListing(stdout: string, hostName: string): z.infer<typeof listedSchema>[] {
  return stdout
    .split('\n')
    .filter((line) => /^(new|legacy)\t/.test(line))
    .map((line) => {
      const [kind, size = '', modified, name, ...extra] = line.split('\t');
      const parsed = listedSchema.safeParse({ kind, size: /^\s*\d+\s*$/.test(size) ? size : Number.NaN, modified, name });
      if (!parsed.success || extra.length > 0) {
        throw new ClawfixError('LISTING_REFUSED', `${hostName}: the backup listing holds a line clawfix does not accept (${JSON.stringify(line.slice(0, 120))}); nothing is listed`, {
          hint: 'look at the backup dir on the host: a file there has a name that is not a plain file name',
          exitCode: ExitCode.NEEDS_ATTENTION,
        });
      }
      return parsed.data;
    });
}

export async function backups(target: string, options: { json: boolean }, ctx: CommandContext): Promise<number> {
  colour(ctx);
  const session = await openHost(target, ctx);
  try {
    const { remote } = session;
    const result = await remote.run({ as: 'service', script: listScript(session).text, timeoutMs: 60_000 });
    const dirs = { new: parseBackupDir(result.stdout) ?? '?', legacy: legacyBackupDir(remote.target.stateDir) };
    const listed: Listed[] = parseListing(result.stdout, session.host.name).map(({ kind, size, modified, name }) => {
      const legacy = kind === 'legacy';
      return { where: 'host' as const, name, sizeBytes: size, modified, path: `${legacy ? dirs.legacy : dirs.new}/${name}`, ...(legacy ? { legacy: true as const } : {}) };
    });
    const localDir = localBackupDir(session.host.name);
    for (const name of await readdir(localDir).catch(() => [] as string[])) {
      const info = await stat(join(localDir, name));
      listed.push({ where: 'here', name, sizeBytes: info.size, modified: info.mtime.toISOString().replace(/\.\d+Z$/, 'Z'), path: join(localDir, name) });
    }
    listed.sort((a, b) => a.modified.localeCompare(b.modified));
    // Names, dates and dirs in this listing are what the host said: through the output edge.
    if (options.json) ctx.stdout.write(`${JSON.stringify(printableDeep({ host: session.host.name, backupDir: dirs.new, backups: listed }), null, 2)}\n`);
    else if (listed.length === 0) ctx.stdout.write(`${session.host.name}: no backups yet (clawfix backup ${session.host.name} makes one)\n`);
    else {
      const rows = [['WHERE', 'MODIFIED', 'SIZE', 'PATH'], ...listed.map((b) => [b.legacy ? 'host (legacy)' : b.where, printable(b.modified), `${Math.max(1, Math.round(b.sizeBytes / 1024))} KiB`, printable(b.path)])];
      const legacy = listed.some((b) => b.legacy) ? `\n${dim(`legacy: where clawfix kept backups before (inside the state dir, so openclaw backup create carries them along); read only: restorable, never written`)}` : '';
      ctx.stdout.write(`${table(rows)}${legacy}\n${dim(`restore one with: clawfix restore ${session.host.name} <name on the host>`)}\n`);
    }
    return ExitCode.OK;
  } finally {
    await session.close();
  }
}

export async function restore(target: string, archive: string, options: { yes: boolean; download?: boolean }, ctx: CommandContext): Promise<number> {
  colour(ctx);
  if (!options.yes && !interactive()) throw new UsageError('restore asks for confirmation, and there is no terminal to ask on', 'run it from a terminal, or add --yes');
  if (/[\x00-\x1f]/.test(archive) || archive.split('/').includes('..')) throw new UsageError(`not a backup name: ${JSON.stringify(archive)}`);
  const session = await openHost(target, ctx);
  try {
    const { remote, diagnosis, host } = session;
    const located = await remote.run({ as: 'service', script: locateArchiveScript(remote.target, archive).text, timeoutMs: 30_000 });
    const found = parseLocated(remote.clean(located.stdout));
    if (!found.archive) throw new UsageError(`no such backup on ${host.name}: ${archive}`, `clawfix backups ${host.name} lists them`);
    if (found.onVolume === false) {
      throw new UsageError(
        `${host.name}: ${found.archive} is in container ${host.openclaw.container}'s own file system, not on a volume; a restore runs while the container is stopped, when only its volumes can be read`,
        `copy it onto one of the container's volumes (e.g. docker cp it out and into a dir on a volume), then restore that path`,
      );
    }
    const paths = restorePaths(remote.target.stateDir, found.archive, stamp());
    const backupDir = parseBackupDir(remote.clean(located.stdout));
    const plan = planRestore(diagnosis, { host, archive: paths.archive, download: options.download !== false, ...(backupDir ? { backupDir } : {}) });
    ctx.stdout.write(renderPlan(plan));
    if (plan.kind !== 'restore') return ExitCode.NEEDS_ATTENTION;
    if (!options.yes && !(await confirm(`Restore ${archive} on ${host.name}?`, false))) {
      ctx.stdout.write(`${bold('Nothing was changed.')}\n`);
      return ExitCode.NEEDS_ATTENTION;
    }
    return await locked(session, ctx, async (holder) => {
      const started = performance.now();
      const exec = { out: ctx.stdout, signal: ctx.signal, breakLock: false, download: options.download !== false, qr: { out: ctx.stdout } };
      const { result, session: run } = await executePlan(remote, plan, holder, exec, { restore: paths });
      ctx.stdout.write(renderRecap({ plan, result, journal: run.journal, ...(run.offline ? { offline: run.offline } : {}), durationMs: performance.now() - started }));
      if (result.status === 'done') return run.offline ? ExitCode.NEEDS_ATTENTION : ExitCode.OK;
      return result.status === 'interrupted' ? ExitCode.INTERRUPTED : ExitCode.NEEDS_ATTENTION;
    });
  } finally {
    await session.close();
  }
}
