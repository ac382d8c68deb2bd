/**
 * `openclaw channels status` in both its forms, reduced to one AccountStatus per WhatsApp account.
 * JSON: with a reachable gateway, `channelAccounts.whatsapp[]` (+ the `channels.whatsapp` summary of the
 * default account); without one, only `configuredChannels`. Text: `- WhatsApp default: enabled, configured,
 * linked, error:…, running, disconnected, dm:pairing, allow:…, health:reconnecting` plus the warnings.
 */

export interface LastDisconnect {
  at: number | null;
  status: number | null;
  error: string | null;
  loggedOut: boolean;
}

export interface AccountStatus {
  account: string;
  source: 'json' | 'text';
  /** false: a config-only view (the gateway did not answer); only enabled/configured/linked mean anything. */
  gatewayReachable: boolean;
  enabled: boolean | null;
  configured: boolean | null;
  linked: boolean | null;
  running: boolean | null;
  connected: boolean | null;
  statusState: string | null;
  healthState: string | null;
  lifecycle: string | null;
  reconnectAttempts: number | null;
  lastDisconnect: LastDisconnect | null;
  lastError: string | null;
  lastInboundAt: number | null;
  lastMessageAt: number | null;
  lastConnectedAt: number | null;
  lastStartAt: number | null;
  lastStopAt: number | null;
  terminalDisconnect: boolean;
  /** statusIssues / warnings for this account, as printed. */
  issues: string[];
  /** When the gateway took the snapshot (ms epoch), when the document says. */
  ts: number | null;
}

export interface ChannelsStatusSummary {
  /** null: the text did not say. */
  gatewayReachable: boolean | null;
  whatsappConfigured: boolean | null;
  error: string | null;
  accounts: AccountStatus[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A status code inside an error text: `status=408`, `(status 440: …)`, `"statusCode":428`. */
export function statusCodeIn(text: string): number | null {
  const m = /\b(?:status|statusCode|code)["']?\s*[=: ]\s*["']?(\d{3})\b/i.exec(text);
  return m?.[1] ? Number(m[1]) : null;
}

function lastDisconnectOf(value: unknown): LastDisconnect | null {
  if (typeof value === 'string') {
    return { at: null, status: statusCodeIn(value), error: value, loggedOut: /logged ?out/i.test(value) };
  }
  if (!isRecord(value)) return null;
  const error = str(value['error']);
  return {
    at: num(value['at']),
    status: num(value['status']) ?? (error ? statusCodeIn(error) : null),
    error,
    loggedOut: value['loggedOut'] === true,
  };
}

function emptyAccount(account: string, source: AccountStatus['source'], reachable: boolean): AccountStatus {
  return {
    account, source, gatewayReachable: reachable, enabled: null, configured: null, linked: null, running: null,
    connected: null, statusState: null, healthState: null, lifecycle: null, reconnectAttempts: null,
    lastDisconnect: null, lastError: null, lastInboundAt: null, lastMessageAt: null, lastConnectedAt: null,
    lastStartAt: null, lastStopAt: null, terminalDisconnect: false, issues: [], ts: null,
  };
}

function accountFromJson(entry: Json, summary: Json | null, ts: number | null): AccountStatus {
  // the per-account entry wins; the channel summary fills what it lacks (statusState, self, …)
  const pick = (key: string): unknown => (entry[key] !== undefined ? entry[key] : summary?.[key]);
  const statusState = str(pick('statusState'));
  const status = emptyAccount(str(entry['accountId']) ?? 'default', 'json', true);
  return {
    ...status,
    enabled: bool(pick('enabled')),
    configured: bool(pick('configured')),
    linked: bool(pick('linked')) ?? (statusState ? statusState === 'linked' : null),
    running: bool(pick('running')),
    connected: bool(pick('connected')),
    statusState,
    healthState: str(pick('healthState')),
    lifecycle: str(pick('lifecycle')),
    reconnectAttempts: num(pick('reconnectAttempts')),
    lastDisconnect: lastDisconnectOf(pick('lastDisconnect')),
    lastError: str(pick('lastError')),
    lastInboundAt: num(pick('lastInboundAt')),
    lastMessageAt: num(pick('lastMessageAt')),
    lastConnectedAt: num(pick('lastConnectedAt')),
    lastStartAt: num(pick('lastStartAt')),
    lastStopAt: num(pick('lastStopAt')),
    terminalDisconnect: pick('terminalDisconnect') === true,
    ts,
  };
}

/** Accepts the parsed document (or its text); anything else gives an empty summary. */
export function parseChannelsStatus(input: unknown): ChannelsStatusSummary {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      return parseStatusText(input);
    }
  }
  const empty: ChannelsStatusSummary = { gatewayReachable: null, whatsappConfigured: null, error: null, accounts: [] };
  if (!isRecord(doc)) return empty;
  if (doc['gatewayReachable'] === false || doc['configOnly'] === true) {
    const configured = Array.isArray(doc['configuredChannels']) ? doc['configuredChannels'].includes('whatsapp') : null;
    return { ...empty, gatewayReachable: false, whatsappConfigured: configured, error: str(doc['error']) };
  }
  const channels = isRecord(doc['channels']) ? doc['channels'] : null;
  const accountsDoc = isRecord(doc['channelAccounts']) ? doc['channelAccounts'] : null;
  if (!channels && !accountsDoc) return empty;
  const summary = channels && isRecord(channels['whatsapp']) ? channels['whatsapp'] : null;
  const list = Array.isArray(accountsDoc?.['whatsapp']) ? accountsDoc['whatsapp'].filter(isRecord) : [];
  const defaults = isRecord(doc['channelDefaultAccountId']) ? doc['channelDefaultAccountId'] : {};
  const defaultId = str(defaults['whatsapp']) ?? 'default';
  const ts = num(doc['ts']);
  const entries = list.length > 0 ? list : summary ? [{ accountId: defaultId }] : [];
  const accounts = entries.map((entry) =>
    accountFromJson(entry, (str(entry['accountId']) ?? defaultId) === defaultId ? summary : null, ts),
  );
  const issues = Array.isArray(doc['statusIssues']) ? doc['statusIssues'].filter(isRecord) : [];
  for (const issue of issues) {
    if (issue['channel'] !== 'whatsapp') continue;
    const target = accounts.find((a) => a.account === (str(issue['accountId']) ?? defaultId));
    const message = str(issue['message']);
    if (target && message) target.issues.push(message);
  }
  const configured = summary ? (bool(summary['configured']) ?? true) : accounts.length > 0 ? true : false;
  return { gatewayReachable: true, whatsappConfigured: configured, error: null, accounts };
}

const KNOWN_FLAG = String.raw`(?:enabled|disabled|configured|not configured|linked|not linked|running|stopped|connected|disconnected|dm:|allow:|health:|in:|out:)`;
const ACCOUNT_LINE = /^(?:-\s+)?WhatsApp\s+([\w.-]+):\s+(.*)$/;
const WARNING_LINE = /^-\s+whatsapp\s+([\w.-]+):\s+(.*)$/;
const OLD_STATUS_LINE = /^WhatsApp:\s+(linked|not linked)\b/i;

function flagsOf(account: string, rest: string, reachable: boolean): AccountStatus {
  const status = emptyAccount(account, 'text', reachable);
  const error = new RegExp(`(?:^|,\\s*)error:(.*?)(?=,\\s*${KNOWN_FLAG}|$)`).exec(rest);
  const flags = error ? rest.replace(error[0], '') : rest;
  for (const raw of flags.split(/,\s*/)) {
    const token = raw.trim();
    if (token === 'enabled' || token === 'disabled') status.enabled = token === 'enabled';
    else if (token === 'configured' || token === 'not configured') status.configured = token === 'configured';
    else if (token === 'linked' || token === 'not linked') status.linked = token === 'linked';
    else if (token === 'running' || token === 'stopped') status.running = token === 'running';
    else if (token === 'connected' || token === 'disconnected') status.connected = token === 'connected';
    else if (token.startsWith('health:')) status.healthState = token.slice('health:'.length) || null;
  }
  if (status.linked !== null) status.statusState = status.linked ? 'linked' : 'not-linked';
  if (error?.[1]) {
    const text = error[1].trim();
    status.lastError = text;
    status.lastDisconnect = { at: null, status: statusCodeIn(text), error: text, loggedOut: /logged ?out/i.test(text) };
  }
  return status;
}

export function parseStatusText(text: string): ChannelsStatusSummary {
  const summary: ChannelsStatusSummary = { gatewayReachable: null, whatsappConfigured: null, error: null, accounts: [] };
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '').trim());
  for (const line of lines) {
    if (/^Gateway reachable\b/.test(line)) summary.gatewayReachable = true;
    else if (/^Gateway not reachable|showing config-only status/.test(line)) {
      summary.gatewayReachable = false;
      summary.error = summary.error ?? line;
    }
  }
  const reachable = summary.gatewayReachable !== false;
  for (const line of lines) {
    const account = ACCOUNT_LINE.exec(line);
    if (account?.[1] && account[2] !== undefined) {
      summary.accounts.push(flagsOf(account[1], account[2], reachable));
      continue;
    }
    const old = OLD_STATUS_LINE.exec(line);
    if (old?.[1]) {
      const status = emptyAccount('default', 'text', reachable);
      status.linked = old[1].toLowerCase() === 'linked';
      status.statusState = status.linked ? 'linked' : 'not-linked';
      summary.accounts.push(status);
      continue;
    }
    const warning = WARNING_LINE.exec(line);
    const target = warning && summary.accounts.find((a) => a.account === warning[1]);
    if (target && warning?.[2]) target.issues.push(warning[2]);
  }
  if (summary.accounts.length > 0) summary.whatsappConfigured = summary.accounts.some((a) => a.configured !== false);
  return summary;
}
