/** Words for a verdict: the facts behind it, the status snapshot, and remedy commands with real names. */
import { quote, sh } from '../shell.js';
import type { Evidence, GatewayManager } from './evidence.js';
import type { Remedy } from './rules.js';
import type { AccountStatus, ChannelsStatusSummary } from './status-parse.js';
import type { VerdictId } from './verdicts.js';

const GATEWAY_VERDICTS: ReadonlySet<VerdictId> = new Set(['gateway-not-running', 'gateway-dies-on-logout', 'wrong-user-or-state-dir']);
const CREDS_VERDICTS: ReadonlySet<VerdictId> = new Set(['not-linked', 'creds-corrupt', 'logged-out', 'wrong-user-or-state-dir']);

function gatewayLine(e: Evidence): string {
  const g = e.gateway;
  const state = g.running ? `running (pid ${g.pid ?? '?'}, user ${g.user ?? '?'})` : 'not running';
  const linger = g.lingerEnabled === undefined || g.lingerEnabled === null ? '' : `, linger ${g.lingerEnabled ? 'on' : 'off'}`;
  const listening = g.listening === null ? '' : `, port ${g.port} ${g.listening ? 'listening' : 'not listening'}`;
  return `gateway: ${state}, managed by ${g.managedBy}${linger}${listening}`;
}

function credsLine(e: Evidence, account: string): string {
  const c = e.credentials[account];
  const path = `credentials/whatsapp/${account}/creds.json`;
  if (!c) return `${path}: not found`;
  const main = !c.present
    ? 'missing'
    : `${c.sizeBytes ?? '?'} bytes${c.mtime ? `, modified ${c.mtime}` : ''}, ${c.validJson === null ? 'unreadable' : c.validJson ? 'valid JSON' : 'NOT valid JSON'}`;
  const backup = !c.backupPresent ? 'missing' : c.backupValidJson === null ? 'unreadable' : c.backupValidJson ? 'valid JSON' : 'NOT valid JSON';
  return `${path}: ${main}; creds.json.bak: ${backup}`;
}

/** Fact lines (no time) that explain a verdict reached from the host's evidence. */
export function describeFacts(e: Evidence | null, account: string, verdict: VerdictId): string[] {
  if (!e) return [];
  const lines: string[] = [];
  if (verdict === 'wrong-user-or-state-dir') {
    lines.push(`state dir examined: ${e.stateDir ?? '?'} (owner ${e.stateDirOwner ?? '?'}), as user ${e.user ?? '?'}`);
    if (e.gateway.stateDir) lines.push(`the gateway uses state dir ${e.gateway.stateDir}`);
    for (const d of e.otherStateDirs) lines.push(`other state dir: ${d.path} (owner ${d.owner ?? '?'})${d.hasWhatsappCreds ? ', with WhatsApp credentials' : ''}`);
    for (const p of e.permissionErrors.slice(0, 3)) lines.push(p);
  }
  if (GATEWAY_VERDICTS.has(verdict)) lines.push(gatewayLine(e));
  if (CREDS_VERDICTS.has(verdict)) lines.push(credsLine(e, account));
  if (verdict === 'plugin-missing') {
    lines.push(`WhatsApp plugin: ${e.pluginInstalled === false ? 'not installed' : 'installed'}${e.config.pluginEnabled === false ? ', disabled in config' : ''}`);
  }
  if (verdict === 'whatsapp-not-configured') lines.push('config: no channels.whatsapp section');
  if (verdict === 'unknown') lines.push(gatewayLine(e), credsLine(e, account));
  return lines;
}

/** For a status document without a per-account entry (gateway unreachable, WhatsApp absent). */
export function describeSummary(summary: ChannelsStatusSummary): string[] {
  const lines: string[] = [];
  if (summary.gatewayReachable === false) {
    lines.push(`channels status: gateway not reachable${summary.error ? ` (${summary.error.split('\n')[0]})` : ''}`);
  }
  if (summary.whatsappConfigured === false) lines.push('channels status: WhatsApp is not among the configured channels');
  return lines;
}

export function describeStatus(s: AccountStatus): string {
  const flag = (v: boolean | null, yes: string, no: string) => (v === null ? null : v ? yes : no);
  const parts = [
    flag(s.enabled, 'enabled', 'disabled'),
    flag(s.configured, 'configured', 'not configured'),
    flag(s.linked, 'linked', 'not linked'),
    s.gatewayReachable ? flag(s.running, 'running', 'stopped') : 'gateway not reachable',
    s.gatewayReachable ? flag(s.connected, 'connected', 'disconnected') : null,
    s.healthState ? `health:${s.healthState}` : null,
    s.reconnectAttempts ? `reconnectAttempts:${s.reconnectAttempts}` : null,
    s.lastDisconnect ? `lastDisconnect:${s.lastDisconnect.status ?? '?'}${s.lastDisconnect.loggedOut ? ' loggedOut' : ''}${s.lastDisconnect.error ? ` ${s.lastDisconnect.error}` : ''}` : null,
    s.lastDisconnect?.error || !s.lastError ? null : `error:${s.lastError}`,
  ].filter((p): p is string => p !== null);
  const issues = s.issues.length > 0 ? ` — ${s.issues.join(' / ')}` : '';
  return `channels status (${s.account}): ${parts.join(', ')}${issues}`;
}

function gatewayCommand(verb: 'start' | 'restart', manager: GatewayManager | null, service: string | null): string {
  switch (manager) {
    case 'systemd-system':
      return sh`sudo systemctl ${verb} ${service ?? 'openclaw-gateway'}`.text;
    case 'container':
      return service ? sh`docker ${verb} ${service}`.text : `openclaw gateway ${verb}`;
    case 'pm2':
      return sh`pm2 ${verb} ${service ?? 'openclaw'}`.text;
    default:
      return `openclaw gateway ${verb}`;
  }
}

/** Fills the placeholders of rules.ts; an unknown value stays a visible `<placeholder>`. */
export function renderRemedy(remedy: Remedy, e: Evidence | null, account: string, verdict: VerdictId): Remedy {
  const manager = e?.gateway.managedBy ?? null;
  const service = e?.gateway.serviceName ?? null;
  // for a wrong user/state dir, the right ones are the gateway's, or those of the dir that has the credentials
  const credsElsewhere = verdict === 'wrong-user-or-state-dir' ? e?.otherStateDirs.find((d) => d.hasWhatsappCreds) : undefined;
  const user = e?.gateway.user ?? credsElsewhere?.owner ?? e?.stateDirOwner ?? e?.user ?? null;
  const stateDir = e?.gateway.stateDir ?? credsElsewhere?.path ?? e?.stateDir ?? null;
  // Commands get what a host named quoted as a command that runs would (src/shell.ts), so a pasted
  // suggestion runs nothing the host slipped into a name; prose gets it as it is (printed through the edge).
  const fill = (text: string, word: (value: string) => string) =>
    text
      .replaceAll('<start-gateway>', gatewayCommand('start', manager, service))
      .replaceAll('<restart-gateway>', gatewayCommand('restart', manager, service))
      .replaceAll('<account>', word(account))
      .replaceAll('<stateDir>', stateDir === null ? '~/.openclaw' : word(stateDir))
      .replaceAll('<user>', user === null ? '<user>' : word(user));
  return {
    action: fill(remedy.action, (value) => value),
    commands: remedy.commands.map((command) => fill(command, quote)),
    destructive: remedy.destructive,
  };
}
