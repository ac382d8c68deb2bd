/**
 * Where backups are kept on the host: the OpenClaw user's own state dir,
 * `${XDG_STATE_HOME:-$HOME/.local/state}/clawfix/backups/<state dir>/` (0700, owned by that user),
 * resolved on the host as that user. Never inside what `openclaw backup create` archives: 2026.9.6
 * refuses an `--output` inside the state dir, a workspace or a credentials/agent dir outside it
 * (facts §12), and a backup kept there would be carried inside every later one.
 */
import { createHash } from 'node:crypto';
import { ClawfixError, ExitCode } from '../errors.js';
import { sh, type ShellFragment } from '../shell.js';
import type { FixTarget } from './target.js';

/** Exit codes of the prepare script: inside a source path / would not outlive a container's copy / no HOME / not the user's. */
export const INSIDE_SOURCE = 12;
export const NOT_ON_VOLUME = 13;
export const NO_HOME = 14;
export const NOT_OWN = 15;
/** What each refusal means, for when its line did not arrive (a container engine may drop the last output). */
const BY_CODE: ReadonlyMap<number | null, string> = new Map([
  [INSIDE_SOURCE, 'the backup dir is inside what openclaw backup create archives (the state dir, a workspace or agent dir, the credentials dir)'],
  [NOT_ON_VOLUME, "the backup dir is not on one of the stopped container's volumes: start the container and run clawfix again"],
  [NO_HOME, 'the OpenClaw user has no home directory, so there is no place for backups outside the state dir'],
  [NOT_OWN, 'the backup dir belongs to another user'],
]);
const REFUSALS: ReadonlySet<number | null> = new Set(BY_CODE.keys());

/**
 * One subdir per state dir, so the profiles of one user (~/.openclaw, ~/.openclaw-work) keep their
 * backups apart and a bare name given to `restore` is never another profile's archive: the state
 * dir's name plus a hash of its full path (two dirs both called `state` still differ).
 */
export function backupSubdir(stateDir: string): string {
  const name = stateDir.slice(stateDir.lastIndexOf('/') + 1).replace(/^\.+/, '').replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return `${name}-${createHash('sha256').update(stateDir).digest('hex').slice(0, 8)}`;
}

/** Where clawfix wrote backups before 2026-12 (the real CLI refuses it): listed and restored, never written. */
export function legacyBackupDir(stateDir: string): string {
  return `${stateDir}/.clawfix/backups`;
}

/** How the plan shows the dir before it is resolved on the host. */
export function backupDirDisplay(t: Pick<FixTarget, 'stateDir' | 'serviceUser'>): string {
  return `~${t.serviceUser}/.local/state/clawfix/backups/${backupSubdir(t.stateDir)}`;
}

/** `workspace`/`agentDir` string values anywhere in the config (JSON or JSON5, one per line at most). */
const PATH_KEYS = `["']?(workspace|agentDir)["']?[[:space:]]*:[[:space:]]*("[^"]+"|'[^']+')`;
const PATH_VALUE = `s/^[^:]*:[[:space:]]*.//; s/.$//`;

/**
 * Shell functions: cf_canon PATH prints PATH canonical the way the real CLI compares paths (realpath
 * of the nearest existing ancestor, the rest appended); cf_volume PATH prints the mount point (not
 * `/`) PATH lies on, if any.
 */
function helpers(): ShellFragment {
  return sh`cf_canon() { cf_p=$(printf '%s' "$1" | sed 's://*:/:g; s:\\(.\\)/$:\\1:'); cf_rest=
  while [ ! -e "$cf_p" ] && [ "$cf_p" != / ]; do cf_rest=/\${cf_p##*/}$cf_rest; cf_p=\${cf_p%/*}; [ -n "$cf_p" ] || cf_p=/; done
  if [ -d "$cf_p" ]; then cf_p=$(cd -P -- "$cf_p" 2>/dev/null && pwd -P) || cf_p=$1; fi
  cf_p=\${cf_p%/}$cf_rest; printf '%s\\n' "\${cf_p:-/}"; }
cf_volume() { awk -v d="$1" '$5 != "/" && (d == $5 || index(d, $5 "/") == 1) { print $5; exit }' /proc/self/mountinfo 2>/dev/null; }`;
}

/** Sets $backup_dir from XDG_STATE_HOME (absolute only, as the XDG spec says) or HOME, and prints it. */
function resolveDir(stateDir: string): ShellFragment {
  return sh`cf_base=\${XDG_STATE_HOME:-}; case $cf_base in /*) ;; *) cf_base= ;; esac
if [ -z "$cf_base" ]; then case \${HOME:-} in /?*) cf_base=\${HOME%/}/.local/state ;; *)
  echo "clawfix: $(id -un 2>/dev/null) has no home directory (HOME=\${HOME:-unset}), so there is no place for backups outside the state dir: give the user a home directory, then run clawfix again" >&2; exit ${NO_HOME} ;; esac; fi
backup_dir=\${cf_base%/}/clawfix/backups/${backupSubdir(stateDir)}`;
}

/**
 * Refuses (exit INSIDE_SOURCE, one line on stderr) a $backup_dir inside anything the backup archives:
 * the state dir, OPENCLAW_OAUTH_DIR, and the workspaces and agent dirs the config names. The config's
 * own dir is not one: the real CLI archives the config file, not the dir it is in (checked on 2026.9.6).
 */
function insideSourceGuard(stateDir: string): ShellFragment {
  return sh`cf_dir=$(cf_canon "$backup_dir")
cf_check() { [ -n "$2" ] || return 0; cf_s=$(cf_canon "$2"); case "$cf_dir/" in "\${cf_s%/}/"*)
  echo "clawfix: backups would go to $backup_dir, which is inside $1 $cf_s: openclaw backup create archives that and refuses to write into it; move $cf_s to a place of its own, or give $(id -un 2>/dev/null) an XDG_STATE_HOME outside it, then run clawfix again" >&2; exit ${INSIDE_SOURCE} ;; esac; }
cf_tilde() { case $1 in "~") printf '%s\\n' "$HOME" ;; "~/"*) printf '%s\\n' "$HOME/\${1#"~/"}" ;; *) printf '%s\\n' "$1" ;; esac; }
cf_check "the state dir" ${stateDir}
cf_check "the credentials dir (OPENCLAW_OAUTH_DIR)" "$(cf_tilde "\${OPENCLAW_OAUTH_DIR:-}")"
cf_cfg=\${OPENCLAW_CONFIG_PATH:-${`${stateDir}/openclaw.json`}}
cf_paths=$(grep -oE ${PATH_KEYS} "$cf_cfg" 2>/dev/null | sed -E ${PATH_VALUE})
while IFS= read -r cf_w; do cf_w=$(cf_tilde "$cf_w"); case $cf_w in /*) cf_check "a workspace or agent dir of $cf_cfg:" "$cf_w" ;; esac; done <<CF_EOF
$cf_paths
CF_EOF`;
}

/** Read-only: prints `backup_dir=<path>`; $backup_dir (and the helpers) stay set for the rest of the script. */
export function resolveBackupDirScript(t: Pick<FixTarget, 'stateDir'>): ShellFragment {
  return sh`${helpers()}
${resolveDir(t.stateDir)}
echo "backup_dir=$backup_dir"`;
}

/**
 * Resolves $backup_dir, refuses it inside a source path before anything is made, then makes it 0700
 * and checks it is the user's own. In a stopped container's throwaway copy it must be on a volume,
 * or the backup would vanish with the copy; in a running container, a dir in the container's own
 * layer works but is named in $cf_note (it goes with the container, and a stopped one's copy cannot
 * see it). Prints nothing on success: the caller prints $backup_dir with the rest, in one write.
 */
export function prepareBackupDirScript(t: Pick<FixTarget, 'stateDir' | 'host'>): ShellFragment {
  const container = t.host.openclaw.container
    ? sh`
cf_m=$(cf_volume "$cf_dir")
if [ -z "$cf_m" ] && [ -n "\${CLAWFIX_CONTAINER_STATE:-}" ]; then
  echo ${`clawfix: container ${t.host.openclaw.container} is`} "$CLAWFIX_CONTAINER_STATE, and $backup_dir is not on one of its volumes: a backup made in its throwaway copy would vanish with the copy; start the container and run clawfix again, or put the user's HOME (or XDG_STATE_HOME) on a volume" >&2; exit ${NOT_ON_VOLUME}; fi
[ -n "$cf_m" ] || cf_note="note: $backup_dir is in the container's own file system, not on a volume: it goes when the container is recreated, and cannot be restored from while the container is stopped"`
    : sh``;
  return sh`${helpers()}
${resolveDir(t.stateDir)}; cf_note=
${insideSourceGuard(t.stateDir)}${container}
(umask 077; mkdir -p "$backup_dir") && chmod 700 "$backup_dir" || exit 1
[ -O "$backup_dir" ] || { echo "clawfix: $backup_dir belongs to another user, not $(id -un 2>/dev/null): give it back (chown) or remove it, then run clawfix again" >&2; exit ${NOT_OWN}; }`;
}

/** After the prepare script: `backup_dir=<path>`, the note if any, then `more` (words), in one printf. */
export function reportPrepared(...more: ShellFragment[]): ShellFragment {
  return sh`printf '%s\n' "backup_dir=$backup_dir" \${cf_note:+"$cf_note"} ${more}`;
}

/** The `backup_dir=` line of either script. */
export function parseBackupDir(stdout: string): string | null {
  const dir = /^backup_dir=(\/.*)$/m.exec(stdout)?.[1] ?? null;
  // it becomes part of archive paths the journal records and a rollback reads: no control characters, no ..
  return dir !== null && !/[\x00-\x1f\x7f]/.test(dir) && !dir.split('/').includes('..') ? dir : null;
}

/** A refusal of the prepare script (or of `openclaw backup create` itself) as one clear line; null for other failures. */
export function backupDirRefusal(hostName: string, exitCode: number | null, output: string): ClawfixError | null {
  const line = /^clawfix: (.*)$/m.exec(output)?.[1];
  const real = /Backup output must not be written inside a source path: (\S+) is inside (\S+)/.exec(output);
  if (REFUSALS.has(exitCode)) return refusal(`${hostName}: ${line ?? BY_CODE.get(exitCode)}; nothing was changed`);
  if (real) return refusal(`${hostName}: openclaw backup create refused to write ${real[1]}, which is inside ${real[2]} (what it archives); nothing was changed`);
  return null;
}

function refusal(message: string): ClawfixError {
  return new ClawfixError('BACKUP_DIR_REFUSED', message, { exitCode: ExitCode.NEEDS_ATTENTION });
}
