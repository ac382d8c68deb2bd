/**
 * Reading log events in time order: classify each event by the rule table, then let the newest
 * DECISIVE event speak, refined by its cause (a "gave up after 12/12" whose retries failed on
 * ENOTFOUND is a DNS problem, whatever OpenClaw's own "Relink …" hint says).
 */
import { eventText, type LogEvent } from './log-parse.js';
import { RULES, type Rule } from './rules.js';
import type { VerdictId } from './verdicts.js';
import { versionInRange } from './version.js';

export interface Classified {
  event: LogEvent;
  /** Position after sorting; ties and untimed events keep the input order. */
  index: number;
  /** ms epoch; an untimed event borrows the time of the event before it. */
  t: number | null;
  rule: Rule;
  decisive: boolean;
  flow: boolean;
}

export interface Finding {
  verdict: VerdictId;
  /** ms epoch */
  since: number | null;
  /** The events that led there, oldest first. */
  support: Classified[];
  notes: string[];
}

/** Verdicts whose events, shortly before a successful reconnect, still mean "transient-reconnect". */
const RECENT_TROUBLE: ReadonlySet<VerdictId> = new Set(['transient-reconnect', 'network-dns', 'monitor-stopped']);
/** Verdicts that may hide a deeper cause further back in the same streak, and the causes, strongest first. */
const REFINABLE: ReadonlySet<VerdictId> = new Set(['monitor-stopped', 'transient-reconnect', 'qr-timeout']);
export const CAUSES: readonly VerdictId[] = ['logged-out', 'conflict', 'protocol-upgrade', 'network-dns'];

function sortByTime(events: readonly LogEvent[]): { event: LogEvent; t: number | null }[] {
  let carried: number | null = null;
  const keyed = events.map((event, i) => {
    const own = event.time ? event.time.getTime() : null;
    if (own !== null) carried = own;
    return { event, t: own ?? carried, i };
  });
  // untimed events before the first timed one stay where they are (key -Infinity keeps them first)
  keyed.sort((a, b) => (a.t ?? -Infinity) - (b.t ?? -Infinity) || a.i - b.i);
  return keyed.map(({ event, t }) => ({ event, t }));
}

export function classify(events: readonly LogEvent[], version: string | null): Classified[] {
  const out: Classified[] = [];
  for (const { event, t } of sortByTime(events)) {
    const text = eventText(event);
    match: for (const rule of RULES) {
      for (const sign of rule.logSigns) {
        if (sign.versions && !versionInRange(version, sign.versions, true)) continue;
        if (sign.exceptVersions && versionInRange(version, sign.exceptVersions, false)) continue;
        if (!sign.pattern.test(text)) continue;
        out.push({ event, index: out.length, t, rule, decisive: sign.decisive ?? rule.decisive, flow: sign.flow === true });
        break match;
      }
    }
  }
  return out;
}

export function forAccount(classified: readonly Classified[], account: string): Classified[] {
  // events that name no account (most WhatsApp monitor lines) apply to every account
  return classified.filter((c) => c.event.account === undefined || c.event.account === account);
}

function findLastIndex<T>(list: readonly T[], test: (item: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i] as T)) return i;
  return -1;
}

/** A time within the window of now; with no clock to compare against, it counts as recent. */
export function isRecent(t: number | null, now: number | null, windowMs: number): boolean {
  return t === null || now === null || now - t <= windowMs;
}

/** The deepest cause in the streak (after the last success), or null. */
export function causeIn(streak: readonly Classified[], verdict: VerdictId): VerdictId | null {
  if (!REFINABLE.has(verdict)) return null;
  for (const cause of CAUSES) if (streak.some((c) => c.decisive && c.rule.id === cause)) return cause;
  return null;
}

/** Everything after the last successful connect (or all events when there was none). */
export function currentStreak(classified: readonly Classified[]): Classified[] {
  const lastSuccess = findLastIndex(classified, (c) => c.decisive && c.rule.id === 'healthy');
  return classified.slice(lastSuccess + 1);
}

export function readTimeline(classified: readonly Classified[], now: number | null, transientWindowMs: number): Finding | null {
  const lastDecisive = classified[findLastIndex(classified, (c) => c.decisive)];
  if (!lastDecisive) return null;
  if (lastDecisive.rule.id === 'healthy') {
    const trouble = classified.filter(
      (c) => c.decisive && RECENT_TROUBLE.has(c.rule.id) && isRecent(c.t, now, transientWindowMs),
    );
    if (trouble.length > 0) {
      return { verdict: 'transient-reconnect', since: trouble[0]?.t ?? null, support: [...trouble, lastDecisive], notes: [] };
    }
    const lastConnect = classified[findLastIndex(classified, (c) => c.decisive && c.rule.id === 'healthy' && !c.flow)];
    return { verdict: 'healthy', since: (lastConnect ?? lastDecisive).t, support: [lastConnect ?? lastDecisive], notes: [] };
  }
  const streak = currentStreak(classified);
  const verdict = causeIn(streak, lastDecisive.rule.id) ?? lastDecisive.rule.id;
  const support = streak.filter((c) => c.rule.id === verdict || c.rule.id === lastDecisive.rule.id);
  const first = support.find((c) => c.rule.id === verdict) ?? lastDecisive;
  return { verdict, since: first.t, support, notes: [] };
}

/** Proof that messages flow: recent inbound/outbound traffic with nothing bad after it. */
export function logsShowFlow(classified: readonly Classified[], now: number | null, windowMs: number): boolean {
  const lastFlow = findLastIndex(classified, (c) => c.flow);
  const flow = classified[lastFlow];
  if (!flow || flow.t === null || !isRecent(flow.t, now, windowMs)) return false;
  return findLastIndex(classified, (c) => c.decisive && c.rule.id !== 'healthy') < lastFlow;
}
