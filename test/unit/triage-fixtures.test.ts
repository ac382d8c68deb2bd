/**
 * One loop over test/fixtures/triage/<verdict>/<case>.{log,json}: each case is an input plus the
 * verdict its folder names (see the README there for the case format).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/triage/evidence.js';
import { triage, triageText, type AccountVerdict } from '../../src/triage/triage.js';
import { VERDICT_IDS, type VerdictId } from '../../src/triage/verdicts.js';

const ROOT = fileURLToPath(new URL('../fixtures/triage/', import.meta.url));

interface Expect {
  account?: string;
  accounts?: Record<string, VerdictId>;
  destructive?: boolean;
  since?: string | null;
  summaryIncludes?: string;
  summaryExcludes?: string;
  commandsInclude?: string;
  evidenceIncludes?: string;
}

interface JsonCase {
  description: string;
  now?: string;
  evidence?: Record<string, unknown>;
  text?: { log?: string | string[]; status?: string | object; openclawVersion?: string };
  expect?: Expect;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge, everything else (arrays, null, scalars) and an empty object `{}` replaces. */
function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) && Object.keys(v).length > 0 ? merge(b, v) : v;
  }
  return out;
}

const baseEvidence = JSON.parse(readFileSync(join(ROOT, '_base-evidence.json'), 'utf8')) as Json;

interface Outcome {
  verdict: VerdictId;
  main: AccountVerdict;
  all: AccountVerdict[];
}

function runLogCase(path: string): { outcome: Outcome; expect: Expect } {
  const lines = readFileSync(path, 'utf8').split('\n');
  const header: Record<string, string> = {};
  while (lines[0]?.startsWith('#! ')) {
    const [key = '', ...rest] = (lines.shift() ?? '').slice(3).split(':');
    header[key.trim()] = rest.join(':').trim();
  }
  const main = triageText(
    { log: lines.join('\n'), openclawVersion: header['version'] ?? null, ...(header['account'] ? { account: header['account'] } : {}) },
    header['now'] ? { now: header['now'] } : {},
  );
  return { outcome: { verdict: main.verdict, main, all: [main] }, expect: {} };
}

function runJsonCase(path: string): { outcome: Outcome; expect: Expect } {
  const c = JSON.parse(readFileSync(path, 'utf8')) as JsonCase;
  const opts = c.now ? { now: c.now } : {};
  if (c.evidence) {
    const evidence = merge(baseEvidence, c.evidence) as unknown as Evidence;
    const result = triage(evidence, opts);
    const main = result.accounts.find((a) => a.account === (c.expect?.account ?? a.account));
    if (!main) throw new Error(`${path}: no account verdict`);
    const worst = result.accounts.find((a) => a.verdict === result.hostVerdict) ?? main;
    return { outcome: { verdict: result.hostVerdict, main: c.expect?.account ? main : worst, all: result.accounts }, expect: c.expect ?? {} };
  }
  const text = c.text ?? {};
  const main = triageText(
    {
      log: Array.isArray(text.log) ? text.log.join('\n') : text.log,
      status: text.status ?? null,
      openclawVersion: text.openclawVersion ?? null,
    },
    opts,
  );
  return { outcome: { verdict: main.verdict, main, all: [main] }, expect: c.expect ?? {} };
}

const folders = readdirSync(ROOT).filter((name) => statSync(join(ROOT, name)).isDirectory());

describe('triage fixtures', () => {
  it('has only verdict-named folders, and every verdict at least twice', () => {
    for (const folder of folders) expect(VERDICT_IDS).toContain(folder);
    for (const verdict of VERDICT_IDS) {
      const cases = folders.includes(verdict) ? readdirSync(join(ROOT, verdict)) : [];
      expect(cases.length, `${verdict} has ${cases.length} case(s)`).toBeGreaterThanOrEqual(2);
    }
  });

  for (const folder of folders) {
    describe(folder, () => {
      for (const file of readdirSync(join(ROOT, folder)).sort()) {
        const path = join(ROOT, folder, file);
        it(file, () => {
          const { outcome, expect: want } = file.endsWith('.log') ? runLogCase(path) : runJsonCase(path);
          const { main } = outcome;
          const context = `${folder}/${file}: ${JSON.stringify(main, null, 2)}`;
          expect(outcome.verdict, context).toBe(folder);
          if (want.account) expect(main.account, context).toBe(want.account);
          for (const [account, verdict] of Object.entries(want.accounts ?? {})) {
            expect(outcome.all.find((a) => a.account === account)?.verdict, context).toBe(verdict);
          }
          if (want.destructive !== undefined) expect(main.remedy.destructive, context).toBe(want.destructive);
          if (want.since !== undefined) expect(main.since, context).toBe(want.since);
          if (want.summaryIncludes) expect(main.summary, context).toContain(want.summaryIncludes);
          if (want.summaryExcludes) expect(main.summary, context).not.toContain(want.summaryExcludes);
          if (want.commandsInclude) expect(main.remedy.commands.join('\n'), context).toContain(want.commandsInclude);
          if (want.evidenceIncludes) expect(main.evidence.map((e) => e.text).join('\n'), context).toContain(want.evidenceIncludes);
          // invariants that hold for every case
          expect(main.evidence.length).toBeLessThanOrEqual(12);
          if (main.verdict === 'unknown' || main.verdict === 'healthy' || main.verdict === 'transient-reconnect') {
            expect(main.remedy.destructive).toBe(false);
          }
          for (const command of main.remedy.commands) expect(command, context).not.toMatch(/<(?:account|start-gateway|restart-gateway|stateDir)>/);
        });
      }
    });
  }
});
