import type { ResolvedHost } from '../inventory/types.js';
import { inContainer } from '../container.js';
import { sh, type ShellFragment } from '../shell.js';
import type { Evidence } from '../triage/evidence.js';
import type { ExecResult, Transport } from '../transport/types.js';
import { probeNonce, splitSections, type ProbeSections } from './parse.js';
import { PROBE_SCRIPT } from './script.js';
import { NUMBER_HASH_KEY, toEvidence } from './evidence.js';

export interface ProbeOptions {
  deep?: boolean;
  timeoutMs?: number;
  /** Told each remote command before it runs (--verbose). */
  onCommand?: (command: string) => void;
}

export interface ProbeResult {
  evidence: Evidence;
  exec: ExecResult;
  complete: boolean;
  sections: ProbeSections;
}

/** Largest probe output kept: log tails are capped on the host, this guards against a broken host. */
const MAX_PROBE_OUTPUT = 4 * 1024 * 1024;

/**
 * The command that runs the probe as the right user: the script arrives on stdin, its parameters as
 * quoted variables, so nothing from the hosts file is ever parsed as shell syntax on the host.
 */
export function probeCommand(host: ResolvedHost, sshUser: string, options: ProbeOptions = {}): string {
  const params = sh`CF_STATE_DIR=${host.openclaw.stateDir ?? ''} CF_PROFILE=${host.openclaw.profile ?? ''} CF_DEEP=${options.deep ? '1' : '0'}`;
  return asServiceUser(host, sshUser, sh`env ${params} sh -s`).text;
}

/** Wraps a command so it runs as OpenClaw's user (sudo -n: never a password prompt) or in its container. */
export function asServiceUser(host: ResolvedHost, sshUser: string, command: ShellFragment): ShellFragment {
  const { container, user } = host.openclaw;
  if (container) return inContainer(container, command);
  if (user && user !== sshUser) return sh`sudo -n -H -u ${user} -- sh -c ${command.text}`;
  return command;
}

/**
 * One exec, one round trip. Throws ProbeRefusedError when the output holds delimiters that are not
 * this run's (see parse.ts).
 */
export async function runProbe(transport: Transport, host: ResolvedHost, options: ProbeOptions = {}): Promise<ProbeResult> {
  const command = probeCommand(host, host.user, options);
  options.onCommand?.(`${command}  < probe.sh (${PROBE_SCRIPT.length} bytes on stdin)`);
  const nonce = probeNonce();
  const exec = await transport.exec(command, {
    // The number-hash key and the delimiters' nonce travel on stdin, in front of the script, so no
    // process list shows them; the nonce is not exported, so nothing the probe runs inherits it.
    stdin: `CF_HASH_KEY=${NUMBER_HASH_KEY}; export CF_HASH_KEY; CF_NONCE=${nonce}\n${PROBE_SCRIPT}`,
    timeoutMs: options.timeoutMs ?? 60_000,
    maxOutputBytes: MAX_PROBE_OUTPUT,
  });
  const sections = splitSections(exec.stdout, nonce);
  return { evidence: toEvidence(sections, exec.stderr), exec, complete: sections.complete, sections };
}
