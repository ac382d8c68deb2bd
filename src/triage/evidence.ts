/**
 * Evidence: everything the remote probe gathers about OpenClaw on one host. It is the contract between
 * the probe (which does the I/O) and triage (which only decides). Plain JSON: no Date, no Map, no class,
 * so it can be written to disk, sent over a pipe, or pasted into a bug report and triaged later.
 *
 * Unknown is `null`, never a guess: triage treats `null` as "not looked at / could not tell".
 */
import { z } from 'zod';

export type GatewayManager = 'systemd-user' | 'systemd-system' | 'container' | 'pm2' | 'process' | 'none';

export interface CredentialsEvidence {
  /** `credentials/whatsapp/<account>/creds.json` exists. */
  present: boolean;
  sizeBytes: number | null;
  /** ISO time of creds.json's mtime (host clock). */
  mtime: string | null;
  /** null when it could not be read (permissions) or is absent. */
  validJson: boolean | null;
  backupPresent: boolean;
  backupValidJson: boolean | null;
  /**
   * SHA-256 (hex) of the account's own number, E.164 digits without `+` (from creds.json `me.id`, else
   * `channels status` `self.e164`): equal on two hosts means one phone linked on both. Absent: unknown.
   */
  selfHash?: string | null;
}

export interface OtherStateDir {
  path: string;
  owner: string | null;
  /** It holds `credentials/whatsapp/<account>/creds.json` (or legacy creds directly in credentials/). */
  hasWhatsappCreds: boolean;
}

export interface GatewayEvidence {
  /** An `openclaw-gateway` (or `openclaw gateway run`) process exists. */
  running: boolean;
  pid: number | null;
  /** The OS user the gateway process runs as. */
  user: string | null;
  startedAt: string | null;
  /** Something listens on `port` (loopback); null when it could not be checked. */
  listening: boolean | null;
  port: number;
  managedBy: GatewayManager;
  /** systemd unit, pm2 process or container name, when known (used in remedy commands). */
  serviceName?: string | null;
  /** `loginctl show-user <user> -p Linger`; only meaningful for `systemd-user`. */
  lingerEnabled?: boolean | null;
  /** stateDir the running gateway uses (from its lock file or environment), when known. */
  stateDir?: string | null;
  /** OpenClaw's container (hosts file `openclaw.container`) is not running: the engine's state (exited, restarting, paused…). */
  containerState?: string;
}

/**
 * The `openclaw channels status --json` document as printed, kept loose on purpose: two shapes exist
 * (gateway reachable: `channels`/`channelAccounts`/…; unreachable: `gatewayReachable:false`, `configOnly`),
 * fields come and go between versions, and triage checks every field's type before using it.
 */
export interface ChannelsStatusDocument {
  gatewayReachable?: boolean;
  error?: string;
  configOnly?: boolean;
  configuredChannels?: string[];
  ts?: number;
  channels?: Record<string, unknown>;
  channelAccounts?: Record<string, unknown>;
  channelDefaultAccountId?: Record<string, string>;
  statusIssues?: unknown[];
  [key: string]: unknown;
}

export interface Evidence {
  /** ISO time on the host's clock when the probe ran; "now" for recency unless the caller overrides it. */
  collectedAt: string;
  /** `date +%z` on the host in minutes (e.g. 60 for +01:00); used for log lines without a zone. */
  utcOffsetMinutes?: number | null;
  /** The user the probe ran as (after any sudo -u). */
  user: string | null;
  openclaw: { found: boolean; path: string | null; version: string | null };
  stateDir: string | null;
  stateDirOwner: string | null;
  /** Other state dirs seen on the host: other users' ~/.openclaw, ~/.openclaw-<profile>, container volumes. */
  otherStateDirs: OtherStateDir[];
  config: {
    /** openclaw.json exists and was readable. */
    present: boolean;
    /** `channels.whatsapp` exists. */
    whatsappConfigured: boolean;
    /** `plugins.entries.whatsapp.enabled`; null when not set (default) or unknown. */
    pluginEnabled: boolean | null;
    /** `channels.whatsapp.accounts` keys; empty means the single `default` account. */
    accountIds: string[];
  };
  /** `@openclaw/whatsapp` found under `<stateDir>/npm/projects/`; null when unknown or bundled (older versions). */
  pluginInstalled: boolean | null;
  /** Keyed by account id. */
  credentials: Record<string, CredentialsEvidence>;
  gateway: GatewayEvidence;
  /** Parsed `channels status --json`, or null when not asked (e.g. the gateway is down). */
  channelsStatus: ChannelsStatusDocument | null;
  sudoPasswordRequired?: boolean;
  /** Raw lines, oldest first, from yesterday's and today's log tail (file log, journal), WhatsApp-relevant only. */
  logLines: string[];
  /** EACCES / EPERM messages met while reading the state dir or logs. */
  permissionErrors: string[];
}

const credentialsSchema = z.object({
  present: z.boolean(),
  sizeBytes: z.number().nullable(),
  mtime: z.string().nullable(),
  validJson: z.boolean().nullable(),
  backupPresent: z.boolean(),
  backupValidJson: z.boolean().nullable(),
  selfHash: z.string().regex(/^[0-9a-f]{64}$/).nullable().optional(),
});

/** Validates evidence read from a file or a pipe (`clawfix triage --evidence file.json`). */
export const evidenceSchema: z.ZodType<Evidence> = z.object({
  collectedAt: z.string(),
  utcOffsetMinutes: z.number().nullable().optional(),
  user: z.string().nullable(),
  openclaw: z.object({ found: z.boolean(), path: z.string().nullable(), version: z.string().nullable() }),
  stateDir: z.string().nullable(),
  stateDirOwner: z.string().nullable(),
  otherStateDirs: z.array(z.object({ path: z.string(), owner: z.string().nullable(), hasWhatsappCreds: z.boolean() })),
  config: z.object({
    present: z.boolean(),
    whatsappConfigured: z.boolean(),
    pluginEnabled: z.boolean().nullable(),
    accountIds: z.array(z.string()),
  }),
  pluginInstalled: z.boolean().nullable(),
  credentials: z.record(z.string(), credentialsSchema),
  gateway: z.object({
    running: z.boolean(),
    pid: z.number().nullable(),
    user: z.string().nullable(),
    startedAt: z.string().nullable(),
    listening: z.boolean().nullable(),
    port: z.number(),
    managedBy: z.enum(['systemd-user', 'systemd-system', 'container', 'pm2', 'process', 'none']),
    serviceName: z.string().nullable().optional(),
    lingerEnabled: z.boolean().nullable().optional(),
    stateDir: z.string().nullable().optional(),
    containerState: z.string().optional(),
  }),
  channelsStatus: z.looseObject({}).nullable() as z.ZodType<ChannelsStatusDocument | null>,
  sudoPasswordRequired: z.boolean().optional(),
  logLines: z.array(z.string()),
  permissionErrors: z.array(z.string()),
});

export const DEFAULT_GATEWAY_PORT = 18789;
export const DEFAULT_ACCOUNT = 'default';
