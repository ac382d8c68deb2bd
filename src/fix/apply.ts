/**
 * The executor: steps as data `{id, title, skip?, run, undo?}` run in order with live reporting;
 * on a failure or Ctrl-C, the steps already done are undone in reverse. Each undo checks what is on
 * the host first and may find nothing to do; an undo that fails is reported and the others still run.
 */
import type { StepId } from './plan.js';

export interface ExecStep {
  id: StepId;
  title: string;
  skip?: string;
  /** Throws when the step failed; may return a short note for the report. */
  run(signal: AbortSignal | undefined): Promise<string | void>;
  /** Returns what it did, or undefined when the host was already as before. */
  undo?(): Promise<string | undefined>;
}

export interface ApplyReporter {
  stepStart(step: ExecStep, index: number, total: number): void;
  stepSkipped(step: ExecStep, reason: string): void;
  stepDone(step: ExecStep, ms: number, note?: string): void;
  stepFailed(step: ExecStep, ms: number, error: unknown): void;
  rollbackStart(steps: readonly StepId[]): void;
  undoDone(step: ExecStep, note: string | undefined): void;
  undoFailed(step: ExecStep, error: unknown): void;
}

export interface UndoOutcome {
  id: StepId;
  outcome: 'undone' | 'nothing' | 'failed';
  note: string;
}

export interface ApplyResult {
  status: 'done' | 'failed' | 'interrupted';
  done: StepId[];
  failed?: { id: StepId; error: unknown };
  rolledBack: UndoOutcome[];
  rollbackFailed: boolean;
}

export interface ApplyOptions {
  signal?: AbortSignal;
  reporter: ApplyReporter;
  /** Before each step runs (the journal records it: a run cut short may have half done it). */
  beforeStep?: (id: StepId) => Promise<void>;
  /** After each step that ran (the journal is written here). */
  afterStep?: (id: StepId, done: readonly StepId[]) => Promise<void>;
  /** Whether a failure of this step rolls the others back (default: always). */
  rollbackOn?: (failed: StepId) => boolean;
}

export async function applySteps(steps: readonly ExecStep[], options: ApplyOptions): Promise<ApplyResult> {
  const { reporter, signal } = options;
  const done: ExecStep[] = [];
  const ids = () => done.map((s) => s.id);
  for (const [index, step] of steps.entries()) {
    if (signal?.aborted) return finish('interrupted', undefined);
    if (step.skip) {
      reporter.stepSkipped(step, step.skip);
      continue;
    }
    reporter.stepStart(step, index, steps.length);
    const started = performance.now();
    try {
      await options.beforeStep?.(step.id);
      const note = await step.run(signal);
      await options.afterStep?.(step.id, [...ids(), step.id]);
      reporter.stepDone(step, performance.now() - started, note ?? undefined);
      done.push(step);
    } catch (error) {
      reporter.stepFailed(step, performance.now() - started, error);
      return finish(signal?.aborted ? 'interrupted' : 'failed', { id: step.id, error }, step);
    }
  }
  return { status: 'done', done: ids(), rolledBack: [], rollbackFailed: false };

  /** The failed step is undone too: it may have got half way, and every undo checks before acting. */
  async function finish(status: 'failed' | 'interrupted', failed: ApplyResult['failed'], partial?: ExecStep): Promise<ApplyResult> {
    const roll = status === 'interrupted' || !failed || (options.rollbackOn?.(failed.id) ?? true);
    const rolled = roll ? await rollback(partial ? [...done, partial] : done, reporter) : [];
    return { status, done: ids(), ...(failed ? { failed } : {}), rolledBack: rolled, rollbackFailed: rolled.some((r) => r.outcome === 'failed') };
  }
}

/** Undoes `done` in reverse; also used to roll back an interrupted run found in the journal. */
export async function rollback(done: readonly ExecStep[], reporter: ApplyReporter): Promise<UndoOutcome[]> {
  const undoable = [...done].reverse().filter((s) => s.undo);
  if (undoable.length === 0) return [];
  reporter.rollbackStart(undoable.map((s) => s.id));
  const outcomes: UndoOutcome[] = [];
  for (const step of undoable) {
    try {
      const note = await step.undo!();
      reporter.undoDone(step, note);
      outcomes.push({ id: step.id, outcome: note === undefined ? 'nothing' : 'undone', note: note ?? 'nothing to undo' });
    } catch (error) {
      reporter.undoFailed(step, error);
      outcomes.push({ id: step.id, outcome: 'failed', note: (error as Error)?.message ?? String(error) });
    }
  }
  return outcomes;
}
