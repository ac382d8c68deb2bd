import type { CommandContext } from '../context.js';
import { describeFailure, openConnection, type ConnectionStatus } from '../fleet/connect.js';
import type { HostCondition } from '../fleet/exit-code.js';
import type { ResolvedHost } from '../inventory/types.js';
import { ProbeRefusedError } from '../probe/parse.js';
import { runProbe } from '../probe/run.js';
import type { Evidence } from '../triage/evidence.js';
import type { AccountVerdict } from '../triage/triage.js';
import type { Transport } from '../transport/types.js';

/** Host-level verdicts that are not about WhatsApp: clawfix could not look, or found nothing to look at. */
export type HostOutcome = 'openclaw-not-found' | 'probe-failed' | 'sudo-password-required';

export interface HostDiagnosis {
  name: string;
  status: ConnectionStatus;
  error?: string;
  hint?: string;
  /** The worst account verdict, or a host-level outcome. */
  verdict: string;
  condition: HostCondition;
  openclaw?: {
    version: string | null;
    stateDir: string | null;
    user: string | null;
    gateway: { running: boolean; pid: number | null; managedBy: string };
  };
  accounts: AccountVerdict[];
  evidence?: Evidence;
  timings: { connectMs: number; probeMs: number };
}

export interface DiagnoseHostOptions {
  deep?: boolean;
  onStep?: (text: string) => void;
  /** Keep the connection open (for fix); the caller closes it. */
  keepOpen?: boolean;
}

/** Connect, probe, triage: one connection and one probe exec per host. */
export async function diagnoseHost(
  host: ResolvedHost,
  ctx: CommandContext,
  options: DiagnoseHostOptions = {},
): Promise<{ diagnosis: HostDiagnosis; transport?: Transport }> {
  const started = performance.now();
  // Loaded while the connection is being set up, not before: start-up stays short.
  const triageEngine = import('../triage/triage.js');
  triageEngine.catch(() => undefined);
  let connection;
  try {
    options.onStep?.('connecting…');
    connection = await openConnection(host, ctx);
  } catch (error) {
    const failure = describeFailure(error);
    return {
      diagnosis: {
        name: host.name,
        status: failure.status,
        error: failure.message,
        hint: failure.hint,
        verdict: failure.status,
        condition: failure.condition,
        accounts: [],
        timings: { connectMs: performance.now() - started, probeMs: 0 },
      },
    };
  }
  const connectMs = performance.now() - started;
  const { transport } = connection;
  try {
    options.onStep?.('probing…');
    const probeStarted = performance.now();
    const probe = await runProbe(transport, host, {
      deep: options.deep,
      onCommand: ctx.options.verbose ? (command) => ctx.stderr.write(`[${host.name}] $ ${command}\n`) : undefined,
    }).catch((error: unknown) => {
      if (error instanceof ProbeRefusedError) return error;
      throw error;
    });
    const timings = { connectMs, probeMs: performance.now() - probeStarted };
    if (probe instanceof ProbeRefusedError) return { diagnosis: refused(host, probe, timings), transport: options.keepOpen ? transport : undefined };
    const diagnosis = judge(host, probe.evidence, probe.complete, probe.exec.stderr, timings, await triageEngine);
    return { diagnosis, transport: options.keepOpen ? transport : undefined };
  } finally {
    if (!options.keepOpen) await transport.close();
  }
}

/** Forged probe output: nothing of it is believed, so nothing about the host is said but that. */
function refused(host: ResolvedHost, error: ProbeRefusedError, timings: HostDiagnosis['timings']): HostDiagnosis {
  return { name: host.name, status: 'ok', verdict: 'probe-failed', condition: 'needs-attention', accounts: [], error: `${host.name}: ${error.message}`, ...(error.hint ? { hint: error.hint } : {}), timings };
}

type TriageEngine = typeof import('../triage/triage.js');

function judge(
  host: ResolvedHost,
  evidence: Evidence,
  complete: boolean,
  stderr: string,
  timings: HostDiagnosis['timings'],
  { triage, needsAttention }: TriageEngine,
): HostDiagnosis {
  const base = {
    name: host.name,
    status: 'ok' as const,
    evidence,
    timings,
    openclaw: {
      version: evidence.openclaw.version,
      stateDir: evidence.stateDir,
      user: evidence.user,
      gateway: { running: evidence.gateway.running, pid: evidence.gateway.pid, managedBy: evidence.gateway.managedBy },
    },
  };
  if (evidence.sudoPasswordRequired) {
    return {
      ...base,
      verdict: 'sudo-password-required',
      condition: 'needs-attention',
      accounts: [],
      error: `sudo needs a password to act as ${host.openclaw.user} on ${host.name}`,
      hint: `allow "${host.user}" to run commands as "${host.openclaw.user}" without a password (sudoers NOPASSWD), or log in as ${host.openclaw.user}`,
    };
  }
  if (!complete) {
    const detail = stderr.trim().split('\n').pop() ?? '';
    const noContainer = host.openclaw.container !== undefined && detail.startsWith('clawfix: cannot inspect container');
    return {
      ...base,
      verdict: 'probe-failed',
      condition: 'needs-attention',
      accounts: [],
      error: noContainer ? `${detail.slice('clawfix: '.length)} on ${host.name}` : `the probe did not finish on ${host.name}${detail ? `: ${detail}` : ''}`,
      hint: noContainer
        ? `check openclaw.container in the hosts file against \`docker ps -a\` (or podman ps -a) on ${host.name}, and that ${host.user} may use the engine there (e.g. the docker group)`
        : 'run with --verbose to see the remote command; the host needs a POSIX sh',
    };
  }
  if (!evidence.openclaw.found && !evidence.config.present && evidence.otherStateDirs.length === 0) {
    return {
      ...base,
      verdict: 'openclaw-not-found',
      condition: 'needs-attention',
      accounts: [],
      error: `openclaw is not installed for ${evidence.user ?? host.user} on ${host.name} (no binary on PATH, npm, nvm or pnpm paths, and no state dir)`,
      hint: 'set openclaw.user / openclaw.stateDir / openclaw.container in the hosts file if it runs as another user or in a container',
    };
  }
  const result = triage(evidence, { now: new Date(evidence.collectedAt) });
  return {
    ...base,
    verdict: result.hostVerdict,
    condition: result.accounts.some((a) => needsAttention(a.verdict)) ? 'needs-attention' : 'ok',
    accounts: result.accounts,
  };
}
