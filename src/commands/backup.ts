/**
 * `clawfix backup <host>` (verified, downloaded, sha256 checked), `clawfix backups <host>` (on the
 * host and here), `clawfix restore <host> <backup>` (safety backup, stop, restore, start, verify;
 * rolled back on failure). All three work under the host lock.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { backupDir, createBackup } from '../fix/backup.js';
import { openHost, type HostSession } from '../fix/connect.js';
import { localStateDir } from '../fix/local-state.js';
import { acquireLock, newHolder, releaseLock } from '../fix/lock.js';
import { BACKUP_SINCE, planRestore } from '../fix/plan.js';
import { stamp } from '../fix/quarantine.js';
import { renderPlan, renderRecap, stepReporter } from '../fix/report.js';
import { resolveArchive, restorePaths } from '../fix/restore.js';
import { executePlan } from '../fix/run.js';
import { sh } from '../shell.js';
import { versionInRange } from '../triage/version.js';
import { confirm, interactive } from '../ui/ask.js';
import { bold, dim, table } from '../ui/style.js';

function colour(ctx: CommandContext): void {
}

async function locked<T>(session: HostSession, ctx: CommandContext, work: (holder: ReturnType<typeof newHolder>) => Promise<T>): Promise<T> {
  const holder = newHolder();
  await acquireLock(session.remote, holder, false, (line) => ctx.stdout.write(dim(`${line}\n`)));
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
    ctx.stdout.write(`${bold(session.host.name)}: backup ${record.remotePath} (${Math.round(record.sizeBytes / 1024)} KiB, sha256 ${record.sha256})\n`);
    ctx.stdout.write(record.localPath ? `  downloaded to ${record.localPath} (0600, checksum matches)\n` : '  kept on the host only (--no-download)\n');
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
}

export async function backups(target: string, options: { json: boolean }, ctx: CommandContext): Promise<number> {
  colour(ctx);
  const session = await openHost(target, ctx);
  try {
    const dir = backupDir(session.remote.target.stateDir);
    const result = await session.remote.run({ as: 'service', script: sh`cd ${dir} 2>/dev/null && for f in *.tar.gz; do [ -f "$f" ] && printf '%s\\t%s\\t%s\\n' "$(wc -c < "$f")" "$(date -u -r "$f" +%Y-%m-%dT%H:%M:%SZ)" "$f"; done; true`.text, timeoutMs: 60_000 });
    const listed: Listed[] = result.stdout
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((line) => {
        const [size = '0', modified = '', name = ''] = line.split('\t');
        return { where: 'host' as const, name: session.remote.clean(name), sizeBytes: Number(size.trim()), modified, path: `${dir}/${session.remote.clean(name)}` };
      });
    const localDir = join(localStateDir(), 'backups', session.host.name);
    for (const name of await readdir(localDir).catch(() => [] as string[])) {
      const info = await stat(join(localDir, name));
      listed.push({ where: 'here', name, sizeBytes: info.size, modified: info.mtime.toISOString().replace(/\.\d+Z$/, 'Z'), path: join(localDir, name) });
    }
    listed.sort((a, b) => a.modified.localeCompare(b.modified));
    if (options.json) ctx.stdout.write(`${JSON.stringify({ host: session.host.name, backups: listed }, null, 2)}\n`);
    else if (listed.length === 0) ctx.stdout.write(`${session.host.name}: no backups yet (clawfix backup ${session.host.name} makes one)\n`);
    else {
      const rows = [['WHERE', 'MODIFIED', 'SIZE', 'PATH'], ...listed.map((b) => [b.where, b.modified, `${Math.max(1, Math.round(b.sizeBytes / 1024))} KiB`, b.path])];
      ctx.stdout.write(`${table(rows)}\n${dim(`restore one with: clawfix restore ${session.host.name} <name on the host>`)}\n`);
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
    const paths = restorePaths(remote.target.stateDir, resolveArchive(remote.target.stateDir, archive), stamp());
    const exists = await remote.run({ as: 'service', script: sh`test -f ${paths.archive}`.text, timeoutMs: 30_000 });
    if (exists.exitCode !== 0) throw new UsageError(`no such backup on ${host.name}: ${paths.archive}`, `clawfix backups ${host.name} lists them`);
    const plan = planRestore(diagnosis, { host, archive: paths.archive, download: options.download !== false });
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
      ctx.stdout.write(renderRecap({ plan, result, journal: run.journal, durationMs: performance.now() - started }));
      if (result.status === 'done') return ExitCode.OK;
      return result.status === 'interrupted' ? ExitCode.INTERRUPTED : ExitCode.NEEDS_ATTENTION;
    });
  } finally {
    await session.close();
  }
}
