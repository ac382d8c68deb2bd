/**
 * Every remedy ends here: the gateway must report the account running and connected within a
 * bounded wait. `openclaw channels status --json` is polled; the gateway is restarted once half way
 * when asked (it may need to pick up new credentials after a link).
 *
 * "Linked and running, but the host cannot reach WhatsApp" (DNS, routes) is an outcome of its own
 * when the caller accepts it: the remedy did its part and waiting longer changes nothing; after a
 * link, rolling the new credentials back would only bring the old, logged-out ones back. What is
 * left is the host's network, which the recap names (exit 4).
 */
import { parseChannelsStatus, type AccountStatus } from '../triage/status-parse.js';
import { channelsStatus, gatewayCommands } from './commands.js';
import { StepFailed, type RemoteHost } from './remote.js';

export interface VerifyOptions {
  timeoutMs?: number;
  /** Return `offline` instead of failing when the account is linked and running but WhatsApp is out of reach. */
  acceptOffline?: boolean;
  intervalMs?: number;
  restartOnce?: boolean;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export const VERIFY_TIMEOUT_MS = 90_000;

export type AccountState = { ok: true; status: AccountStatus } | { ok: false; reason: string; offline?: string };

export type VerifyResult = { connected: true; note: string } | { connected: false; note: string; offline: string };

/** A failed connection attempt that says the host cannot reach WhatsApp at all (not a WhatsApp answer). */
const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNREFUSED|ETIMEDOUT|getaddrinfo/;

/** How many polls in a row must say "linked, running, network error" before it is the outcome. */
const OFFLINE_POLLS = 2;

/** Reads one `channels status --json` document for the account. */
export function accountState(stdout: string, account: string): AccountState {
  const start = stdout.indexOf('{');
  const end = stdout.lastIndexOf('}');
  if (start === -1 || end <= start) return { ok: false, reason: 'no status from the gateway' };
  let doc: unknown;
  try {
    doc = JSON.parse(stdout.slice(start, end + 1));
  } catch {
    return { ok: false, reason: 'unreadable status from the gateway' };
  }
  const summary = parseChannelsStatus(doc);
  if (summary.gatewayReachable === false) return { ok: false, reason: 'gateway not reachable' };
  const status = summary.accounts.find((a) => a.account === account);
  if (!status) return { ok: false, reason: `account ${account} not in the gateway's status` };
  if (status.running === true && status.connected === true) return { ok: true, status };
  const error = status.lastDisconnect?.error ?? status.lastError ?? '';
  const offline = status.linked === true && status.running === true && NETWORK_ERROR.test(error) ? error : undefined;
  const parts = [status.linked === false ? 'not linked' : null, status.running ? 'running' : 'not running', status.connected ? 'connected' : 'not connected', status.healthState ? `health ${status.healthState}` : null];
  return { ok: false, reason: parts.filter(Boolean).join(', '), ...(offline ? { offline } : {}) };
}

export async function verifyConnected(remote: RemoteHost, options: VerifyOptions = {}): Promise<VerifyResult> {
  const t = remote.target;
  const timeoutMs = options.timeoutMs ?? VERIFY_TIMEOUT_MS;
  const interval = options.intervalMs ?? 2000;
  const deadline = Date.now() + timeoutMs;
  let restarted = !options.restartOnce;
  let last = 'no answer yet';
  let offlinePolls = 0;
  for (;;) {
    if (options.signal?.aborted) throw new StepFailed('interrupted while verifying');
    const result = await remote.run(channelsStatus(t, 5000), options.signal ? { signal: options.signal } : {});
    const state = accountState(result.stdout, t.account);
    if (state.ok) return { connected: true, note: `account ${t.account} running and connected` };
    offlinePolls = state.offline ? offlinePolls + 1 : 0;
    if (options.acceptOffline && state.offline && offlinePolls >= OFFLINE_POLLS) {
      const why = remote.clean(state.offline).slice(0, 200);
      return { connected: false, offline: why, note: `account ${t.account} linked and running (the gateway says so); not connected: the host cannot reach WhatsApp (${why})` };
    }
    if (state.reason !== last) options.onLine?.(`status: ${state.reason}`);
    last = state.reason;
    if (Date.now() >= deadline) break;
    if (!restarted && Date.now() >= deadline - timeoutMs / 2) {
      restarted = true;
      options.onLine?.('not connected yet: restarting the gateway once so it picks up the new credentials');
      for (const command of gatewayCommands(t, 'restart')) await remote.ok(command, 'restarting the gateway', options.onLine ? { onLine: options.onLine } : {});
      continue;
    }
    await sleep(interval, options.signal);
  }
  throw new StepFailed(`account ${t.account} on ${t.host.name} is not running and connected after ${Math.round(timeoutMs / 1000)} s (${last})`);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
