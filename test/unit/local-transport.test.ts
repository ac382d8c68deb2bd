import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/transport/local.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'clawfix-local-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('LocalTransport', () => {
  const local = new LocalTransport();

  it('has the same result shape and never throws on failure', async () => {
    expect(await local.exec('echo out; echo err >&2; exit 4')).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 4, signal: null, timedOut: false, truncated: false });
    expect((await local.exec('cat', { stdin: 'in' })).stdout).toBe('in');
  });

  it('kills the whole command on timeout and bounds output', async () => {
    const marker = join(home, 'local-marker');
    const started = Date.now();
    const result = await local.exec(`(sleep 1; touch ${marker}) & sleep 5`, { timeoutMs: 200 });
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 1200));
    await expect(stat(marker)).rejects.toThrow();
    const big = await local.exec("head -c 5000 /dev/zero | tr '\\0' b", { maxOutputBytes: 10 });
    expect(big).toMatchObject({ stdout: 'b'.repeat(10), truncated: true, exitCode: 0 });
  });
});
