import { setMaxListeners } from 'node:events';

/**
 * Runs one task per host, all in parallel under a concurrency limit. One host's failure never stops
 * the others: every host ends with an outcome, like Fabric's GroupResult. Aborting (Ctrl-C) stops
 * starting new hosts and signals running tasks; unfinished hosts are reported as interrupted.
 */

export type Outcome<T> =
  | { status: 'ok'; value: T; durationMs: number }
  | { status: 'failed'; error: unknown; durationMs: number }
  | { status: 'interrupted'; durationMs: number };

export interface FleetEvents<H> {
  onStart?(host: H): void;
  onDone?(host: H, outcome: Outcome<unknown>): void;
}

export interface FleetOptions<H> extends FleetEvents<H> {
  concurrency: number;
  signal?: AbortSignal;
}

export async function runFleet<H extends { name: string }, T>(
  hosts: readonly H[],
  task: (host: H, signal: AbortSignal) => Promise<T>,
  options: FleetOptions<H>,
): Promise<Map<string, Outcome<T>>> {
  const outcomes = new Map<string, Outcome<T>>();
  const controller = new AbortController();
  // Every running host listens for the abort: hundreds of listeners here are expected, not a leak.
  setMaxListeners(0, controller.signal);
  const abort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener('abort', abort, { once: true });

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hosts.length) {
      const host = hosts[next++]!;
      if (controller.signal.aborted) {
        outcomes.set(host.name, { status: 'interrupted', durationMs: 0 });
        continue;
      }
      options.onStart?.(host);
      const started = performance.now();
      let outcome: Outcome<T>;
      try {
        const value = await abortable(task(host, controller.signal), controller.signal);
        outcome = { status: 'ok', value, durationMs: performance.now() - started };
      } catch (error) {
        const durationMs = performance.now() - started;
        outcome = controller.signal.aborted ? { status: 'interrupted', durationMs } : { status: 'failed', error, durationMs };
      }
      outcomes.set(host.name, outcome);
      options.onDone?.(host, outcome);
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, hosts.length)) }, worker);
  try {
    await Promise.all(workers);
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  // Keep the hosts file's order, whatever order the hosts finished in.
  return new Map(hosts.map((host) => [host.name, outcomes.get(host.name)!]));
}

class Interrupted extends Error {}

/** Settles as soon as the signal fires, so a task stuck on the network cannot hold up Ctrl-C. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
