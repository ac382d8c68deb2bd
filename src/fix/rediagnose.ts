/**
 * A second look on the connection already open (after an interrupted run was rolled back or
 * closed): the probe again, judged like diagnose does for a host that answered.
 */
import type { HostDiagnosis } from '../diagnose/host.js';
import type { ResolvedHost } from '../inventory/types.js';
import type { ProbeResult } from '../probe/run.js';
import { needsAttention, triage } from '../triage/triage.js';

export function judgeProbe(host: ResolvedHost, probe: ProbeResult): HostDiagnosis | null {
  const e = probe.evidence;
  if (!probe.complete || !e.stateDir || e.sudoPasswordRequired) return null;
  const result = triage(e, { now: new Date(e.collectedAt) });
  return {
    name: host.name,
    status: 'ok',
    verdict: result.hostVerdict,
    condition: result.accounts.some((a) => needsAttention(a.verdict)) ? 'needs-attention' : 'ok',
    accounts: result.accounts,
    evidence: e,
    openclaw: {
      version: e.openclaw.version,
      stateDir: e.stateDir,
      user: e.user,
      gateway: { running: e.gateway.running, pid: e.gateway.pid, managedBy: e.gateway.managedBy },
    },
    timings: { connectMs: 0, probeMs: probe.exec.durationMs },
  };
}
