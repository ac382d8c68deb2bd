/**
 * What a fix needs to know about one host and one account, taken from the hosts file and the
 * diagnosis (pure). Every path is the one the probe resolved on the host, never a guess.
 */
import type { HostDiagnosis } from '../diagnose/host.js';
import type { ResolvedHost } from '../inventory/types.js';
import type { AccountVerdict } from '../triage/triage.js';
import type { GatewayManager } from '../triage/evidence.js';
import { worstVerdict } from '../triage/verdicts.js';

export interface GatewayState {
  manager: GatewayManager;
  /** systemd unit, pm2 process or container name, when known (checked by src/probe/names.ts). */
  serviceName: string | null;
  /**
   * Where the name comes from: the hosts file (trusted), or what the probe saw as OpenClaw's user,
   * which a command run as the login user checks again before it uses it (src/fix/commands.ts).
   * Absent means the probe: untrusted unless said otherwise.
   */
  serviceNameFrom?: 'hosts-file' | 'probe';
  running: boolean;
  pid: number | null;
  port: number;
  lingerEnabled: boolean | null;
}

export interface FixTarget {
  host: ResolvedHost;
  account: string;
  /** Absolute path on the host (or in the container). */
  stateDir: string;
  /** The `openclaw` the probe found (absolute), or the bare name. */
  openclawBin: string;
  /**
   * The user OpenClaw runs as: from the hosts file (or the login user), never from what the probe says,
   * since `sudo loginctl` acts on it; in a container, the container's user the probe ran as.
   */
  serviceUser: string;
  gateway: GatewayState;
}

export const DEFAULT_UNIT = 'openclaw-gateway.service';

/** The account a fix works on: the one asked for, else the worst one the diagnosis found. */
export function pickAccount(diagnosis: HostDiagnosis, host: ResolvedHost, wanted?: string): AccountVerdict | undefined {
  if (wanted !== undefined) return diagnosis.accounts.find((a) => a.account === wanted);
  const worst = worstVerdict(diagnosis.accounts.map((a) => a.verdict));
  return (
    diagnosis.accounts.find((a) => a.account === host.openclaw.account && a.verdict === worst) ??
    diagnosis.accounts.find((a) => a.verdict === worst)
  );
}

/** null when the diagnosis did not reach OpenClaw's state (unreachable, not installed, …). */
export function fixTarget(host: ResolvedHost, diagnosis: HostDiagnosis, account: string): FixTarget | null {
  const e = diagnosis.evidence;
  if (!e || !e.stateDir) return null;
  const g = e.gateway;
  // Inside a container the probe sees a bare process; the container is what gets stopped and started.
  const container = host.openclaw.container;
  return {
    host,
    account,
    stateDir: e.stateDir,
    openclawBin: e.openclaw.path ?? 'openclaw',
    serviceUser: container ? (e.user ?? host.openclaw.user ?? host.user) : (host.openclaw.user ?? host.user),
    gateway: {
      manager: container ? 'container' : g.managedBy,
      serviceName: container ?? g.serviceName ?? null,
      serviceNameFrom: container ? 'hosts-file' : 'probe',
      running: g.running,
      pid: g.pid,
      port: g.port,
      lingerEnabled: g.lingerEnabled ?? null,
    },
  };
}
