/**
 * What a fix has done so far, kept in two places: on the laptop (`~/.local/state/clawfix/journal/
 * <host>.json`) and as a marker on the host (`<stateDir>/.clawfix/journal.json`), so that a run cut
 * short (Ctrl-C twice, a dropped connection, a closed laptop) is seen by the next `clawfix fix`,
 * which offers to finish or roll back. Both are removed once a run is verified or rolled back.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ClawfixError, ExitCode } from '../errors.js';
import { ACCOUNT_PATTERN, isSafeName } from '../inventory/schema.js';
import { sh } from '../shell.js';
import type { BackupRecord } from './backup.js';
import { localBackupDir, localStateDir } from './local-state.js';
import { quarantinePaths, type QuarantinePaths } from './quarantine.js';
import type { FixTarget } from './target.js';
import type { PlanKind, StepId } from './plan.js';
import type { RestorePaths } from './restore.js';
import type { RemoteHost } from './remote.js';

export interface Journal {
  version: 1;
  host: string;
  account: string;
  stateDir: string;
  startedAt: string;
  updatedAt: string;
  /** user@laptop (pid) that ran it. */
  by: string;
  /** The lock's run id, so the next run may take over a lock this run left behind. */
  run: string;
  kind: PlanKind;
  verdict: string;
  steps: StepId[];
  done: StepId[];
  /** The step under way when the journal was written last (it may be half done). */
  running?: StepId;
  gatewayWasRunning: boolean;
  lingerWasEnabled: boolean | null;
  stamp: string;
  quarantine?: QuarantinePaths;
  backup?: BackupRecord;
  restore?: RestorePaths;
  state: 'running' | 'failed' | 'rollback-failed';
}

const STEP_IDS = ['backup', 'stop-gateway', 'quarantine', 'start-gateway', 'restart-gateway', 'enable-linger', 'repair-plugin', 'login', 'verify', 'restore'] as const;

/*
 * The host's marker is written by whoever can write the state dir, so every field is checked before
 * it is used: strict patterns here, and in foreignJournal, paths that must be the ones this host's
 * state dir and this hosts-file name give. Local paths are never built from it (localJournalPath
 * takes the hosts-file name).
 */
const printable = (max: number) => z.string().max(max).regex(/^[^\x00-\x1f\x7f]*$/, 'no control characters');
const isoTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/, 'an ISO time');
const absolutePath = printable(4096)
  .regex(/^\//, 'an absolute path')
  .refine((path) => !path.split('/').some((part) => part === '..' || part === '.'), 'no "." or ".." segments');
const STAMP_PATTERN = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/;

const journalSchema = z.strictObject({
  version: z.literal(1),
  host: z.string().refine(isSafeName, 'a hosts-file name'),
  account: z.string().regex(ACCOUNT_PATTERN, 'an account id'),
  // paths the state dir gives are compared with this host's in foreignJournal; here only their characters
  stateDir: printable(4096),
  startedAt: isoTime,
  updatedAt: isoTime,
  by: printable(300),
  run: z.string().regex(/^[0-9a-f]{16}$/, 'a run id'),
  kind: z.enum(['nothing', 'explain', 'repair', 'link', 'relink', 'restore']),
  verdict: z.string().regex(/^[a-z][a-z-]{0,63}$/, 'a verdict id'),
  steps: z.array(z.enum(STEP_IDS)).max(STEP_IDS.length),
  done: z.array(z.enum(STEP_IDS)).max(STEP_IDS.length),
  running: z.enum(STEP_IDS).optional(),
  gatewayWasRunning: z.boolean(),
  lingerWasEnabled: z.boolean().nullable(),
  stamp: z.string().regex(STAMP_PATTERN, 'a time stamp'),
  quarantine: z.strictObject({ source: printable(4096), dir: printable(4096), moved: printable(4096) }).optional(),
  restore: z.strictObject({ archive: printable(4096), stage: printable(4096), aside: printable(4096) }).optional(),
  backup: z
    .strictObject({
      remotePath: absolutePath,
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      sizeBytes: z.number().int().nonnegative(),
      tool: z.enum(['openclaw', 'tar']),
      localPath: printable(4096).optional(),
    })
    .optional(),
  state: z.enum(['running', 'failed', 'rollback-failed']),
});

/** The marker is a few KB; more is not ours. */
const MAX_JOURNAL_BYTES = 64 * 1024;

/** Schema only: a Journal, or why not (the first field that does not match). */
export function parseJournalText(text: string): { journal: Journal } | { why: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { why: 'not JSON' };
  }
  const parsed = journalSchema.safeParse(data);
  if (parsed.success) return { journal: parsed.data as Journal };
  const issue = parsed.error.issues[0];
  return { why: `${issue?.path.join('.') || 'the document'}: ${issue?.message ?? 'does not match'}` };
}

export function parseJournal(text: string): Journal | null {
  const parsed = parseJournalText(text);
  return 'journal' in parsed ? parsed.journal : null;
}

/**
 * Why a journal that parses still is not this host's, or null: it must name this hosts-file host
 * and this state dir, and its paths must be the ones they give (quarantine and restore folders in
 * the state dir's .clawfix/, a download in this host's local backup dir).
 */
export function foreignJournal(j: Journal, target: Pick<FixTarget, 'host' | 'stateDir'>): string | null {
  if (j.host !== target.host.name) return `it names host "${j.host}", not ${target.host.name}`;
  if (j.stateDir !== target.stateDir) return `it names state dir ${j.stateDir}, not ${target.stateDir}`;
  if (j.quarantine) {
    const expected = quarantinePaths(target.stateDir, j.account, j.stamp);
    const q = j.quarantine;
    if (q.source !== expected.source || q.dir !== expected.dir || q.moved !== expected.moved) return 'its quarantine paths are not the state dir\'s own';
  }
  if (j.restore) {
    const stage = /^restore-(.+)$/.exec(j.restore.stage.slice(`${target.stateDir}/.clawfix/`.length))?.[1];
    const aside = /^replaced-(.+)$/.exec(j.restore.aside.slice(`${target.stateDir}/.clawfix/`.length))?.[1];
    const inside = j.restore.stage.startsWith(`${target.stateDir}/.clawfix/`) && j.restore.aside.startsWith(`${target.stateDir}/.clawfix/`);
    if (!inside || !stage || stage !== aside || !STAMP_PATTERN.test(stage)) return 'its restore paths are not the state dir\'s own';
  }
  if (j.backup?.localPath !== undefined && dirname(j.backup.localPath) !== localBackupDir(target.host.name)) {
    return 'its downloaded backup is not in this host\'s backup dir here';
  }
  return null;
}

/** ~/.local/state/clawfix/journal/<name>.json, from the hosts-file name only (checked again here). */
export function localJournalPath(hostName: string): string {
  return join(localStateDir(), 'journal', `${safeName(hostName)}.json`);
}

export function remoteJournalPath(stateDir: string): string {
  return `${stateDir}/.clawfix/journal.json`;
}

/** The laptop's copy; one that does not parse or is not this host's counts as none (it is ours to overwrite). */
export async function readLocalJournal(target: Pick<FixTarget, 'host' | 'stateDir'>): Promise<Journal | null> {
  try {
    const journal = parseJournal(await readFile(localJournalPath(target.host.name), 'utf8'));
    return journal && !foreignJournal(journal, target) ? journal : null;
  } catch {
    return null;
  }
}

/**
 * The host's marker, or null when there is none. A marker that is not one clawfix wrote for this
 * host and state dir is refused: nothing is done with it, and the user is told where it is.
 */
export async function readRemoteJournal(remote: RemoteHost): Promise<Journal | null> {
  const path = remoteJournalPath(remote.target.stateDir);
  const result = await remote.run({ as: 'service', script: sh`cat ${path} 2>/dev/null`.text, timeoutMs: 30_000, }, { maxOutputBytes: MAX_JOURNAL_BYTES });
  if (result.exitCode !== 0) return null;
  const parsed = result.truncated ? { why: `larger than ${MAX_JOURNAL_BYTES / 1024} KB` } : parseJournalText(result.stdout);
  const why = 'why' in parsed ? parsed.why : foreignJournal(parsed.journal, remote.target);
  if (why !== null) {
    throw new ClawfixError('JOURNAL_REFUSED', `${remote.target.host.name}: the journal marker ${path} is not one clawfix wrote for this host (${why}); nothing was done`, {
      hint: `look at it; if no clawfix run is under way, remove it (rm ${path}) and run clawfix fix again`,
      exitCode: ExitCode.NEEDS_ATTENTION,
    });
  }
  return 'journal' in parsed ? parsed.journal : null;
}

/** Written on both sides, at paths from the target (hosts-file name, probed state dir); the host's marker is best effort once the connection is gone. */
export async function saveJournal(remote: RemoteHost, journal: Journal): Promise<void> {
  const entry = { ...journal, updatedAt: new Date().toISOString() };
  const text = `${JSON.stringify(entry, null, 2)}\n`;
  const path = localJournalPath(remote.target.host.name);
  await mkdir(join(localStateDir(), 'journal'), { recursive: true, mode: 0o700 });
  await writeFile(`${path}.tmp`, text, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
  const { stateDir } = remote.target;
  const marker = remoteJournalPath(stateDir);
  await remote.run({ as: 'service', script: sh`umask 077; mkdir -p ${`${stateDir}/.clawfix`} && cat > ${`${marker}.tmp`} && mv ${`${marker}.tmp`} ${marker}`.text, timeoutMs: 30_000 }, { stdin: text });
}

/** Removes both copies of this host's journal (never a path a journal names). */
export async function clearJournal(remote: RemoteHost): Promise<void> {
  await rm(localJournalPath(remote.target.host.name), { force: true });
  await remote.runRecovering({ as: 'service', script: sh`rm -f ${remoteJournalPath(remote.target.stateDir)}`.text, timeoutMs: 30_000 });
}

function safeName(hostName: string): string {
  if (!isSafeName(hostName)) throw new ClawfixError('UNSAFE_NAME', `not a host name clawfix makes a local path of: ${JSON.stringify(hostName)}`, { hint: 'host names are letters, digits, ".", "_" and "-", not "." or ".."' });
  return hostName;
}
