import { describe, expect, it } from 'vitest';
import { fleetExitCode } from '../../src/fleet/exit-code.js';
import { runFleet } from '../../src/fleet/run.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fleet exit code', () => {
  it('puts a changed host key before unreachable hosts before hosts needing attention', () => {
    expect(fleetExitCode([])).toBe(0);
    expect(fleetExitCode(['ok', 'ok'])).toBe(0);
    expect(fleetExitCode(['ok', 'needs-attention'])).toBe(4);
    expect(fleetExitCode(['needs-attention', 'unreachable'])).toBe(3);
    expect(fleetExitCode(['unreachable', 'host-key-changed', 'needs-attention'])).toBe(5);
    expect(fleetExitCode(['host-key-changed', 'interrupted'])).toBe(130);
  });
});

describe('runFleet', () => {
  const hosts = Array.from({ length: 10 }, (_, i) => ({ name: `h${i}` }));

  it('never runs more than the concurrency limit at once, and keeps the file order', async () => {
    let running = 0;
    let peak = 0;
    const outcomes = await runFleet(
      hosts,
      async (host) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(Number(host.name.slice(1)) % 3 === 0 ? 20 : 5);
        running--;
        return host.name.toUpperCase();
      },
      { concurrency: 3 },
    );
    expect(peak).toBe(3);
    expect([...outcomes.keys()]).toEqual(hosts.map((h) => h.name));
    expect([...outcomes.values()].map((o) => (o.status === 'ok' ? o.value : o.status))).toEqual(hosts.map((h) => h.name.toUpperCase()));
  });

  it('keeps going when one host fails', async () => {
    const outcomes = await runFleet(
      hosts.slice(0, 3),
      async (host) => {
        if (host.name === 'h1') throw new Error('boom');
        return 1;
      },
      { concurrency: 1 },
    );
    expect(outcomes.get('h0')?.status).toBe('ok');
    expect(outcomes.get('h1')).toMatchObject({ status: 'failed', error: new Error('boom') });
    expect(outcomes.get('h2')?.status).toBe('ok');
  });

  it('stops at an abort: running tasks end as interrupted and the rest never start', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const run = runFleet(
      hosts,
      async (host) => {
        started.push(host.name);
        await sleep(10_000);
      },
      { concurrency: 2, signal: controller.signal },
    );
    await sleep(20);
    controller.abort();
    const outcomes = await run;
    expect(started).toEqual(['h0', 'h1']);
    expect([...outcomes.values()].every((o) => o.status === 'interrupted')).toBe(true);
  });
});
