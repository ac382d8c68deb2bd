import type { HostDiagnosis } from '../diagnose/host.js';
import { sh } from '../shell.js';
import { bold, clip, cyan, dim, green, red, table, yellow } from './style.js';

/** The documented `diagnose --json` document (see README, "JSON output"). */
export function toJson(diagnoses: HostDiagnosis[]) {
  return {
    hosts: diagnoses.map((d) => ({
      name: d.name,
      status: d.status,
      ...(d.error ? { error: d.error } : {}),
      ...(d.hint ? { hint: d.hint } : {}),
      verdict: d.verdict,
      openclaw: d.openclaw ?? null,
      accounts: d.accounts.map((a) => ({
        id: a.account,
        verdict: a.verdict,
        summary: a.summary,
        since: a.since,
        evidence: a.evidence,
        remedy: a.remedy,
      })),
      timings: { connectMs: Math.round(d.timings.connectMs), probeMs: Math.round(d.timings.probeMs) },
    })),
  };
}

export function renderDiagnoses(diagnoses: HostDiagnosis[], columns: number): string {
  const rows: string[][] = [['HOST', 'ACCOUNT', 'VERDICT', 'SINCE'].map((h) => bold(h))];
  const details = new Map<number, string[]>();
  for (const d of diagnoses) {
    if (d.accounts.length === 0) {
      rows.push([d.name, '-', colourVerdict(d.verdict, d.condition !== 'ok'), '']);
      const lines = [d.error, d.hint && `hint: ${d.hint}`].filter((x): x is string => Boolean(x));
      details.set(rows.length - 1, lines.map((l) => dim(l)));
      continue;
    }
    d.accounts.forEach((a, i) => {
      const attention = d.condition !== 'ok' && !['healthy', 'transient-reconnect', 'whatsapp-not-configured'].includes(a.verdict);
      rows.push([i === 0 ? d.name : '', a.account, colourVerdict(a.verdict, attention), a.since ? since(a.since) : '']);
      const lines = [dim(a.summary)];
      for (const e of a.evidence.slice(-2)) lines.push(dim(`${e.time ? `${e.time.slice(11, 19)} ` : ''}${e.text}`));
      if (attention) lines.push(`${cyan('→')} ${nextStep(d.name, a)}`);
      details.set(rows.length - 1, lines);
    });
  }
  const rendered = table(rows).split('\n');
  const width = Math.max(20, columns - 4);
  const out: string[] = [];
  rendered.forEach((line, index) => {
    out.push(line);
    for (const detail of details.get(index) ?? []) out.push(`    ${clip(detail, width)}`);
  });
  return `${out.join('\n')}\n\n${recap(diagnoses)}\n`;
}

function nextStep(host: string, account: HostDiagnosis['accounts'][number]): string {
  const { remedy } = account;
  const fixable = ['logged-out', 'creds-corrupt', 'not-linked', 'monitor-stopped', 'restart-required', 'gateway-not-running', 'gateway-dies-on-logout', 'plugin-missing'];
  // Quoted as a command that runs is: what is pasted from here runs nothing but clawfix.
  const command = fixable.includes(account.verdict) ? sh`clawfix fix ${host}${account.account === 'default' ? sh`` : sh` --account ${account.account}`}`.text : remedy.commands[0];
  // The command first: it is what the reader copies, and what survives a narrow terminal.
  return `${command ? `${bold(command)}  ` : ''}${remedy.destructive ? yellow('(changes credentials) ') : ''}${dim(remedy.action)}`;
}

function colourVerdict(verdict: string, attention: boolean): string {
  if (['unreachable', 'auth-failed', 'host-key-changed', 'error'].includes(verdict)) return red(verdict);
  return attention ? yellow(verdict) : green(verdict);
}

function since(iso: string): string {
  const ms = Date.now() - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 90) return `${minutes}m ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h ago` : `${Math.round(hours / 24)}d ago`;
}

function recap(diagnoses: HostDiagnosis[]): string {
  const counts = new Map<string, number>();
  for (const d of diagnoses) {
    const key = d.condition === 'interrupted' ? 'interrupted' : d.status !== 'ok' ? d.status : d.condition === 'ok' ? 'fine' : 'need attention';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const parts = [...counts].map(([key, n]) => `${n} ${key}`);
  const colour = diagnoses.every((d) => d.condition === 'ok') ? green : yellow;
  return colour(`${diagnoses.length} host${diagnoses.length === 1 ? '' : 's'}: ${parts.join(', ')}`);
}
