/**
 * One fix on one host, once confirmed: lock → journal → steps (rollback on failure or Ctrl-C) →
 * journal cleared when the host is verified or back as it was → lock released. Also the rollback of
 * an interrupted run found in a journal.
 */
import { isSshError } from '../ssh/errors.js';
import { applySteps, rollback, type ApplyResult } from './apply.js';
import { clearJournal, saveJournal, type Journal } from './journal.js';
import type { LockHolder } from './lock.js';
import type { Plan } from './plan.js';
import { stamp } from './quarantine.js';
import type { RemoteHost } from './remote.js';
import { stepReporter } from './report.js';
import { execSteps, isGatewayAlive, type FixSession } from './steps.js';

export interface ExecuteOptions {
  out: NodeJS.WritableStream;
  signal?: AbortSignal;
  breakLock: boolean;
  download: boolean;
  qr: FixSession['qr'];
  verifyTimeoutMs?: number;
}

export interface ExecuteOutcome {
  result: ApplyResult;
  session: FixSession;
}

export function newJournal(plan: Plan, remote: RemoteHost, holder: LockHolder, gatewayWasRunning: boolean): Journal {
  const now = new Date();
  return {
    version: 1,
    host: plan.host,
    account: plan.account,
    stateDir: remote.target.stateDir,
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    by: `${holder.by} (pid ${holder.pid}, run ${holder.run})`,
    run: holder.run,
    kind: plan.kind,
    verdict: String(plan.verdict),
    steps: plan.steps.filter((s) => !s.skip).map((s) => s.id),
    done: [],
    gatewayWasRunning,
    lingerWasEnabled: remote.target.gateway.lingerEnabled,
    stamp: stamp(now),
    state: 'running',
  };
}

/** Runs the plan; the caller holds the host lock (`holder`). */
export async function executePlan(remote: RemoteHost, plan: Plan, holder: LockHolder, options: ExecuteOptions, extra: Partial<Journal> = {}): Promise<ExecuteOutcome> {
  const reporter = stepReporter(options.out);
  const journal = { ...newJournal(plan, remote, holder, await isGatewayAlive(remote)), ...extra };
  const session: FixSession = {
    remote,
    plan,
    journal,
    download: options.download,
    onLine: reporter.line,
    qr: options.qr,
    ...(options.verifyTimeoutMs ? { verifyTimeoutMs: options.verifyTimeoutMs } : {}),
  };
  await saveJournal(remote, journal);
  const result = await applySteps(execSteps(session), {
    reporter,
    ...(options.signal ? { signal: options.signal } : {}),
    // A link not verified is undone; a repair or restore not verified is reported (its steps stand).
    rollbackOn: (failed) => failed !== 'verify' || plan.kind === 'link' || plan.kind === 'relink',
    beforeStep: async (id) => {
      journal.running = id;
      await saveJournal(remote, journal);
    },
    afterStep: async (_id, done) => {
      journal.done = [...done];
      delete journal.running;
      await saveJournal(remote, journal);
    },
  });
  await settle(remote, journal, result);
  return { result, session };
}

/** Verified or cleanly rolled back: nothing left to resume. Otherwise the journal says what happened. */
async function settle(remote: RemoteHost, journal: Journal, result: ApplyResult): Promise<void> {
  const clean = result.status === 'done' || (!result.rollbackFailed && (result.rolledBack.length > 0 || result.done.length === 0 || result.failed?.id === 'verify'));
  try {
    if (clean) await clearJournal(remote);
    else await saveJournal(remote, { ...journal, state: result.rollbackFailed ? 'rollback-failed' : 'failed' });
  } catch (error) {
    // The laptop's copy is already written; the host's marker is best effort once the link is gone.
    if (!isSshError(error, 'connection-lost')) throw error;
  }
}

/** Rolls back what an interrupted run recorded (the caller holds the lock), then clears its journal. */
export async function rollbackJournal(remote: RemoteHost, plan: Plan, journal: Journal, options: ExecuteOptions): Promise<boolean> {
  const reporter = stepReporter(options.out);
  const session: FixSession = { remote, plan, journal, download: false, onLine: reporter.line, qr: options.qr };
  const ids = journal.running ? [...journal.done, journal.running] : journal.done;
  const done = execSteps(session, ids.map((id) => ({ id, title: id, destructive: false, commands: [] })));
  const outcomes = await rollback(done, reporter);
  const ok = !outcomes.some((o) => o.outcome === 'failed');
  if (ok) await clearJournal(remote);
  return ok;
}
