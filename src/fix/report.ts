/**
 * How a fix reads in the terminal: the plan, live step output, the rollback and the recap. A plan and
 * a journal hold what the host said (state dir, user, account, paths, errors): each such field goes
 * through the output edge (src/ui/printable.ts) before our colours go around it.
 */
import { printable } from '../ui/printable.js';
import { bold, cyan, dim, green, red, yellow } from '../ui/style.js';
import type { ApplyReporter, ApplyResult } from './apply.js';
import type { Journal } from './journal.js';
import type { Plan } from './plan.js';
import type { LoginResult } from './relink.js';

const p = (text: string) => printable(text);

export function renderPlan(shown: Plan): string {
  const plan = { ...shown, host: p(shown.host), account: p(shown.account), summary: p(shown.summary), verdict: p(shown.verdict) };
  const lines = [`${bold(plan.host)}  account ${plan.account}: ${verdictText(plan.verdict)}${plan.summary ? ` — ${plan.summary}` : ''}`];
  const active = plan.steps.filter((s) => !s.skip);
  if (plan.steps.length > 0) {
    lines.push(`Plan (${active.length} step${active.length === 1 ? '' : 's'}; gateway managed by ${plan.manager}):`);
    let n = 0;
    for (const step of plan.steps) {
      if (step.skip) {
        lines.push(dim(`   -  ${p(step.title)} — skipped: ${p(step.skip)}`));
        continue;
      }
      n += 1;
      const mark = step.destructive ? red(' [destructive: moved, never deleted]') : '';
      lines.push(`  ${String(n).padStart(2)}. ${p(step.title)}${mark}`);
      for (const command of step.commands) lines.push(dim(`        $ ${p(command)}`));
    }
    lines.push(dim('  The host is locked (<stateDir>/.clawfix/lock) while this runs; a failure or Ctrl-C rolls back what was done.'));
  }
  for (const note of plan.notes.map(p)) lines.push(plan.steps.length === 0 ? `  ${note}` : dim(`  note: ${note}`));
  return `${lines.join('\n')}\n`;
}

function verdictText(verdict: string): string {
  return verdict === 'healthy' || verdict === 'transient-reconnect' ? green(verdict) : yellow(verdict);
}

/** Live output: a line per step start/end, the host's output indented under it. */
export function stepReporter(out: NodeJS.WritableStream): ApplyReporter & { line(text: string): void } {
  let total = 0;
  return {
    line: (text) => out.write(dim(`      │ ${p(text)}\n`)),
    stepStart(step, index, count) {
      total = count;
      out.write(`${cyan(`[${index + 1}/${total}]`)} ${p(step.title)}\n`);
    },
    stepSkipped: (step, reason) => out.write(dim(`  ↷ ${p(step.title)} — skipped: ${p(reason)}\n`)),
    stepDone: (step, ms, note) => out.write(`  ${green('✓')} ${step.id} ${dim(`(${(ms / 1000).toFixed(1)}s)`)}${note ? ` ${p(note)}` : ''}\n`),
    stepFailed: (step, ms, error) => out.write(`  ${red('✗')} ${step.id} ${dim(`(${(ms / 1000).toFixed(1)}s)`)} ${p(messageOf(error))}\n`),
    rollbackStart: (ids) => out.write(`${yellow('Rolling back')}: ${ids.join(', ')}\n`),
    undoDone: (step, note) => out.write(`  ↺ ${step.id}: ${p(note ?? 'nothing to undo (checked)')}\n`),
    undoFailed: (step, error) => out.write(`  ${red('✗')} undo ${step.id}: ${p(messageOf(error))}\n`),
  };
}

export function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

export interface RecapInput {
  plan: Plan;
  result: ApplyResult;
  journal: Journal;
  login?: LoginResult;
  /** The link was verified but the host cannot reach WhatsApp (FixSession.offline). */
  offline?: string;
  durationMs: number;
}

export function renderRecap({ plan: shown, result, journal, login, offline: said, durationMs }: RecapInput): string {
  const plan = { ...shown, host: p(shown.host), account: p(shown.account), verdict: p(shown.verdict) };
  const offline = said === undefined ? undefined : p(said);
  const lines = [bold(`Recap for ${plan.host} (account ${plan.account}, ${(durationMs / 1000).toFixed(1)}s):`)];
  if (result.status === 'done' && offline) {
    lines.push(
      `  ${yellow('linked, not connected')}: ${plan.verdict} → account linked and running (verified); the host cannot reach WhatsApp (${offline})`,
      `  ${plan.kind === 'relink' || plan.kind === 'link' ? 'the new credentials are kept; ' : ''}fix the host's network (DNS, routes, proxy): the gateway reconnects by itself, then \`clawfix diagnose ${plan.host}\` says healthy`,
    );
  } else if (result.status === 'done') lines.push(`  ${green(plan.kind === 'restore' ? 'restored' : 'fixed')}: ${plan.kind === 'restore' ? '' : `${plan.verdict} → `}account running and connected (verified)`);
  else if (result.status === 'interrupted') lines.push(`  ${yellow('interrupted')} before the fix was verified`);
  else lines.push(`  ${red('not fixed')}: ${result.failed ? `${result.failed.id} failed: ${p(messageOf(result.failed.error))}` : 'failed'}`);
  const undone = (outcome: 'undone' | 'failed') => result.rolledBack.filter((r) => r.outcome === outcome).map((r) => `${r.id} (${p(r.note ?? '')})`).join('; ');
  if (result.rolledBack.length > 0) {
    if (!result.rollbackFailed) lines.push('  rolled back: the host is as it was before (checked step by step)');
    else lines.push(`  ${red('rollback incomplete')}: ${undone('failed')}`, ...(undone('undone') ? [`  rolled back: ${undone('undone')}`] : []));
  } else if (result.status !== 'done' && result.failed?.id === 'verify' && plan.kind === 'restore') {
    // a restore replaced the state dir's content: it is not "not destructive", and it was not verified
    const aside = journal.restore ? `; what it replaced is kept in ${journal.restore.aside}` : '';
    const back = journal.backup ? `; to go back: clawfix restore ${plan.host} ${journal.backup.remotePath}` : '';
    lines.push(`  ${yellow('the restore stands, unverified')}: it was not rolled back${aside}${back}; see \`clawfix diagnose ${plan.host}\``);
  } else if (result.status !== 'done' && result.failed?.id === 'verify') {
    lines.push('  nothing was rolled back (the steps were not destructive); see `clawfix diagnose` for what is left');
  }
  if (result.failed?.id === 'start-gateway' || result.failed?.id === 'restart-gateway') {
    lines.push(`  ${yellow('the gateway refuses to start')} on ${plan.host}: its own error is above; that is to fix first (port, config, openclaw doctor)`);
  }
  const b = journal.backup;
  if (b) lines.push(`  backup: ${p(b.remotePath)} on the host${b.localPath ? `; ${p(b.localPath)} here (sha256 ${p(b.sha256.slice(0, 16))}…, matches)` : ' (not downloaded: --no-download)'}`);
  if (journal.restore && result.status === 'done') lines.push(`  replaced by the restore (kept): ${p(journal.restore.aside)}`);
  const q = journal.quarantine;
  if (q && result.status === 'done') lines.push(`  quarantine: the old credentials are in ${p(q.moved)} (remove it yourself once you are satisfied)`);
  if (login) {
    const delays = login.drawDelaysMs.length > 0 ? `, drawn ${Math.max(...login.drawDelaysMs)} ms after arriving at most` : '';
    lines.push(dim(`  link: ${login.qrCodes} QR code${login.qrCodes === 1 ? '' : 's'}${login.firstQrMs !== null ? `, first after ${(login.firstQrMs / 1000).toFixed(1)}s` : ''}${delays}`));
  }
  if (result.rollbackFailed) lines.push(`  ${yellow('the journal is kept')}: run clawfix fix ${plan.host} again to finish or roll back`);
  return `${lines.join('\n')}\n`;
}
