/** Verdict ids are clawfix's contract (JSON output): keep them stable. See openclaw.md's table. */
export const VERDICT_IDS = [
  'healthy',
  'transient-reconnect',
  'network-dns',
  'monitor-stopped',
  'conflict',
  'logged-out',
  'restart-required',
  'qr-timeout',
  'link-cooldown',
  'protocol-upgrade',
  'listener-missing',
  'plugin-missing',
  'not-linked',
  'creds-corrupt',
  'gateway-not-running',
  'gateway-dies-on-logout',
  'wrong-user-or-state-dir',
  'whatsapp-not-configured',
  'unknown',
] as const;

export type VerdictId = (typeof VERDICT_IDS)[number];

/**
 * Worst first; a host's verdict is its worst account's. The order ranks "what to look at first":
 * problems that hide every other sign (wrong user/state dir, no plugin, no gateway) before session
 * problems, destructive-remedy cases (logged-out, creds-corrupt) before self-healing ones, and
 * `unknown` after every known problem but before the states that need nothing.
 */
export const SEVERITY_ORDER: readonly VerdictId[] = [
  'wrong-user-or-state-dir',
  'plugin-missing',
  'gateway-not-running',
  'gateway-dies-on-logout',
  'creds-corrupt',
  'logged-out',
  'conflict',
  'protocol-upgrade',
  'listener-missing',
  'monitor-stopped',
  'network-dns',
  'not-linked',
  'link-cooldown',
  'restart-required',
  'qr-timeout',
  'unknown',
  'transient-reconnect',
  'whatsapp-not-configured',
  'healthy',
];

/** Lower is worse. */
export function severityRank(verdict: VerdictId): number {
  return SEVERITY_ORDER.indexOf(verdict);
}

export function worstVerdict(verdicts: readonly VerdictId[]): VerdictId | null {
  let worst: VerdictId | null = null;
  for (const v of verdicts) if (worst === null || severityRank(v) < severityRank(worst)) worst = v;
  return worst;
}

const FINE: ReadonlySet<VerdictId> = new Set(['healthy', 'transient-reconnect', 'whatsapp-not-configured']);

/** Whether a verdict calls for action (and a non-zero exit code). */
export function needsAttention(verdict: VerdictId): boolean {
  return !FINE.has(verdict);
}
