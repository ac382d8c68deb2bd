/**
 * `clawfix fix <host>`: diagnose (one connection), show the plan, confirm once, execute with live
 * output and rollback, verify, recap. Exit codes: 0 fixed or nothing to do, 2 usage, 3 unreachable,
 * 4 a step failed / not verified / the user's step, 5 host key changed, 130 interrupted.
 */
import { LIMITS } from '../cli-args.js';
import type { CommandContext } from '../context.js';
import { diagnoseHost, type HostDiagnosis } from '../diagnose/host.js';
import { ExitCode, UsageError } from '../errors.js';
import { fleetExitCode } from '../fleet/exit-code.js';
import { openConnection } from '../fleet/connect.js';
import { loadInventory } from '../inventory/index.js';
import { ACCOUNT_PATTERN } from '../inventory/schema.js';
import type { ResolvedHost } from '../inventory/types.js';
import { printable, printableLines } from '../ui/printable.js';
import type { Transport } from '../transport/types.js';
import { confirm, interactive } from '../ui/ask.js';
import { bold, dim, yellow } from '../ui/style.js';
import { diagnoseOtherHosts, otherHostNotes, surveyOtherInstances, type Survey } from '../fix/conflict.js';
import { resolveBackupDir } from '../fix/backup.js';
import { planFix, type Plan } from '../fix/plan.js';
import { RemoteHost } from '../fix/remote.js';
import { messageOf, renderPlan, renderRecap } from '../fix/report.js';
import { askResume, describeJournal, findInterruptedRun, resolveInterruptedRun } from '../fix/resume.js';
import { acquireLock, newHolder, releaseLock } from '../fix/lock.js';
import { executePlan, type ExecuteOptions } from '../fix/run.js';
import { fixTarget } from '../fix/target.js';

export interface FixOptions {
  account?: string;
  dryRun: boolean;
  yes: boolean;
  relink: boolean;
  /** false with --no-download. */
  download: boolean;
  breakLock: boolean;
  qrPng?: string;
  qrBrowser: boolean;
  showNumbers?: boolean;
}

export async function fix(target: string, options: FixOptions, ctx: CommandContext): Promise<number> {
  if (options.account !== undefined && !ACCOUNT_PATTERN.test(options.account)) {
    throw new UsageError(`not an account id: ${JSON.stringify(options.account)}`, 'account ids are letters, digits, "_" and "-" (clawfix diagnose lists them)');
  }
  const inventory = await loadInventory(ctx.options, [target]);
  const host = inventory.selected[0];
  if (!host || inventory.selected.length !== 1) {
    throw new UsageError(`fix works on one host at a time; "${target}" selects ${inventory.selected.map((h) => h.name).join(', ') || 'none'}`);
  }
  const tty = interactive();
  if (!options.dryRun && !options.yes && !tty) {
    throw new UsageError('fix asks for confirmation, and there is no terminal to ask on', 'run it from a terminal, add --yes to answer yes, or use --dry-run to only see the plan');
  }
  const out = ctx.stdout;
  if (!ctx.options.quiet) out.write(dim(`${host.name}: connecting and diagnosing…\n`));
  const { diagnosis, transport } = await diagnoseHost(host, ctx, { keepOpen: true });
  if (!transport) {
    ctx.stderr.write(`clawfix: ${host.name}: ${printable(diagnosis.error ?? diagnosis.status)}\n${diagnosis.hint ? `  hint: ${printable(diagnosis.hint)}\n` : ''}`);
    return fleetExitCode([diagnosis.condition]);
  }
  const opened: RemoteHost[] = [];
  try {
    const others = inventory.all.filter((h) => h.name !== host.name);
    return await fixHost(host, diagnosis, transport, options, ctx, tty, opened, others);
  } finally {
    // A rollback may have reconnected: close whatever connection each remote ended up with.
    for (const remote of opened) await remote.connection.close();
    await transport.close();
  }
}

async function fixHost(host: ResolvedHost, first: HostDiagnosis, transport: Transport, options: FixOptions, ctx: CommandContext, tty: boolean, opened: RemoteHost[], others: ResolvedHost[]): Promise<number> {
  const out = ctx.stdout;
  let diagnosis = first;
  const remoteFor = (d: HostDiagnosis, account: string) => {
    const t = fixTarget(host, d, account);
    if (!t) return null;
    const remote = new RemoteHost(transport, t, {
      reconnect: async () => (await openConnection(host, ctx)).transport,
      ...(ctx.options.verbose ? { onCommand: (text: string) => ctx.stderr.write(dim(`$ ${text}\n`)) } : {}),
      ...(options.showNumbers ? { showNumbers: true } : {}),
    });
    opened.push(remote);
    return remote;
  };
  let plan = await makePlan(host, diagnosis, options, remoteFor, others, ctx);
  let remote = remoteFor(diagnosis, plan.account);
  const exec: ExecuteOptions = {
    out,
    signal: ctx.signal,
    breakLock: options.breakLock,
    download: options.download,
    qr: { out, ...(options.qrPng ? { pngPath: options.qrPng } : {}), browser: options.qrBrowser },
    ...verifyTimeout(),
  };

  const interrupted = remote ? await findInterruptedRun(remote) : null;
  const active = (p: Plan) => p.steps.some((st) => !st.skip);
  if (options.dryRun || !remote || (!interrupted && !active(plan))) {
    if (interrupted) out.write(`${printableLines(describeJournal(interrupted))}${dim('  (--dry-run: left as it is)')}\n`);
    out.write(renderPlan(plan));
    if (options.dryRun) out.write(dim('--dry-run: nothing was changed on the host.\n'));
    return options.dryRun || plan.kind === 'nothing' ? ExitCode.OK : ExitCode.NEEDS_ATTENTION;
  }

  // One lock for everything from here on: a journal found now belongs to a run that is gone.
  const holder = newHolder();
  await acquireLock(remote, holder, options.breakLock, (line) => out.write(dim(`${printable(line)}\n`)));
  try {
    if (interrupted) {
      // The journal comes from the host: its description is host text, printed plain.
      out.write(printableLines(describeJournal(interrupted)));
      const choice = await askResume(options.yes, tty);
      if (options.yes) out.write(dim('  --yes: rolling it back first\n'));
      await resolveInterruptedRun(remote, plan, interrupted, choice, exec);
      out.write(dim(`${host.name}: diagnosing again…\n`));
      diagnosis = (await rediagnose(host, transport)) ?? diagnosis;
      plan = await makePlan(host, diagnosis, options, remoteFor, others, ctx);
      remote = remoteFor(diagnosis, plan.account) ?? remote;
    }
    out.write(renderPlan(plan));
    if (!active(plan)) return plan.kind === 'nothing' ? ExitCode.OK : ExitCode.NEEDS_ATTENTION;
    if (plan.forcedRelink) {
      out.write(`${yellow('--relink is usually wrong here.')} ${printable(plan.notes[0] ?? '')}\n`);
      if (!options.yes && !(await confirm('Relink anyway?', false))) return declined(out);
    }
    const destructive = plan.steps.some((st) => st.destructive && !st.skip);
    if (!options.yes && !(await confirm(`Apply this plan on ${host.name}${destructive ? ' (it moves credentials into quarantine)' : ''}?`, !destructive))) return declined(out);

    const started = performance.now();
    const { result, session } = await executePlan(remote, plan, holder, exec);
    out.write(renderRecap({ plan, result, journal: session.journal, ...(session.login ? { login: session.login } : {}), ...(session.offline ? { offline: session.offline } : {}), durationMs: performance.now() - started }));
    if (result.status === 'done') return session.offline ? ExitCode.NEEDS_ATTENTION : ExitCode.OK;
    if (result.status === 'interrupted') return ExitCode.INTERRUPTED;
    const lost = result.failed && /connection lost/i.test(messageOf(result.failed.error));
    return lost && result.rollbackFailed ? ExitCode.UNREACHABLE : ExitCode.NEEDS_ATTENTION;
  } finally {
    await releaseLock(remote, holder).catch(() => undefined);
  }
}

async function makePlan(
  host: ResolvedHost,
  diagnosis: HostDiagnosis,
  options: FixOptions,
  remoteFor: (d: HostDiagnosis, account: string) => RemoteHost | null,
  others: ResolvedHost[],
  ctx: CommandContext,
): Promise<Plan> {
  const base = { host, download: options.download, relink: options.relink, ...(options.account ? { account: options.account } : {}) };
  const plan = planFix(diagnosis, base);
  if (plan.steps.some((st) => st.id === 'backup' && !st.skip)) {
    // the plan shows the backup dir the host resolves (its user's XDG state dir), not a guess
    const remote = remoteFor(diagnosis, plan.account);
    const backupDir = remote ? await resolveBackupDir(remote) : null;
    return backupDir ? planFix(diagnosis, { ...base, backupDir }) : plan;
  }
  if (plan.verdict !== 'conflict' || options.relink) return plan;
  const remote = remoteFor(diagnosis, plan.account);
  // Who else is linked to this number: this host's other instances, and the other hosts of the hosts file (by hash).
  const hash = diagnosis.evidence?.credentials[plan.account]?.selfHash ?? null;
  if (hash && others.length > 0 && !ctx.options.quiet) ctx.stdout.write(dim(`${host.name}: conflict: looking for the same number on the ${others.length} other host${others.length === 1 ? '' : 's'} of the hosts file…\n`));
  const [survey, elsewhere] = await Promise.all([
    remote
      ? surveyOtherInstances(remote).catch((error: unknown): Survey => ({ found: [`(could not look for other instances: ${printable(messageOf(error))})`], number: null }))
      : Promise.resolve<Survey>({ found: [], number: null }),
    hash && others.length > 0 ? diagnoseOtherHosts(others, ctx) : Promise.resolve([]),
  ]);
  const unknown = !hash && others.length > 0 ? ["(this account's number is not known here, so the other hosts of the hosts file were not compared)"] : [];
  return planFix(diagnosis, { ...base, otherInstances: [...survey.found, ...(hash ? otherHostNotes(elsewhere, hash, survey.number) : unknown)] });
}

async function rediagnose(host: ResolvedHost, transport: Transport): Promise<HostDiagnosis | null> {
  const { runProbe } = await import('../probe/run.js');
  const { judgeProbe } = await import('../fix/rediagnose.js');
  const probe = await runProbe(transport, host);
  return judgeProbe(host, probe);
}

function declined(out: NodeJS.WritableStream): number {
  out.write(`${bold('Nothing was changed.')}\n`);
  return ExitCode.NEEDS_ATTENTION;
}

/** CLAWFIX_VERIFY_TIMEOUT_S bounds the final wait (tests and slow hosts, at most a day); 90 s otherwise. */
function verifyTimeout(): { verifyTimeoutMs?: number } {
  const seconds = Number(process.env.CLAWFIX_VERIFY_TIMEOUT_S);
  return Number.isFinite(seconds) && seconds > 0 ? { verifyTimeoutMs: Math.min(seconds, LIMITS.connectTimeoutSeconds) * 1000 } : {};
}
