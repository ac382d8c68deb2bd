/**
 * What a fix has done so far, kept in two places: on the laptop (`~/.local/state/clawfix/journal/
 * <host>.json`) and as a marker on the host (`<stateDir>/.clawfix/journal.json`), so that a run cut
 * short (Ctrl-C twice, a dropped connection, a closed laptop) is seen by the next `clawfix fix`,
 * which offers to finish or roll back. Both are removed once a run is verified or rolled back.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { sh } from '../shell.js';
import type { BackupRecord } from './backup.js';
import { localStateDir } from './local-state.js';
import type { PlanKind, StepId } from './plan.js';
import type { QuarantinePaths } from './quarantine.js';
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

const journalSchema = z.object({
  version: z.literal(1),
  host: z.string(),
  account: z.string(),
  stateDir: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  by: z.string(),
  run: z.string(),
  kind: z.enum(['nothing', 'explain', 'repair', 'link', 'relink', 'restore']),
  verdict: z.string(),
  steps: z.array(z.enum(STEP_IDS)),
  done: z.array(z.enum(STEP_IDS)),
  running: z.enum(STEP_IDS).optional(),
  gatewayWasRunning: z.boolean(),
  lingerWasEnabled: z.boolean().nullable(),
  stamp: z.string(),
  quarantine: z.object({ source: z.string(), dir: z.string(), moved: z.string() }).optional(),
  restore: z.object({ archive: z.string(), stage: z.string(), aside: z.string() }).optional(),
  backup: z
    .object({ remotePath: z.string(), sha256: z.string(), sizeBytes: z.number(), tool: z.enum(['openclaw', 'tar']), localPath: z.string().optional() })
    .optional(),
  state: z.enum(['running', 'failed', 'rollback-failed']),
});

export function parseJournal(text: string): Journal | null {
  try {
    const parsed = journalSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as Journal) : null;
  } catch {
    return null;
  }
}

export function localJournalPath(host: string): string {
  return join(localStateDir(), 'journal', `${host}.json`);
}

export function remoteJournalPath(stateDir: string): string {
  return `${stateDir}/.clawfix/journal.json`;
}

export async function readLocalJournal(host: string): Promise<Journal | null> {
  try {
    return parseJournal(await readFile(localJournalPath(host), 'utf8'));
  } catch {
    return null;
  }
}

export async function readRemoteJournal(remote: RemoteHost): Promise<Journal | null> {
  const result = await remote.run({ as: 'service', script: sh`cat ${remoteJournalPath(remote.target.stateDir)} 2>/dev/null`.text, timeoutMs: 30_000 });
  return result.exitCode === 0 ? parseJournal(result.stdout) : null;
}

/** Written on both sides; the host's marker is best effort once the connection is gone. */
export async function saveJournal(remote: RemoteHost, journal: Journal): Promise<void> {
  const entry = { ...journal, updatedAt: new Date().toISOString() };
  const text = `${JSON.stringify(entry, null, 2)}\n`;
  const path = localJournalPath(journal.host);
  await mkdir(join(localStateDir(), 'journal'), { recursive: true, mode: 0o700 });
  await writeFile(`${path}.tmp`, text, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
  const marker = remoteJournalPath(journal.stateDir);
  await remote.run({ as: 'service', script: sh`umask 077; mkdir -p ${`${journal.stateDir}/.clawfix`} && cat > ${`${marker}.tmp`} && mv ${`${marker}.tmp`} ${marker}`.text, timeoutMs: 30_000 }, { stdin: text });
}

export async function clearJournal(remote: RemoteHost | null, host: string, stateDir: string): Promise<void> {
  await rm(localJournalPath(host), { force: true });
  if (remote) await remote.runRecovering({ as: 'service', script: sh`rm -f ${remoteJournalPath(stateDir)}`.text, timeoutMs: 30_000 });
}
