/**
 * The host lock, `<stateDir>/.clawfix/lock`: created with noclobber (atomic on POSIX), holding who
 * took it (local user@hostname, pid, time, a run id, a machine id and boot id). Two runs never work on one host at once; a
 * refusal names the holder; --break-lock removes a stale one. Nothing is touched before the state
 * dir is known to be OpenClaw's (it has openclaw.json).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ClawfixError, ExitCode } from '../errors.js';
import { sh, type ShellFragment } from '../shell.js';
import { localStateDir } from './local-state.js';
import type { RemoteHost } from './remote.js';

export interface LockHolder {
  /** user@hostname: for people to read; two laptops may well have the same. */
  by: string;
  pid: number;
  since: string;
  run: string;
  /** A random id kept in this laptop's clawfix state dir: which machine the pid belongs to. */
  machine?: string;
  /** Linux boot id: a lock from an earlier boot of the same machine is certainly stale. */
  boot?: string | null;
}

export function newHolder(now = new Date()): LockHolder {
  return { by: `${userInfo().username}@${hostname()}`, pid: process.pid, since: now.toISOString(), run: randomBytes(8).toString('hex'), machine: machineId(), boot: bootId() };
}

let cachedMachine: string | undefined;

/** Made once (0600) in the local state dir; when it cannot be kept, a fresh one per run (no take-over is ever possible then). */
function machineId(): string {
  if (cachedMachine) return cachedMachine;
  const path = join(localStateDir(), 'machine-id');
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{32}$/.test(existing)) return (cachedMachine = existing);
  } catch {
    // none yet
  }
  const id = randomBytes(16).toString('hex');
  try {
    mkdirSync(localStateDir(), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${id}\n`, { mode: 0o600, flag: 'wx' });
    return (cachedMachine = id);
  } catch {
    // another run made it at the same moment (read it), or the dir is read-only (keep ours for this run)
    const raced = readFileSync(path, { encoding: 'utf8', flag: 'r' }).trim();
    return (cachedMachine = /^[0-9a-f]{32}$/.test(raced) ? raced : id);
  }
}

function bootId(): string | null {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return /^[0-9a-f-]{36}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** Exit 3 from a fix script: the directory is not an OpenClaw state dir; nothing was done. */
export const NOT_STATE_DIR = 3;
const HELD = 10;

/**
 * Refuses to go on unless the state dir holds openclaw.json; then makes `.clawfix/` (0700).
 * Lock, journal, quarantine and restore staging live there: `openclaw backup create` archives them, and
 * accepts that (it refuses only an --output inside the state dir, so backups go elsewhere: backup-dir.ts).
 */
export function stateDirGuard(stateDir: string): ShellFragment {
  return sh`[ -f ${stateDir}/openclaw.json ] || { echo ${`not an OpenClaw state dir (no openclaw.json): ${stateDir}`} >&2; exit ${NOT_STATE_DIR}; }
mkdir -p ${stateDir}/.clawfix && chmod 700 ${stateDir}/.clawfix || exit 1`;
}

/** `takeOver`: the run id of an interrupted run (from its journal) whose lock this run may replace. */
export function acquireScript(stateDir: string, holder: LockHolder, breakLock: boolean, takeOver?: string): ShellFragment {
  const lock = `${stateDir}/.clawfix/lock`;
  const previous = takeOver ? `"run":"${takeOver}"` : '"run":"-"';
  return sh`${stateDirGuard(stateDir)}
if [ ${breakLock ? '1' : '0'} = 1 ] && [ -f ${lock} ]; then echo "breaking the lock held by $(cat ${lock})"; rm -f ${lock}; fi
if [ -f ${lock} ] && grep -q ${previous} ${lock}; then echo "taking over the lock of the interrupted run"; rm -f ${lock}; fi
if ( set -C; printf '%s\n' ${JSON.stringify(holder)} > ${lock} ) 2>/dev/null; then echo locked; exit 0; fi
cat ${lock} 2>/dev/null; exit ${HELD}`;
}

/**
 * Removes the lock only if it is still ours, and `.clawfix/` with it when nothing else is in it: a
 * run that changed nothing (declined, refused) leaves the state dir exactly as it found it.
 */
export function releaseScript(stateDir: string, holder: LockHolder): ShellFragment {
  const lock = `${stateDir}/.clawfix/lock`;
  return sh`if grep -q ${`"run":"${holder.run}"`} ${lock} 2>/dev/null; then rm -f ${lock}; rmdir ${`${stateDir}/.clawfix`} 2>/dev/null; fi; true`;
}

/** The lock file is written by whoever can write the state dir: every field is checked, or there is no holder to trust. */
const holderSchema = z.object({
  by: z.string().max(300).regex(/^[^\x00-\x1f\x7f]*$/),
  pid: z.number().int().positive(),
  since: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/),
  run: z.string().regex(/^[0-9a-f]{16}$/),
  machine: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  boot: z.string().regex(/^[0-9a-f-]{36}$/).nullable().optional(),
});

export function parseHolder(text: string): LockHolder | null {
  const line = text.split('\n').find((l) => l.trim().startsWith('{'));
  if (!line) return null;
  try {
    const parsed = holderSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Evidence that `current` is a run of this machine that is gone: the same machine id (not only the
 * same user@hostname), and an earlier boot or a pid that no longer runs. Without it only --break-lock
 * removes a lock.
 */
export function provablyGone(current: LockHolder, self: LockHolder, alive: (pid: number) => boolean = pidAlive): boolean {
  if (!current.machine || current.machine !== self.machine || current.by !== self.by) return false;
  if (current.boot && self.boot && current.boot !== self.boot) return true;
  return !alive(current.pid);
}

export function describeHolder(holder: LockHolder | null): string {
  return holder ? `${holder.by} (pid ${holder.pid}) since ${holder.since}` : 'an unreadable holder';
}

/**
 * Takes the lock. A lock left by a clawfix process of this user on this machine (its machine id, not
 * its name) that is gone (a run killed, a reboot) is taken over, and said so; any other holder is a
 * refusal naming it, unless --break-lock.
 */
export async function acquireLock(remote: RemoteHost, holder: LockHolder, breakLock: boolean, say: (line: string) => void = () => undefined): Promise<void> {
  const { stateDir, host } = remote.target;
  const attempt = (takeOver?: string) => remote.run({ as: 'service', script: acquireScript(stateDir, holder, breakLock, takeOver).text, timeoutMs: 30_000 });
  let result = await attempt();
  let current = result.exitCode === HELD ? parseHolder(result.stdout) : null;
  if (current && provablyGone(current, holder)) {
    say(`taking over the lock of an earlier run that is gone: ${describeHolder(current)}`);
    result = await attempt(current.run);
    current = result.exitCode === HELD ? parseHolder(result.stdout) : null;
  }
  if (result.exitCode === 0) {
    if (/^breaking the lock/m.test(result.stdout)) say(remote.clean(result.stdout.split('\n')[0] ?? ''));
    return;
  }
  if (result.exitCode === HELD) {
    throw new ClawfixError('HOST_LOCKED', `${host.name} is locked by another clawfix run: ${describeHolder(current)}.`, {
      hint: `wait for that run to finish; if it is gone, run again with --break-lock (the lock is ${stateDir}/.clawfix/lock)`,
      exitCode: ExitCode.NEEDS_ATTENTION,
    });
  }
  throw new ClawfixError('LOCK_FAILED', `could not lock ${host.name}: ${remote.describe(result)}`, { exitCode: ExitCode.NEEDS_ATTENTION });
}

export async function releaseLock(remote: RemoteHost, holder: LockHolder): Promise<void> {
  await remote.runRecovering({ as: 'service', script: releaseScript(remote.target.stateDir, holder).text, timeoutMs: 30_000 });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
