import { createHmac, randomBytes } from 'node:crypto';
import {
  DEFAULT_GATEWAY_PORT,
  type ChannelsStatusDocument,
  type CredentialsEvidence,
  type Evidence,
  type GatewayEvidence,
  type GatewayManager,
} from '../triage/evidence.js';
import { checked, containerNameSchema, hostPathSchema, isAccountId, pm2AppSchema, systemdUnitSchema, userNameSchema, type SystemdUnit } from './names.js';
import { all, first, type ProbeSections } from './parse.js';

/** What the probe's node helper prints about config, credentials and plugin (see probe.sh). */
interface FilesSummary {
  config: { valid: boolean; whatsapp?: boolean; pluginEnabled?: boolean | null; accounts?: string[] } | null;
  accounts: {
    account: string;
    creds: { present: boolean; size?: number; mtime?: string; valid?: boolean; error?: string };
    backup: { present: boolean; valid?: boolean };
    /** SHA-256 of the own number's digits (creds.me.id); null when creds.json does not tell. */
    selfHash?: string | null;
  }[];
  legacyCreds: boolean;
  plugin: { installed: boolean } | null;
  gatewayLock?: { pid?: number; stateDir?: string };
}

/**
 * Turns the probe's sections into Evidence for triage. Pure; unknowns stay null. Every name and path
 * is checked against its schema here (names.ts): one that fails counts as not said.
 */
export function toEvidence(sections: ProbeSections, stderr = ''): Evidence {
  const now = first(sections, 'id', 'now') ?? new Date().toISOString();
  const files = parseFiles(sections.raw.get('files'));
  const stateDir = checked(hostPathSchema, first(sections, 'statedir', 'path'));
  const permissionErrors: string[] = [];
  if (first(sections, 'statedir', 'readable') === '0') permissionErrors.push(`EACCES: cannot read ${stateDir}`);

  const logLines = [...sections.raw.entries()]
    .filter(([name]) => name.startsWith('log '))
    .reverse() // the probe lists the newest file first
    .flatMap(([, text]) => text.split('\n').filter((line) => line.trim() !== ''));
  // Only permission errors on OpenClaw's own files say something about the user or state dir.
  for (const line of logLines) if (/EACCES|EPERM/.test(line) && /\.openclaw|credentials|state dir/i.test(line)) permissionErrors.push(line.slice(0, 300));

  return {
    collectedAt: now,
    utcOffsetMinutes: parseOffset(first(sections, 'id', 'tz')),
    user: checked(userNameSchema, first(sections, 'id', 'user')),
    openclaw: {
      found: Boolean(first(sections, 'openclaw', 'bin')),
      path: checked(hostPathSchema, first(sections, 'openclaw', 'bin')),
      version: first(sections, 'openclaw', 'version') || null,
    },
    stateDir,
    stateDirOwner: checked(userNameSchema, first(sections, 'statedir', 'owner')),
    otherStateDirs: (sections.raw.get('candidates') ?? '')
      .split('\n')
      .filter((line) => line.includes('\t'))
      .flatMap((line) => {
        const [path = '', owner = '', creds = ''] = line.split('\t');
        const dir = checked(hostPathSchema, path);
        return dir ? [{ path: dir, owner: checked(userNameSchema, owner), hasWhatsappCreds: creds === '1' }] : [];
      }),
    config: {
      present: files?.config?.valid === true,
      whatsappConfigured: files?.config?.whatsapp === true,
      pluginEnabled: files?.config?.pluginEnabled ?? null,
      accountIds: (files?.config?.accounts ?? []).filter((id) => typeof id === 'string' && isAccountId(id)),
    },
    // Before WhatsApp became a separate plugin there is no plugin entry to find: unknown, not missing.
    pluginInstalled: files?.plugin?.installed ? true : files?.config?.pluginEnabled == null ? null : false,
    credentials: credentials(files, channelsStatus(sections.raw.get('channels-status'))),
    gateway: gateway(sections, files, now),
    channelsStatus: channelsStatus(sections.raw.get('channels-status')),
    sudoPasswordRequired: /a password is required|a terminal is required/.test(stderr) || undefined,
    logLines,
    permissionErrors,
  };
}

function parseFiles(text: string | undefined): FilesSummary | null {
  const line = text?.split('\n').find((l) => l.startsWith('{'));
  if (!line) return null;
  try {
    return JSON.parse(line) as FilesSummary;
  } catch {
    return null;
  }
}

function credentials(files: FilesSummary | null, status: ChannelsStatusDocument | null): Record<string, CredentialsEvidence> {
  const result: Record<string, CredentialsEvidence> = {};
  // Older versions kept the default account's auth directly in credentials/; it still counts as linked.
  if (files?.legacyCreds) {
    result.default = { present: true, sizeBytes: null, mtime: null, validJson: null, backupPresent: false, backupValidJson: null };
  }
  for (const { account, creds, backup, selfHash } of files?.accounts ?? []) {
    if (typeof account !== 'string' || !isAccountId(account) || typeof creds !== 'object' || creds === null) continue;
    if (!creds.present && result[account]?.present) continue;
    const e164 = selfHash ? null : statusSelfE164(status, account);
    const hash = selfHash ?? (e164 ? numberHash(e164) : null);
    result[account] = {
      present: creds.present,
      sizeBytes: creds.size ?? null,
      mtime: creds.mtime ?? null,
      validJson: creds.present ? (creds.valid ?? null) : null,
      backupPresent: backup?.present === true,
      backupValidJson: backup?.present ? (backup.valid ?? null) : null,
      ...(typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash) ? { selfHash: hash } : {}),
    };
  }
  return result;
}

/**
 * SHA-256 (hex) of a phone number's digits, as the probe computes it from creds.me.id: `+44 7700 900123`,
 * `447700900123` and `447700900123:12@s.whatsapp.net` give the same hash. null for anything else (a LID).
 */
export function numberHash(text: string): string | null {
  const jid = /^(\d{6,15})(?::\d+)?@(?:s\.whatsapp\.net|c\.us)$/.exec(text.trim());
  const digits = jid ? jid[1]! : /^\+?[\d ().-]+$/.test(text.trim()) ? text.replace(/\D/g, '') : '';
  return /^[1-9]\d{5,14}$/.test(digits) ? createHmac('sha256', NUMBER_HASH_KEY).update(digits).digest('hex') : null;
}

/**
 * The key of this run's number hashes, also given to the probe (on stdin, never on a command line): hashes
 * compare within one run, and without the key nobody can recover a number by hashing every candidate.
 */
export const NUMBER_HASH_KEY = randomBytes(32).toString('hex');

/** `self.e164` of an account in `channels status --json` (its channelAccounts entry, else the channel summary for the default account). */
export function statusSelfE164(doc: ChannelsStatusDocument | null, account: string): string | null {
  const e164 = (value: unknown): string | null => {
    const self = value && typeof value === 'object' ? (value as { self?: unknown }).self : undefined;
    const number = self && typeof self === 'object' ? (self as { e164?: unknown }).e164 : undefined;
    return typeof number === 'string' && number !== '' ? number : null;
  };
  const entries = doc?.channelAccounts?.['whatsapp'];
  const entry = Array.isArray(entries) ? entries.find((a: unknown) => (a as { accountId?: unknown })?.accountId === account) : undefined;
  const isDefault = (doc?.channelDefaultAccountId?.['whatsapp'] ?? 'default') === account;
  return e164(entry) ?? (isDefault ? e164(doc?.channels?.['whatsapp']) : null);
}

function gateway(sections: ProbeSections, files: FilesSummary | null, now: string): GatewayEvidence {
  const processes: GatewayProcess[] = all(sections, 'gateway', 'process').map((line) => {
    const [pid = '', user = '', etimes = '', ...args] = line.split(' ');
    return { pid: Number(pid), user, etimes: Number(etimes), args: args.join(' ') };
  });
  const main = gatewayFor(sections, processes, files, first(sections, 'statedir', 'path'));
  const service = sections.values.get('service');
  // Only names that pass their schema count; the rest are as if the probe had not seen them.
  const containers = (service?.get('container') ?? []).flatMap((line) => checked(containerNameSchema, line.split('\t')[1]) ?? []);
  const userUnit = (service?.get('user-unit') ?? []).map(unitName).find((u) => u !== null);
  const systemUnit = (service?.get('system-unit') ?? []).map(unitName).find((u) => u !== null);
  const pm2App = pm2AppOf(sections, main, service?.get('pm2-app') ?? []);
  const managedBy: GatewayManager = containers.length > 0
    ? 'container'
    : userUnit ? 'systemd-user'
    : systemUnit ? 'systemd-system'
    : pm2App !== undefined ? 'pm2'
    : main ? 'process' : 'none';
  const linger = service?.get('linger')?.[0];
  const listening = service?.get('listening')?.[0];
  const envStateDir = main ? first(sections, 'gateway', `env.${main.pid}.OPENCLAW_STATE_DIR`) : undefined;
  return {
    running: main !== undefined,
    pid: main?.pid ?? null,
    user: checked(userNameSchema, main?.user),
    startedAt: main && Number.isFinite(main.etimes) ? new Date(Date.parse(now) - main.etimes * 1000).toISOString() : null,
    listening: listening === undefined ? null : listening === '1',
    port: Number(service?.get('port')?.[0]) || DEFAULT_GATEWAY_PORT,
    managedBy,
    serviceName: userUnit ?? systemUnit ?? containers[0] ?? pm2App ?? null,
    lingerEnabled: linger === 'yes' ? true : linger === 'no' ? false : null,
    stateDir: checked(hostPathSchema, envStateDir ?? files?.gatewayLock?.stateDir),
    ...(service?.get('container-state') ? { containerState: service.get('container-state')![0]! } : {}),
  };
}

/**
 * The pm2 app that runs the gateway: its name (null if unnamed), undefined when pm2 does not run it.
 * pm2 gives the processes it starts their app's pm_id and name in the environment; a stopped app has
 * no process, but the probe lists the OpenClaw apps of a running pm2 daemon (one is unambiguous).
 */
function pm2AppOf(sections: ProbeSections, main: GatewayProcess | undefined, listed: string[]): string | null | undefined {
  if (main) {
    const env = (key: string) => first(sections, 'gateway', `env.${main.pid}.${key}`);
    return env('pm_id') === undefined ? undefined : checked(pm2AppSchema, env('name'));
  }
  return listed.length === 1 ? (checked(pm2AppSchema, listed[0]!.split(' ')[0]) ?? undefined) : undefined;
}

interface GatewayProcess {
  pid: number;
  user: string;
  etimes: number;
  args: string;
}

/**
 * The gateway that serves this state dir. Several may run on one host (profiles, other users):
 * the state dir's lock names its pid; otherwise a readable environment tells which one is ours.
 */
function gatewayFor(sections: ProbeSections, processes: GatewayProcess[], files: FilesSummary | null, stateDir: string | undefined): GatewayProcess | undefined {
  const byLock = processes.find((p) => p.pid === files?.gatewayLock?.pid);
  if (byLock) return byLock;
  const stateOf = (p: GatewayProcess) => {
    const explicit = first(sections, 'gateway', `env.${p.pid}.OPENCLAW_STATE_DIR`);
    const home = first(sections, 'gateway', `env.${p.pid}.HOME`);
    return explicit ?? (home ? `${home}/.openclaw` : undefined);
  };
  const readable = processes.filter((p) => stateOf(p) !== undefined);
  const ours = readable.find((p) => stateOf(p) === stateDir);
  if (ours) return ours;
  // Processes whose environment we can read all serve other state dirs; one we cannot read may be ours.
  return processes.find((p) => stateOf(p) === undefined);
}

/** The unit of a unit file's path, when it is one of OpenClaw's (never `poweroff.target`). */
function unitName(path: string): SystemdUnit | null {
  return checked(systemdUnitSchema, path.split('/').pop());
}

/** The command prints JSON, but may be preceded by warnings on older versions. */
function channelsStatus(text: string | undefined): ChannelsStatusDocument | null {
  if (!text) return null;
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end <= start) return null;
  try {
    const parsed: unknown = JSON.parse(text.slice(start, end + 1));
    return parsed && typeof parsed === 'object' ? (parsed as ChannelsStatusDocument) : null;
  } catch {
    return null;
  }
}

function parseOffset(tz: string | undefined): number | null {
  const match = tz ? /^([+-])(\d{2})(\d{2})$/.exec(tz) : null;
  if (!match) return null;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}
