/**
 * For a `conflict` verdict: who else uses these credentials? Looked for from this host: other
 * gateway processes, OpenClaw containers, other state dirs holding the same WhatsApp number; and on
 * the other hosts of the hosts file, diagnosed read-only in parallel: accounts whose number has the
 * same hash (the probe reports a SHA-256 of the number, never the number). The result is listed in
 * the plan and nothing is stopped by clawfix.
 */
import type { CommandContext } from '../context.js';
import { diagnoseHost, type HostDiagnosis } from '../diagnose/host.js';
import { runFleet } from '../fleet/run.js';
import type { ResolvedHost } from '../inventory/types.js';
import { GATEWAY_AWK } from '../gateway-process.js';
import { maskNumbers } from '../mask.js';
import { sh } from '../shell.js';
import { printable } from '../ui/printable.js';
import type { RemoteHost } from './remote.js';

export function surveyScript(stateDir: string, account: string, mainPid: number | null): string {
  return sh`own=$(sed -n 's/.*"id": *"\\([0-9]*\\)[:@].*/\\1/p' ${`${stateDir}/credentials/whatsapp/${account}/creds.json`} 2>/dev/null | head -n 1)
echo "number=$own"
ps -eo pid=,user=,args= 2>/dev/null | awk -v f=3 ${`${GATEWAY_AWK} gw() { print }`} | while read -r pid user args; do
  [ "$pid" = ${mainPid === null ? '-' : String(mainPid)} ] || echo "process=$pid $user $args"; done
for engine in docker podman; do command -v $engine >/dev/null 2>&1 || continue
  $engine ps --format '{{.Names}} {{.Image}} {{.Status}}' 2>/dev/null | grep -i -E 'openclaw|clawdbot|moltbot' | sed "s/^/container=$engine /"; done
for c in /root/.openclaw*/credentials/whatsapp/*/creds.json /home/*/.openclaw*/credentials/whatsapp/*/creds.json; do
  [ -r "$c" ] || continue; case "$c" in ${stateDir}/*) continue;; esac
  n=$(sed -n 's/.*"id": *"\\([0-9]*\\)[:@].*/\\1/p' "$c" | head -n 1); [ -n "$own" ] && [ "$n" = "$own" ] && echo "statedir=$c"; done; exit 0`.text;
}

export function parseSurvey(stdout: string): string[] {
  const found: string[] = [];
  for (const line of stdout.split('\n')) {
    const [key, ...rest] = line.split('=');
    const value = rest.join('=').trim().slice(0, 200);
    if (key === 'process') found.push(`another gateway process on this host: ${value}`);
    if (key === 'container') found.push(`an OpenClaw container on this host: ${value}`);
    if (key === 'statedir') found.push(`another state dir with the same number: ${value}`);
  }
  return found.map(maskNumbers);
}

/** This account's own number as the survey read it from creds.json (digits), or null. */
export function parseOwnNumber(stdout: string): string | null {
  return /^number=(\d{6,15})$/m.exec(stdout)?.[1] ?? null;
}

export interface Survey {
  found: string[];
  /** The number, shown masked unless --show-numbers. */
  number: string | null;
}

export async function surveyOtherInstances(remote: RemoteHost): Promise<Survey> {
  const t = remote.target;
  const result = await remote.run({ as: 'service', script: surveyScript(t.stateDir, t.account, t.gateway.pid), timeoutMs: 30_000 });
  const digits = parseOwnNumber(result.stdout);
  return { found: parseSurvey(remote.clean(result.stdout)), number: digits ? remote.clean(`+${digits}`) : null };
}

/** The accounts of a diagnosed host whose number has this hash (pure). */
export function accountsWithNumber(diagnosis: HostDiagnosis, hash: string): string[] {
  const credentials = diagnosis.evidence?.credentials ?? {};
  return Object.entries(credentials).filter(([, c]) => c.selfHash === hash).map(([account]) => account);
}

/** Plan lines for the other hosts (pure): those using the same number, and those that could not be looked at. */
export function otherHostNotes(diagnoses: readonly HostDiagnosis[], hash: string, number: string | null): string[] {
  const notes: string[] = [];
  for (const d of diagnoses) {
    const accounts = accountsWithNumber(d, hash);
    if (accounts.length > 0) {
      const verdicts = accounts.map((a) => `account ${a}: ${d.accounts.find((v) => v.account === a)?.verdict ?? 'unknown'}`);
      notes.push(`another host in the hosts file with the same number${number ? ` (${number})` : ''}: ${d.name} (${verdicts.join(', ')})`);
    } else if (d.status !== 'ok' || !d.evidence) {
      notes.push(`(could not check ${d.name} for the same number: ${printable(d.error ?? d.status)})`);
    }
  }
  return notes;
}

/** Diagnoses the other hosts in parallel (read-only: connect and probe, as diagnose does). */
export async function diagnoseOtherHosts(hosts: readonly ResolvedHost[], ctx: CommandContext): Promise<HostDiagnosis[]> {
  const outcomes = await runFleet(hosts, async (host) => (await diagnoseHost(host, ctx)).diagnosis, { concurrency: ctx.options.concurrency, signal: ctx.signal });
  return [...outcomes].map(([name, outcome]): HostDiagnosis => {
    if (outcome.status === 'ok') return outcome.value;
    const error = outcome.status === 'interrupted' ? 'interrupted' : ((outcome.error as Error)?.message ?? String(outcome.error));
    return { name, status: 'error', error, verdict: 'error', condition: 'needs-attention', accounts: [], timings: { connectMs: outcome.durationMs, probeMs: 0 } };
  });
}
