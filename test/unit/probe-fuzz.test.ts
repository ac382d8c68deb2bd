/**
 * Property-based fuzz of the probe output parser (issue 12): whatever a host prints, splitSections
 * either parses it or refuses it with a ProbeRefusedError, toEvidence never throws, every name it
 * keeps passes its schema, and nothing printed from it carries a control character.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toEvidence } from '../../src/probe/evidence.js';
import { hostPathSchema, isAccountId, systemdUnitSchema } from '../../src/probe/names.js';
import { ProbeRefusedError, splitSections } from '../../src/probe/parse.js';
import { printable } from '../../src/ui/printable.js';
import { TEST_NONCE } from '../helpers/probe-output.js';

const RUNS = 10_000;
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;
const SECTIONS = ['id', 'gateway', 'statedir', 'candidates', 'openclaw', 'files', 'service', 'channels-status', 'log /tmp/openclaw/openclaw.log', 'end'];
const KEYS = ['user', 'now', 'path', 'owner', 'process', 'env.42.HOME', 'env.42.pm_id', 'env.42.name', 'bin', 'version', 'port', 'listening', 'user-unit', 'system-unit', 'container', 'pm2-app', 'linger', 'tz'];

/** Text a hostile host would print: controls, escapes, separators, JSON, digits. */
const nasty = fc.string({ maxLength: 40, unit: 'binary' });
const noisy = fc.oneof(
  nasty,
  fc.constantFrom('\x1b]52;c;ZXZpbA==\x07', '\x1b[2J', '\x9b1m', '\x1b]0;t\x1b\\', '\u202e', '+447700900123', '\\u001b', '\t', '../..', '; reboot'),
);
const value = fc.array(noisy, { maxLength: 4 }).map((parts) => parts.join(''));
const line = fc.oneof(
  fc.tuple(fc.constantFrom(...KEYS), value).map(([k, v]) => `${k}=${v}`),
  value,
  fc.constantFrom(...SECTIONS).map((name) => `@@${TEST_NONCE} ${name}`),
  fc.constantFrom(...SECTIONS).map((name) => `@@${name}`),
  fc.tuple(fc.stringMatching(/^[0-9a-f]{32}$/), fc.constantFrom(...SECTIONS)).map(([n, name]) => `@@${n} ${name}`),
  fc.constant(`@@clawfix-probe 2 ${TEST_NONCE}`),
  fc.jsonValue().map((j) => JSON.stringify({ config: { valid: true, whatsapp: true, accounts: [j] }, accounts: [{ account: j, creds: j, backup: j }], plugin: j, gatewayLock: j })),
);
const output = fc
  .tuple(fc.boolean(), fc.array(line, { maxLength: 30 }), fc.boolean())
  .map(([header, lines, newline]) => `${header ? `@@clawfix-probe 2 ${TEST_NONCE}\n` : ''}${lines.join('\n')}${newline ? '\n' : ''}`);

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

describe('the probe output parser under fuzzing', () => {
  it(`never throws but a refusal, keeps only valid names, prints nothing with a control character (${RUNS} runs)`, () => {
    let refused = 0;
    let parsed = 0;
    fc.assert(
      fc.property(output, (text) => {
        let sections;
        try {
          sections = splitSections(text, TEST_NONCE);
        } catch (error) {
          expect(error).toBeInstanceOf(ProbeRefusedError);
          expect(printable((error as Error).message)).toBe((error as Error).message.replace(/[\r\n\t]+/g, ' '));
          refused++;
          return;
        }
        parsed++;
        const evidence = toEvidence(sections);
        for (const id of [...evidence.config.accountIds, ...Object.keys(evidence.credentials)]) expect(isAccountId(id)).toBe(true);
        for (const path of [evidence.stateDir, evidence.openclaw.path, evidence.gateway.stateDir]) if (path !== null) expect(hostPathSchema.safeParse(path).success).toBe(true);
        const unit = evidence.gateway.serviceName;
        if (unit !== null && evidence.gateway.managedBy.startsWith('systemd')) expect(systemdUnitSchema.safeParse(unit).success).toBe(true);
        for (const s of strings(evidence)) expect(printable(s)).not.toMatch(CONTROL);
      }),
      { numRuns: RUNS },
    );
    // both outcomes were exercised, not one of them only
    expect(refused).toBeGreaterThan(RUNS / 20);
    expect(parsed).toBeGreaterThan(RUNS / 20);
  });
});
