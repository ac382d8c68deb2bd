/**
 * Restoring a backup without losing the present: the archive is unpacked into a staging folder in
 * `.clawfix/`, then each top-level entry it holds replaces the current one, which is moved aside
 * into `.clawfix/replaced-<stamp>/` (never removed). Entries the archive does not hold (npm/, tmp/,
 * skipped by `openclaw backup` as regenerable) stay. Undo moves the replaced entries back.
 * Both layouts are read: `openclaw backup` (<root>/payload/posix/<stateDir>) and clawfix's tar (<base>/).
 */
import { sh, type ShellFragment } from '../shell.js';
import { legacyBackupDir, resolveBackupDirScript } from './backup-dir.js';
import { stateDirGuard } from './lock.js';
import type { FixTarget } from './target.js';

export interface RestorePaths {
  archive: string;
  /** .clawfix/restore-<stamp>: the unpacked archive. */
  stage: string;
  /** .clawfix/replaced-<stamp>: what the restore replaced. */
  aside: string;
}

export function restorePaths(stateDir: string, archive: string, at: string): RestorePaths {
  return { archive, stage: `${stateDir}/.clawfix/restore-${at}`, aside: `${stateDir}/.clawfix/replaced-${at}` };
}

/**
 * Finds the archive to restore: a path as given; a bare name in the backup dir, else in the legacy
 * `.clawfix/backups/`. Prints `archive=<path>` (empty when not found) and, in a container,
 * `archive_volume=1|0`: a restore runs while the container is stopped, through a copy that
 * sees only its volumes.
 */
export function locateArchiveScript(t: Pick<FixTarget, 'stateDir' | 'host'>, name: string): ShellFragment {
  const candidates = name.includes('/') ? sh`${name}` : sh`"$backup_dir"/${name} ${legacyBackupDir(t.stateDir)}/${name}`;
  const volume = t.host.openclaw.container ? sh`cf_m=$(cf_volume "$(cf_canon "$cf_a")"); echo "archive_volume=$([ -n "$cf_m" ] && echo 1 || echo 0)"; ` : sh``;
  return sh`${resolveBackupDirScript(t)}
for cf_a in ${candidates}; do [ -f "$cf_a" ] && { echo "archive=$cf_a"; ${volume}exit 0; }; done
echo "archive="`;
}

export function parseLocated(stdout: string): { archive: string | null; onVolume: boolean | null } {
  const archive = /^archive=(.*)$/m.exec(stdout)?.[1] || null;
  const volume = /^archive_volume=([01])$/m.exec(stdout)?.[1];
  return { archive, onVolume: volume === undefined ? null : volume === '1' };
}

/** Prints `src=<dir>` for the state dir found in the unpacked archive. */
function findSource(stateDir: string, stage: string): ShellFragment {
  const base = stateDir.slice(stateDir.lastIndexOf('/') + 1);
  return sh`src=""; for c in ${stage}/*/payload/posix${stateDir} ${stage}/${base}; do [ -f "$c/openclaw.json" ] && { src=$c; break; }; done
[ -n "$src" ] || { echo "the archive holds no state dir with openclaw.json" >&2; exit 1; }`;
}

export function stageScript(stateDir: string, p: RestorePaths): string {
  return sh`${stateDirGuard(stateDir)}
[ -f ${p.archive} ] || { echo ${`no such backup on the host: ${p.archive}`} >&2; exit 1; }
tar tzf ${p.archive} >/dev/null || { echo "the archive does not read back" >&2; exit 1; }
umask 077; rm -rf ${p.stage}; mkdir -p ${p.stage} && tar xzf ${p.archive} -C ${p.stage} || exit 1
${findSource(stateDir, p.stage)}
echo "unpacked into $src"; ls -A "$src" | sed 's/^/  holds: /'`.text;
}

/** Every top-level entry of `from` (but .clawfix) replaces the same name in `to`, moved into `aside` first. */
function replaceEntries(from: string | ShellFragment, to: string, aside: string): ShellFragment {
  return sh`mkdir -p ${aside} && chmod 700 ${aside} || exit 1
for e in ${from}/* ${from}/.[!.]* ${from}/..?*; do [ -e "$e" ] || [ -L "$e" ] || continue; n=\${e##*/}; [ "$n" = .clawfix ] && continue
  if [ -e ${to}/"$n" ] || [ -L ${to}/"$n" ]; then mv ${to}/"$n" ${aside}/"$n" || exit 1; fi
  mv "$e" ${to}/"$n" || exit 1; echo "restored $n"; done`;
}

export function swapScript(stateDir: string, p: RestorePaths): string {
  return sh`${findSource(stateDir, p.stage)}
${replaceEntries(sh`"$src"`, stateDir, p.aside)}`.text;
}

/** Rollback: what the restore put in place goes to `<stage>/undone`, the replaced entries come back. */
export function unswapScript(stateDir: string, p: RestorePaths): string {
  return sh`if [ ! -d ${p.aside} ]; then echo ${`nothing to undo: ${p.aside} is not there`}; exit 0; fi
${replaceEntries(p.aside, stateDir, `${p.stage}/undone`)}`.text;
}
