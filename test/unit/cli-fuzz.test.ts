// "No user input ever yields exit 1" (issue 12): the offline commands (hosts, triage) and the global
// numeric options, run in-process with arbitrary arguments, end in 0, 2 or 4, never in an internal
// error with a stack.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noStack, runMain } from '../fixtures/run-cli.js';

const RUNS = Number(process.env.CLAWFIX_CLI_FUZZ_RUNS) || 3000;
const dir = mkdtempSync(join(tmpdir(), 'clawfix-cli-fuzz-'));
const hosts = join(dir, 'hosts.yaml');
writeFileSync(hosts, 'hosts:\n  - name: web-1\n    tags: [prod]\n  - name: db.1\n');
const log = join(dir, 'gateway.log');
writeFileSync(log, '2026-11-26T10:00:00Z [channels/whatsapp] WhatsApp session logged out.\n');

const word = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('[z-a]', '[', '*', '@', '@prod', '..', '-', '--', '-1', '0', '1e9', '3000000', 'NaN', '\u001b[2J', '$(id)'));

const argv = fc.oneof(
  word.map((w) => ['--hosts', hosts, 'hosts', '--', w]),
  fc.array(word, { maxLength: 3 }).map((ws) => ['--hosts', hosts, 'hosts', '--json', '--', ...ws]),
  word.map((w) => ['--hosts', hosts, '--connect-timeout', w, 'hosts']),
  word.map((w) => ['--hosts', hosts, '--concurrency', w, 'hosts']),
  word.map((w) => ['triage', '--log', log, '--json', '--openclaw-version', w]),
  // (not `-`: that reads stdin, which a test runner holds open)
  word.filter((w) => w !== '-').map((w) => ['triage', '--status', log, '--log', w]),
);

describe('command line, fuzzed', () => {
  it(`never exits 1 on user input (${RUNS} runs)`, async () => {
    const codes = new Map<number, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const r = await runMain(args);
        codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
        expect([0, 2, 4], `${JSON.stringify(args)} → ${r.code}: ${r.stderr}`).toContain(r.code);
        expect(noStack(r.stderr)).toBe(true);
      }),
      { numRuns: RUNS },
    );
    console.log(`command-line fuzz: ${RUNS} runs in ${((performance.now() - started) / 1000).toFixed(1)} s, exit codes ${JSON.stringify(Object.fromEntries(codes))}`);
  }, 300_000);
});
