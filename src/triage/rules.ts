/**
 * The rules, as data: one row per verdict, in PRIORITY order. The order matters twice:
 *  - facts (host/account evidence) are tried top to bottom; the first that holds is the precedence winner;
 *  - a log event or a live status is classified by the first row whose sign matches it (so explicit
 *    causes such as 401/440/ENOTFOUND come before the generic "connection closed … Retry n/12").
 * How facts, live status and the log timeline are combined is triage.ts's job; this file only says
 * what each sign means. To add a sign: add a pattern to the row; to add a verdict: add it to
 * verdicts.ts and a row here.
 *
 * Commands may hold placeholders, filled by triage: <account>, <user> (service user), <stateDir>,
 * <start-gateway> and <restart-gateway> (the right command for how the gateway is managed).
 */
import type { Evidence, CredentialsEvidence } from './evidence.js';
import type { AccountStatus, ChannelsStatusSummary } from './status-parse.js';
import type { VerdictId } from './verdicts.js';
import type { VersionRange } from './version.js';

export interface LogSign {
  /** Tested against the event's message plus its structured fields (eventText). */
  pattern: RegExp;
  /** Only on these versions; an unknown version matches. */
  versions?: VersionRange;
  /** Never on these versions; an unknown version is not excluded. */
  exceptVersions?: VersionRange;
  /** Overrides the row's `decisive` for this sign. */
  decisive?: boolean;
  /** Proof that messages flow (inbound/outbound traffic), not just a connect. */
  flow?: boolean;
}

export interface Remedy {
  action: string;
  commands: string[];
  destructive: boolean;
}

/** What facts and status predicates see. */
export interface SignContext {
  /** null when triaging pasted text. */
  evidence: Evidence | null;
  account: string;
  /** This account's status from `channels status` (live, or config-only when gatewayReachable is false). */
  status: AccountStatus | null;
  statusSummary: ChannelsStatusSummary | null;
}

export interface Rule {
  id: VerdictId;
  summary: string;
  /** A matching log event may decide the verdict alone when it is the newest decisive event. */
  decisive: boolean;
  logSigns: LogSign[];
  /** Over a live status (gateway reachable). */
  statusSign?: (status: AccountStatus) => boolean;
  /** Over host facts; precedence follows the table order. */
  facts?: (ctx: SignContext) => boolean;
  /** On these versions the summary gains `note` and the remedy `commands` (a known bug: upgrade). */
  versionNotes?: { versions: VersionRange; note: string; commands: string[] }[];
  remedy: Remedy;
}

/** WhatsApp Web `No active listener` bundling bug (#45511, #46190, #46991; fixed by #47433). */
export const LISTENER_BUG_VERSIONS: VersionRange = { min: '2026.3.12', max: '2026.3.13' };
/** Versions whose gateway conflicts (440) with its own session (#46188, #45474). */
export const SELF_CONFLICT_VERSIONS: VersionRange = { min: '2026.3.12', max: '2026.3.13' };

/** `status 401`, `status=401`, `(status 401: …)`, `"status":401`, `"statusCode":401`, `code 401`. */
export function statusSign(...codes: number[]): RegExp {
  return new RegExp(String.raw`\b(?:status(?:Code)?|code)["']?\s*[=:]?\s*["']?(?:${codes.join('|')})\b`, 'i');
}

const NETWORK_ERROR = /\b(?:ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNREFUSED)\b|getaddrinfo|Opening handshake has timed out|proxy[^\n]*(?:refused|failed|ECONN)/i;

export function isNetworkError(text: string | null | undefined): boolean {
  return !!text && NETWORK_ERROR.test(text) && !LOOPBACK_REFUSED.test(text);
}
const LOOPBACK_REFUSED = /ECONNREFUSED (?:127\.0\.0\.1|localhost|\[?::1\]?):\d+/;

const disconnectStatus = (s: AccountStatus): number | null => s.lastDisconnect?.status ?? null;
const disconnectError = (s: AccountStatus): string => s.lastDisconnect?.error ?? s.lastError ?? '';
const notConnected = (s: AccountStatus): boolean => s.connected !== true;

export function credentialsOf(evidence: Evidence, account: string): CredentialsEvidence | null {
  return evidence.credentials[account] ?? null;
}

function anyCredentialsHere(evidence: Evidence): boolean {
  return Object.values(evidence.credentials).some((c) => c.present || c.backupPresent);
}

const RELINK: string[] = [
  'openclaw backup create --verify',
  'openclaw gateway stop',
  'openclaw channels logout --channel whatsapp --account <account>',
  '<start-gateway>',
  'openclaw channels login --channel whatsapp --account <account>',
  'openclaw channels status --probe',
];

export const RULES: readonly Rule[] = [
  {
    id: 'wrong-user-or-state-dir',
    summary: 'OpenClaw runs as another user or on another state dir than the one examined.',
    decisive: true,
    logSigns: [
      { pattern: /\bE(?:ACCES|PERM)\b[^\n]*\.openclaw/ },
      { pattern: /service management skipped: non-default state dir/ },
    ],
    facts: ({ evidence: e }) => {
      if (!e) return false;
      const g = e.gateway;
      // only denials on OpenClaw's own files say "wrong user"; an EACCES elsewhere in a log says nothing
      const stateDir = e.stateDir;
      if (e.permissionErrors.some((p) => /\.openclaw|openclaw\.json|credentials\//.test(p) || (!!stateDir && p.includes(stateDir)))) return true;
      if (g.stateDir && e.stateDir && g.stateDir !== e.stateDir) return true;
      if (g.managedBy !== 'container' && g.running && g.user && e.stateDirOwner && g.user !== e.stateDirOwner) return true;
      if (!anyCredentialsHere(e) && e.otherStateDirs.some((d) => d.hasWhatsappCreds)) return true;
      // nothing of OpenClaw's here, but another user has a state dir or runs the gateway: the probe
      // ran as the wrong user (that dir is usually unreadable to it, so its credentials are unknown)
      if (e.config.present) return false;
      return e.otherStateDirs.some((d) => d.owner !== null && d.owner !== e.user) || (g.running && !!g.user && !!e.user && g.user !== e.user);
    },
    remedy: {
      action: 'Act as the user that owns the gateway, on its state dir (<stateDir>); nothing is broken in the dir examined.',
      commands: ['sudo -u <user> -i openclaw channels status --probe'],
      destructive: false,
    },
  },
  {
    id: 'whatsapp-not-configured',
    summary: 'No WhatsApp channel is configured.',
    decisive: true,
    logSigns: [{ pattern: /WhatsApp (?:channel )?is not configured/i }, { pattern: /"configuredChannels":\[\]/ }],
    statusSign: (s) => s.configured === false || s.enabled === false,
    facts: ({ evidence: e, status, statusSummary }) => {
      // the running gateway's own view wins over a config file that may not be the one it reads
      if (status?.configured === true || statusSummary?.whatsappConfigured === true) return false;
      if (status?.configured === false || statusSummary?.whatsappConfigured === false) return !e || !anyCredentialsHere(e);
      return !!e && !e.config.whatsappConfigured && !anyCredentialsHere(e);
    },
    remedy: {
      action:
        'Nothing to fix. To add WhatsApp: openclaw plugins install @openclaw/whatsapp, then openclaw channels login --channel whatsapp.',
      commands: [],
      destructive: false,
    },
  },
  {
    id: 'plugin-missing',
    summary: 'The WhatsApp plugin (or its Baileys dependency) is missing or disabled.',
    decisive: true,
    logSigns: [
      { pattern: /Cannot find (?:module|package) ['"](?:@whiskeysockets\/baileys|baileys|@openclaw\/whatsapp)\b/ },
      { pattern: /Channel is unavailable: whatsapp/i },
      { pattern: /web login provider is not available/i },
      { pattern: /Unsupported channel "whatsapp"/ },
    ],
    facts: ({ evidence: e }) =>
      !!e && e.config.whatsappConfigured && (e.pluginInstalled === false || e.config.pluginEnabled === false),
    remedy: {
      action: 'Reinstall/enable the WhatsApp plugin, then restart the gateway. Credentials are untouched.',
      commands: ['openclaw doctor --fix', 'openclaw plugins install @openclaw/whatsapp', '<restart-gateway>'],
      destructive: false,
    },
  },
  {
    id: 'gateway-dies-on-logout',
    summary: 'The gateway is a systemd user unit without linger: it dies when the last login session ends.',
    decisive: true,
    logSigns: [{ pattern: /\bLinger=no\b/ }],
    facts: ({ evidence: e }) =>
      !!e && e.gateway.managedBy === 'systemd-user' && e.gateway.lingerEnabled === false && !e.gateway.running,
    remedy: {
      action: 'Enable linger for the service user so the gateway survives logouts, then start it.',
      commands: ['loginctl enable-linger <user>', '<start-gateway>'],
      destructive: false,
    },
  },
  {
    id: 'not-linked',
    summary: 'WhatsApp is configured but this account has no WhatsApp Web session.',
    decisive: true,
    logSigns: [
      { pattern: /Not linked \(no WhatsApp Web session\)/ },
      { pattern: /No WhatsApp Web session found/ },
      { pattern: /Cleared (?:saved auth for whatsapp|WhatsApp Web credentials)/ },
    ],
    statusSign: (s) => s.linked === false,
    facts: ({ evidence: e, account, status }) => {
      const c = e ? credentialsOf(e, account) : null;
      // Unreadable credentials also make the gateway say "not linked": that is creds-corrupt, below.
      if (c?.present && c.validJson === false && c.backupValidJson !== true) return false;
      if (status?.linked === false) return true;
      if (!e) return false;
      return !c || (!c.present && !(c.backupPresent && c.backupValidJson === true));
    },
    remedy: {
      action: 'Link it: run the login and scan the QR in WhatsApp → Settings → Linked Devices. Nothing to back up or purge.',
      commands: ['openclaw channels login --channel whatsapp --account <account>', 'openclaw channels status --probe'],
      destructive: false,
    },
  },
  {
    id: 'creds-corrupt',
    summary: 'creds.json is unreadable and there is no usable creds.json.bak.',
    decisive: true,
    logSigns: [
      { pattern: /creds\.json[^\n]*(?:Unexpected (?:end|token)|SyntaxError|is not valid JSON|must be a regular file)/ },
      { pattern: /(?:Unexpected end of JSON input|SyntaxError|is not valid JSON)[^\n]*creds\.json/ },
      // OpenClaw repaired it itself (usually a save/restore race, #58480): never decides on its own
      { pattern: /restored corrupted WhatsApp creds\.json from backup/, decisive: false },
    ],
    facts: ({ evidence: e, account }) => {
      const c = e ? credentialsOf(e, account) : null;
      return !!c && c.present && c.validJson === false && c.backupValidJson !== true;
    },
    remedy: {
      action: 'Restore <stateDir>/credentials/whatsapp/<account>/ from a backup if there is one; otherwise relink.',
      commands: RELINK,
      destructive: true,
    },
  },
  {
    id: 'gateway-not-running',
    summary: 'The OpenClaw gateway is not running.',
    decisive: true,
    logSigns: [
      { pattern: /gateway closed \(1006/ },
      { pattern: LOOPBACK_REFUSED },
      { pattern: /Gateway not reachable/ },
      { pattern: /Gateway service disabled/ },
      { pattern: /received SIG(?:TERM|INT); shutting down|signal SIG(?:TERM|INT) received/ },
      { pattern: /shutdown completed cleanly/ },
    ],
    facts: ({ evidence: e, statusSummary }) => {
      if (!e) return statusSummary?.gatewayReachable === false;
      return !e.gateway.running;
    },
    remedy: { action: 'Start the gateway.', commands: ['<start-gateway>'], destructive: false },
  },
  {
    id: 'healthy',
    summary: 'WhatsApp is connected.',
    decisive: true,
    logSigns: [
      { pattern: /Listening for (?:personal )?WhatsApp inbound messages/ },
      { pattern: /WhatsApp gateway connected/ },
      { pattern: /Linked!|Linked after restart|web session ready|WhatsApp is ready/ },
      { pattern: /opened connection to WA/ },
      { pattern: /^Inbound message\b/, flow: true },
      { pattern: /auto-reply sent/, flow: true },
      { pattern: /^Sent message \S+ -> /, flow: true },
    ],
    statusSign: (s) => s.connected === true && s.running !== false,
    remedy: { action: 'Nothing to do.', commands: [], destructive: false },
  },
  {
    id: 'link-cooldown',
    summary: "WhatsApp refuses new linked devices for now (\"Can't link new devices right now\").",
    decisive: true,
    logSigns: [{ pattern: /can[’']?t link (?:a )?new devices?/i }],
    remedy: {
      action: 'Wait (hours) before the next login attempt; every retry extends the cooldown.',
      commands: [],
      destructive: false,
    },
  },
  {
    id: 'listener-missing',
    summary: 'Sends fail with "No active WhatsApp Web listener" although the channel is connected: a bundling bug.',
    decisive: true,
    logSigns: [{ pattern: /No active WhatsApp Web listener/, versions: LISTENER_BUG_VERSIONS }],
    remedy: {
      action: 'Upgrade OpenClaw (or roll back to 2026.3.8) and check the account id used for sends. Relinking does not help.',
      commands: ['openclaw update', '<restart-gateway>'],
      destructive: false,
    },
  },
  {
    id: 'logged-out',
    summary: 'WhatsApp logged this session out (401): the device was unlinked.',
    decisive: true,
    logSigns: [
      { pattern: /session (?:is )?logged out/i },
      { pattern: statusSign(401) },
      { pattern: /"loggedOut":\s*true|loggedOut: true/ },
      { pattern: /device_removed/ },
    ],
    statusSign: (s) =>
      s.healthState === 'logged-out' || s.lastDisconnect?.loggedOut === true || (notConnected(s) && disconnectStatus(s) === 401),
    remedy: {
      action: 'Relink this account only: back up, stop the gateway, clear its WhatsApp credentials, start, log in with a QR, verify.',
      commands: RELINK,
      destructive: true,
    },
  },
  {
    id: 'conflict',
    summary: 'Another client uses the same WhatsApp credentials (440 session conflict).',
    decisive: true,
    logSigns: [
      { pattern: statusSign(440) },
      { pattern: /Stream Errored \(conflict\)|session conflict|connectionReplaced|Replaced by new connection/i },
      { pattern: /Another process owns this WhatsApp connection/ },
    ],
    statusSign: (s) => s.healthState === 'conflict' || (notConnected(s) && disconnectStatus(s) === 440),
    versionNotes: [
      {
        versions: SELF_CONFLICT_VERSIONS,
        note: 'This version is known to conflict with itself (#46188): upgrade.',
        commands: ['openclaw update', '<restart-gateway>'],
      },
    ],
    remedy: {
      action:
        'Find and stop the other instance using these credentials (second gateway, old container, another host), then restart this gateway. Relink only if it persists.',
      commands: ['openclaw gateway status --deep'],
      destructive: false,
    },
  },
  {
    id: 'protocol-upgrade',
    summary: 'WhatsApp rejects this client version (405 client_too_old).',
    decisive: true,
    logSigns: [{ pattern: statusSign(405) }, { pattern: /client_too_old|Client outdated/i }],
    statusSign: (s) => notConnected(s) && (disconnectStatus(s) === 405 || /client_too_old/i.test(disconnectError(s))),
    remedy: { action: 'Upgrade OpenClaw, then restart the gateway.', commands: ['openclaw update', '<restart-gateway>'], destructive: false },
  },
  {
    id: 'restart-required',
    summary: 'WhatsApp asked for a restart (515), as it does right after pairing.',
    decisive: true,
    logSigns: [{ pattern: statusSign(515) }, { pattern: /restart required|asked for a restart after pairing/i }],
    statusSign: (s) => notConnected(s) && disconnectStatus(s) === 515,
    remedy: { action: 'Restart the gateway (normal after a scan); upgrade if it keeps coming back.', commands: ['<restart-gateway>'], destructive: false },
  },
  {
    id: 'network-dns',
    summary: 'The host cannot reach WhatsApp (DNS, network or proxy).',
    decisive: true,
    logSigns: [{ pattern: NETWORK_ERROR }],
    statusSign: (s) => notConnected(s) && isNetworkError(disconnectError(s)),
    remedy: {
      action: 'Fix DNS/network/proxy on the host so web.whatsapp.com resolves and connects, then restart the gateway. Do not relink.',
      commands: ['getent hosts web.whatsapp.com', '<restart-gateway>'],
      destructive: false,
    },
  },
  {
    id: 'qr-timeout',
    summary: 'The QR login timed out before a scan completed.',
    decisive: true,
    logSigns: [
      { pattern: /QR refs attempts ended/i },
      { pattern: /timed out before login/i },
      { pattern: new RegExp(String.raw`(?:login failed|ended before fully opening)[^\n]*` + statusSign(408).source, 'i') },
    ],
    remedy: {
      action: 'Retry the login once the phone is ready (Linked Devices open before starting; the first QR lives ~60 s).',
      commands: ['openclaw channels login --channel whatsapp --account <account>'],
      destructive: false,
    },
  },
  {
    id: 'monitor-stopped',
    summary: 'The WhatsApp channel stopped (gave up reconnecting) while the gateway keeps running.',
    decisive: true,
    logSigns: [
      { pattern: /max attempts reached|Stopping web monitoring|after \d+\/\d+ attempts/i },
      { pattern: /giving up after \d+ restart attempts/ },
      { pattern: /\bchannel exited\b/ },
      { pattern: /No active WhatsApp Web listener/, exceptVersions: LISTENER_BUG_VERSIONS },
      { pattern: /auto-restart skipped, terminal disconnect|skipping restart, terminal-disconnect/, decisive: false },
    ],
    statusSign: (s) => s.running === false && s.linked !== false && s.enabled !== false,
    remedy: { action: 'Restart the gateway; the credentials are still valid.', commands: ['<restart-gateway>'], destructive: false },
  },
  {
    id: 'transient-reconnect',
    summary: 'WhatsApp Web dropped the socket and OpenClaw reconnects by itself.',
    decisive: true,
    logSigns: [
      { pattern: statusSign(408, 428, 499, 500, 503) },
      { pattern: /Retry \d+\/(?:\d+|∞)|auto-restart attempt \d+\/\d+/ },
      { pattern: /No messages received in \d+m|watchdog is recovering|gateway disconnected/i },
      { pattern: /Connection (?:Terminated|was lost)|web reconnect: (?:connection closed|scheduling retry|setup status error; retrying)/ },
      { pattern: /health-monitor: restarting/ },
    ],
    statusSign: (s) =>
      (s.running === true && notConnected(s)) ||
      s.statusState === 'unstable' ||
      ['reconnecting', 'stale', 'starting'].includes(s.healthState ?? ''),
    remedy: { action: 'Nothing to do: it reconnects by itself. Watch it; never relink for this.', commands: [], destructive: false },
  },
  {
    id: 'unknown',
    summary: 'No known sign fits.',
    decisive: false,
    logSigns: [],
    remedy: {
      action: 'Read the evidence below; nothing destructive is suggested.',
      commands: ['openclaw channels status --probe', 'openclaw logs --limit 200'],
      destructive: false,
    },
  },
];

export function ruleFor(id: VerdictId): Rule {
  const rule = RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule for verdict ${id}`);
  return rule;
}
