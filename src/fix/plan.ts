/**
 * Diagnosis → the plan of a fix (pure: no I/O, no clock). The plan is plain data: it is printed for
 * --dry-run and confirmation, written to the journal, and the executor maps each step id to its
 * run/undo. Only what the verdict calls for is planned; everything else is explained.
 */
import { quote, sh } from '../shell.js';
import type { HostDiagnosis } from '../diagnose/host.js';
import { ACCOUNT_PATTERN } from '../inventory/schema.js';
import type { ResolvedHost } from '../inventory/types.js';
import type { GatewayManager } from '../triage/evidence.js';
import type { AccountVerdict } from '../triage/triage.js';
import type { VerdictId } from '../triage/verdicts.js';
import { versionInRange } from '../triage/version.js';
import { backupDirDisplay } from './backup-dir.js';
import { DEFAULT_UNIT, fixTarget, pickAccount, type FixTarget } from './target.js';

export type StepId =
  | 'backup' | 'stop-gateway' | 'quarantine' | 'start-gateway' | 'restart-gateway'
  | 'enable-linger' | 'repair-plugin' | 'login' | 'verify' | 'restore';

export interface Step {
  id: StepId;
  title: string;
  /** Changes that lose something if not undone (only the credentials move). */
  destructive: boolean;
  /** What runs on the host, as shown in the plan. */
  commands: string[];
  /** Why the step will not run (it is shown, not executed). */
  skip?: string;
}

/** nothing: fine as it is; explain: the user's step; repair: restart/start/linger/plugin; link, relink: QR; restore: a backup. */
export type PlanKind = 'nothing' | 'explain' | 'repair' | 'link' | 'relink' | 'restore';

export interface Plan {
  host: string;
  account: string;
  verdict: VerdictId | string;
  summary: string;
  kind: PlanKind;
  steps: Step[];
  notes: string[];
  /** --relink against the verdict: the user is told why that is usually wrong, and asked again. */
  forcedRelink: boolean;
  manager: GatewayManager;
  backupTool: 'openclaw' | 'tar';
}

export interface PlanOptions {
  host: ResolvedHost;
  account?: string;
  /** --relink. */
  relink?: boolean;
  /** false with --no-download. */
  download?: boolean;
  /** For `conflict`: other instances found (processes, containers, other hosts with the same number). */
  otherInstances?: string[];
  /** The backup dir as resolved on the host (backup-dir.ts); without it the plan shows the default. */
  backupDir?: string;
}

/** `openclaw backup create` arrived in 2026.3.8; older versions get a checked tar. */
export const BACKUP_SINCE = '2026.3.8';

const NOTHING: ReadonlySet<string> = new Set(['healthy', 'transient-reconnect', 'whatsapp-not-configured']);
const RELINK: ReadonlySet<string> = new Set(['logged-out', 'creds-corrupt']);
const LINK: ReadonlySet<string> = new Set(['not-linked', 'qr-timeout']);

export function planFix(diagnosis: HostDiagnosis, options: PlanOptions): Plan {
  const verdict = pickAccount(diagnosis, options.host, options.account);
  const account = verdict?.account ?? options.account ?? options.host.openclaw.account;
  const target = fixTarget(options.host, diagnosis, account);
  const base: Plan = {
    host: diagnosis.name,
    account,
    verdict: verdict?.verdict ?? diagnosis.verdict,
    summary: verdict?.summary ?? diagnosis.error ?? '',
    kind: 'explain',
    steps: [],
    notes: [],
    forcedRelink: false,
    manager: target?.gateway.manager ?? 'none',
    backupTool: versionInRange(diagnosis.openclaw?.version, { min: BACKUP_SINCE }) ? 'openclaw' : 'tar',
  };
  if (!ACCOUNT_PATTERN.test(account)) {
    // an id from the host's config becomes a path (credentials/whatsapp/<id>): only plain ones are worked on
    return { ...base, notes: [`the account id ${JSON.stringify(account)} is not one clawfix works on (letters, digits, "_" and "-" only): nothing is planned`] };
  }
  if (!target || !verdict) {
    const why = !verdict && diagnosis.accounts.length > 0 ? `no WhatsApp account "${account}" on ${diagnosis.name}` : diagnosis.error ?? `nothing to fix: ${diagnosis.verdict}`;
    return { ...base, notes: [why, ...(diagnosis.hint ? [diagnosis.hint] : [])] };
  }
  if (options.relink) {
    const forced = !RELINK.has(verdict.verdict);
    const plan = { ...base, kind: 'relink' as const, steps: relinkSteps(target, base.backupTool, options), forcedRelink: forced };
    return forced ? { ...plan, notes: [whyRelinkIsWrong(verdict)] } : plan;
  }
  return { ...base, ...byVerdict(target, verdict, base.backupTool, options) };
}

function byVerdict(t: FixTarget, v: AccountVerdict, backupTool: Plan['backupTool'], options: PlanOptions): Pick<Plan, 'kind' | 'steps' | 'notes'> {
  const running = t.gateway.running;
  const restartOrStart = running ? step(t, 'restart-gateway') : step(t, 'start-gateway');
  if (NOTHING.has(v.verdict)) return { kind: 'nothing', steps: [], notes: [v.remedy.action] };
  if (RELINK.has(v.verdict)) return { kind: 'relink', steps: relinkSteps(t, backupTool, options), notes: [v.remedy.action] };
  if (LINK.has(v.verdict)) {
    const start = running ? { ...step(t, 'start-gateway'), skip: 'the gateway is running' } : step(t, 'start-gateway');
    return { kind: 'link', steps: [start, step(t, 'login'), step(t, 'verify')], notes: ['Nothing to back up or purge: the account has no credentials.'] };
  }
  switch (v.verdict) {
    case 'monitor-stopped':
    case 'restart-required':
      return { kind: 'repair', steps: [restartOrStart, step(t, 'verify')], notes: [v.remedy.action] };
    case 'gateway-not-running':
      return { kind: 'repair', steps: [step(t, 'start-gateway'), step(t, 'verify')], notes: [v.remedy.action] };
    case 'gateway-dies-on-logout':
      return { kind: 'repair', steps: [step(t, 'enable-linger'), running ? { ...step(t, 'start-gateway'), skip: 'the gateway is running' } : step(t, 'start-gateway'), step(t, 'verify')], notes: [v.remedy.action] };
    case 'plugin-missing':
      return { kind: 'repair', steps: [step(t, 'repair-plugin'), restartOrStart, step(t, 'verify')], notes: [v.remedy.action] };
    case 'conflict':
      return { kind: 'explain', steps: [], notes: conflictNotes(v, options.otherInstances ?? []) };
    default:
      return { kind: 'explain', steps: [], notes: [v.remedy.action, ...v.remedy.commands.map((c) => `  $ ${c}`)] };
  }
}

function relinkSteps(t: FixTarget, backupTool: Plan['backupTool'], options: Pick<PlanOptions, 'download' | 'backupDir'>): Step[] {
  const stop = t.gateway.running ? step(t, 'stop-gateway') : { ...step(t, 'stop-gateway'), skip: 'the gateway is not running' };
  const backup = step(t, 'backup');
  // outside the state dir: the real `backup create` refuses an output inside what it archives
  const dir = options.backupDir ?? backupDirDisplay(t);
  const unresolved = options.backupDir ? '' : '  ($XDG_STATE_HOME/clawfix/backups/… where that is set)';
  const backupCommands =
    backupTool === 'openclaw'
      ? [`openclaw backup create --verify --json --output ${dir}/${unresolved}`]
      : [`tar czf ${dir}/<time>-clawfix-backup.tar.gz --exclude=.clawfix ${t.stateDir}${unresolved}`, 'tar tzf <archive> >/dev/null'];
  const fetch = options.download !== false ? `download (SFTP, else cat over SSH) to ~/.local/state/clawfix/backups/${t.host.name}/ (0600), sha256 compared` : 'kept on the host only (--no-download)';
  return [
    { ...backup, commands: [`du -sk ${t.stateDir}; df -Pk <backup dir>  (enough free space first)`, ...backupCommands, `sha256sum <archive>; ${fetch}`] },
    stop,
    step(t, 'quarantine'),
    step(t, 'start-gateway'),
    step(t, 'login'),
    step(t, 'verify'),
  ];
}

/** `clawfix restore`: a safety backup, stop, restore (replaced entries kept aside), start, verify. */
export function planRestore(diagnosis: HostDiagnosis, options: PlanOptions & { archive: string }): Plan {
  const plan = planFix(diagnosis, options);
  const t = fixTarget(options.host, diagnosis, plan.account);
  if (!t) return plan;
  const steps = relinkSteps(t, plan.backupTool, options).filter((s) => s.id === 'backup' || s.id === 'stop-gateway');
  const restore: Step = {
    id: 'restore',
    title: `Restore ${options.archive} (what it replaces is moved into .clawfix/replaced-<time>/, never deleted)`,
    destructive: true,
    commands: [`tar xzf ${options.archive} -C ${t.stateDir}/.clawfix/restore-<time>/`, `mv <each entry of the backup> ${t.stateDir}/  (the current one to .clawfix/replaced-<time>/ first)`],
  };
  return { ...plan, kind: 'restore', forcedRelink: false, notes: [], steps: [...steps, restore, step(t, 'start-gateway'), step(t, 'verify')] };
}

function step(t: FixTarget, id: Exclude<StepId, 'restore'>): Step {
  const as = `as ${t.serviceUser}${t.host.openclaw.container ? ` in container ${t.host.openclaw.container}` : ''}`;
  switch (id) {
    case 'backup':
      return { id, title: 'Back up the state dir (no backup, no purge)', destructive: false, commands: [] };
    case 'stop-gateway':
      return { id, title: `Stop the gateway (${t.gateway.manager}) and check it stopped`, destructive: false, commands: [gatewayDisplay(t, 'stop')] };
    case 'quarantine':
      return {
        id,
        title: `Move this account's WhatsApp credentials into quarantine (never deleted)`,
        destructive: true,
        commands: [
          `mv ${quote(`${t.stateDir}/credentials/whatsapp/${t.account}/`)} ${quote(`${t.stateDir}/.clawfix/quarantine/`)}<time>/${quote(`${t.account}/`)}` +
            (t.host.openclaw.container ? `  (the container is stopped: in a copy of it with its volumes, no network)` : ''),
        ],
      };
    case 'start-gateway':
      return { id, title: `Start the gateway (${t.gateway.manager}) and wait for port ${t.gateway.port}`, destructive: false, commands: [gatewayDisplay(t, 'start')] };
    case 'restart-gateway':
      return { id, title: `Restart the gateway (${t.gateway.manager})`, destructive: false, commands: [gatewayDisplay(t, 'restart')] };
    case 'enable-linger':
      return { id, title: `Let ${t.serviceUser}'s services outlive SSH sessions (linger)`, destructive: false, commands: [sh`loginctl enable-linger -- ${t.serviceUser}`.text] };
    case 'repair-plugin':
      return { id, title: 'Reinstall/enable the WhatsApp plugin', destructive: false, commands: [`openclaw doctor --fix --non-interactive  (${as}; else openclaw plugins install @openclaw/whatsapp)`] };
    case 'login':
      return { id, title: 'Link WhatsApp: the QR is drawn here; scan it with the phone', destructive: false, commands: [`${sh`openclaw channels login --channel whatsapp --account ${t.account}`}  (${as}, on a pty)`] };
    case 'verify':
      return { id, title: `Verify: account ${t.account} running and connected`, destructive: false, commands: ['openclaw channels status --json --timeout 5000  (polled, bounded)'] };
  }
}

/** The command shown for a gateway action; the executor runs the same thing (commands.ts). */
export function gatewayDisplay(t: FixTarget, verb: 'start' | 'stop' | 'restart'): string {
  const name = t.gateway.serviceName;
  switch (t.gateway.manager) {
    case 'systemd-user':
      return `${sh`systemctl --user ${verb} ${name ?? DEFAULT_UNIT}`}  (as ${t.serviceUser}; openclaw gateway ${verb} where systemd is not running)`;
    case 'systemd-system':
      return `${sh`sudo systemctl ${verb} -- ${name ?? DEFAULT_UNIT}`}  (once the login user sees that unit file)`;
    case 'container':
      return `${sh`docker ${verb} -- ${name ?? 'openclaw'}`}  (podman where docker is absent${t.gateway.serviceNameFrom === 'hosts-file' ? '' : '; only if it runs an OpenClaw image'})`;
    case 'pm2':
      return `${sh`pm2 ${verb} ${name ?? 'openclaw'}`}  (as ${t.serviceUser})`;
    default: {
      const stop = `kill -TERM <pid in ${t.stateDir}/tmp/openclaw-*/gateway.*.lock>, wait until it is gone`;
      const start = `nohup openclaw gateway run >/dev/null 2>$(mktemp) &  (as ${t.serviceUser}; its stderr is shown if it does not start)`;
      return verb === 'stop' ? stop : verb === 'start' ? start : `${stop}; ${start}`;
    }
  }
}

function conflictNotes(v: AccountVerdict, others: string[]): string[] {
  const found = others.length > 0 ? ['Other instances found:', ...others.map((o) => `  - ${o}`)] : ['No other instance found from here: check other servers, old containers and the phone (Settings → Linked Devices).'];
  return [...found, 'Stop the other instance, then restart this gateway. Relink only if the conflict persists after that.', ...v.remedy.commands.map((c) => `  $ ${c}`)];
}

/** Why --relink against the verdict usually makes things worse (the user is asked again). */
export function whyRelinkIsWrong(v: AccountVerdict): string {
  return (
    `The verdict is ${v.verdict}, not logged-out: the credentials are most likely still valid, so a relink would ` +
    `unlink this device, need the phone, and not touch the cause. What the verdict calls for: ${v.remedy.action} ` +
    'Repeated links also trigger WhatsApp\'s "Can\'t link new devices right now" cooldown.'
  );
}
