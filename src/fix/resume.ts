/**
 * A run cut short leaves a journal (laptop and host). The next `clawfix fix` on that host shows it
 * and offers: roll back (put back what it moved, gateway as before), finish (keep what was done;
 * a fresh diagnosis plans the rest, e.g. a link after the credentials were moved), or leave it.
 */
import { ClawfixError, ExitCode } from '../errors.js';
import { bold, yellow } from '../ui/style.js';
import { readLocalJournal, readRemoteJournal, clearJournal, type Journal } from './journal.js';
import type { Plan } from './plan.js';
import type { RemoteHost } from './remote.js';
import { rollbackJournal, type ExecuteOptions } from './run.js';

export type ResumeChoice = 'rollback' | 'finish' | 'leave';

/** The host's marker wins (refused when it is not this host's); the laptop's copy counts when the host has none for the same state dir. */
export async function findInterruptedRun(remote: RemoteHost): Promise<Journal | null> {
  const onHost = await readRemoteJournal(remote);
  if (onHost) return onHost;
  return readLocalJournal(remote.target);
}

export function describeJournal(j: Journal): string {
  const lines = [
    `${yellow('An earlier clawfix fix on this host did not finish')} (${j.state}):`,
    `  started ${j.startedAt} by ${j.by}; ${j.kind} for ${j.verdict} on account ${j.account}`,
    `  done: ${j.done.length > 0 ? j.done.join(', ') : 'nothing'}; planned: ${j.steps.join(', ')}`,
  ];
  if (j.backup) lines.push(`  backup: ${j.backup.remotePath}${j.backup.localPath ? ` (here: ${j.backup.localPath})` : ''}`);
  if (j.running) lines.push(`  cut short during: ${j.running}`);
  if (j.quarantine && (j.done.includes('quarantine') || j.running === 'quarantine')) lines.push(`  credentials moved to ${j.quarantine.moved}`);
  return `${lines.join('\n')}\n`;
}

export async function askResume(yes: boolean, interactive: boolean): Promise<ResumeChoice> {
  if (yes || !interactive) return 'rollback';
  const { default: prompts } = await import('prompts');
  let cancelled = false;
  const answer = await prompts(
    {
      type: 'select',
      name: 'choice',
      message: 'What should happen to it?',
      choices: [
        { title: 'Roll it back (put back what it moved, gateway as it was), then diagnose again', value: 'rollback' },
        { title: 'Finish it (keep what was done, diagnose again and plan the rest)', value: 'finish' },
        { title: 'Leave it for now', value: 'leave' },
      ],
      initial: 0,
    },
    { onCancel: () => (cancelled = true) },
  );
  return cancelled ? 'leave' : (answer.choice as ResumeChoice);
}

/** Returns true when the fix may go on with a fresh diagnosis. */
export async function resolveInterruptedRun(remote: RemoteHost, plan: Plan, journal: Journal, choice: ResumeChoice, options: ExecuteOptions): Promise<boolean> {
  const out = options.out;
  if (choice === 'leave') {
    throw new ClawfixError('UNFINISHED_RUN', `left the unfinished run on ${remote.target.host.name} as it is`, {
      hint: `run clawfix fix ${remote.target.host.name} again to roll it back or finish it`,
      exitCode: ExitCode.NEEDS_ATTENTION,
    });
  }
  if (choice === 'finish') {
    out.write(`${bold('Finishing')}: the journal is closed; what was done stays (backup and quarantine included).\n`);
    await clearJournal(remote);
    return true;
  }
  out.write(`${bold('Rolling back the earlier run')}\n`);
  const ok = await rollbackJournal(remote, plan, journal, options);
  if (!ok) {
    throw new ClawfixError('ROLLBACK_FAILED', `the earlier run on ${remote.target.host.name} could not be rolled back completely`, {
      hint: journal.backup ? `the backup ${journal.backup.remotePath} holds the state from before it` : undefined,
      exitCode: ExitCode.NEEDS_ATTENTION,
    });
  }
  return true;
}
