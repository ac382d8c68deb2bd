// The same phone number on other hosts: the probe's hash of the own number (never the number), the
// fallback from `channels status`, and the plan lines naming the hosts that use it too.
import { createHash, createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsWithNumber, otherHostNotes, parseOwnNumber } from '../../src/fix/conflict.js';
import { planFix } from '../../src/fix/plan.js';
import { renderPlan } from '../../src/fix/report.js';
import { sectionsOf } from '../helpers/probe-output.js';
import { NUMBER_HASH_KEY, numberHash, statusSelfE164, toEvidence } from '../../src/probe/evidence.js';
import { runProbe } from '../../src/probe/run.js';
import { evidenceSchema } from '../../src/triage/evidence.js';
import { LocalTransport } from '../../src/transport/local.js';
import { diagnosisFor, HOST } from '../fixtures/fix/diagnosis.js';

const SELF = createHmac('sha256', NUMBER_HASH_KEY).update('447700900123').digest('hex');

describe('numberHash: one hash per number, whatever its spelling', () => {
  it('E.164, spaced, bare digits and a phone JID with a device give the same SHA-256 of the digits', () => {
    for (const text of ['+447700900123', '+44 7700 900123', '447700900123', '447700900123:12@s.whatsapp.net', '447700900123@c.us']) {
      expect(numberHash(text), text).toBe(SELF);
    }
    expect(numberHash('+447700900321')).not.toBe(SELF);
    // Keyed: a plain SHA-256 of every possible number would reveal it.
    expect(SELF).not.toBe(createHash('sha256').update('447700900123').digest('hex'));
  });
  it('a LID, a group or text that is not a number gives no hash', () => {
    for (const text of ['123456789012345:12@lid', '120363041234567890@g.us', 'unknown', '', '+0044']) expect(numberHash(text), text).toBeNull();
  });
});

describe('statusSelfE164: the number from `channels status --json` when creds.json does not tell', () => {
  const doc = {
    channels: { whatsapp: { self: { e164: '+447700900123', jid: null, lid: null } } },
    channelAccounts: { whatsapp: [{ accountId: 'work', self: { e164: '+447700900321' } }, { accountId: 'idle', self: { e164: null } }] },
    channelDefaultAccountId: { whatsapp: 'default' },
  };
  it('the account entry first, the channel summary for the default account only', () => {
    expect(statusSelfE164(doc, 'work')).toBe('+447700900321');
    expect(statusSelfE164(doc, 'default')).toBe('+447700900123');
    expect(statusSelfE164(doc, 'idle')).toBeNull();
    expect(statusSelfE164(null, 'default')).toBeNull();
  });
  it('toEvidence takes the hash from the probe, else from the status; the schema accepts both', () => {
    const files = { config: { valid: true, whatsapp: true }, legacyCreds: false, plugin: null, accounts: [
      { account: 'default', creds: { present: true, valid: true }, backup: { present: false }, selfHash: null },
      { account: 'work', creds: { present: true, valid: true }, backup: { present: false }, selfHash: 'a'.repeat(64) },
    ] };
    const evidence = toEvidence(sectionsOf([['files', JSON.stringify(files)], ['channels-status', JSON.stringify(doc)]]));
    expect(evidence.credentials['default']?.selfHash).toBe(SELF);
    expect(evidence.credentials['work']?.selfHash).toBe('a'.repeat(64));
    expect(evidenceSchema.safeParse(evidence).success).toBe(true);
    expect(evidenceSchema.safeParse({ ...evidence, credentials: { default: { ...evidence.credentials['default'], selfHash: '447700900123' } } }).success).toBe(false);
  });
});

describe('the probe on a fake OpenClaw state dir', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'clawfix-conflict-'));
    const prefix = join(root, 'prefix');
    execFileSync('bash', [resolve('docker/openclaw/install.sh'), prefix], { stdio: 'pipe' });
    execFileSync(process.execPath, [resolve('docker/openclaw/scenario.mjs'), 'multi-account', '--home', join(root, 'home'), '--log-file', join(root, 'oc.log'), '--no-gateway', '--prefix', prefix], { stdio: 'pipe' });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reports a hash of each account\'s number from creds.me.id, and the number nowhere in its files section', async () => {
    // CF_ROOT: a root of the probe's own, not this machine's /home or /tmp (src/probe/script.ts)
    const transport = new LocalTransport({ env: { ...process.env, HOME: join(root, 'home'), PATH: `${join(root, 'prefix/bin')}:/usr/bin:/bin`, CF_ROOT: join(root, 'sys') } });
    const probe = await runProbe(transport, { ...HOST, user: 'nobody' });
    expect(probe.complete, probe.exec.stderr).toBe(true);
    expect(probe.evidence.credentials['default']?.selfHash).toBe(SELF);
    expect(probe.evidence.credentials['work']?.selfHash).toBe(numberHash('+447700900321'));
    const files = probe.sections.raw.get('files') ?? '';
    expect(files).toContain('"selfHash"');
    expect(files).not.toMatch(/447700900(123|321)/);
  });
});

describe('other hosts with the same number', () => {
  const withHash = (name: string, hashes: Record<string, string>) => {
    const d = diagnosisFor({ verdict: 'conflict' });
    d.name = name;
    d.evidence!.credentials = Object.fromEntries(Object.entries(hashes).map(([account, selfHash]) => [account, { ...d.evidence!.credentials['default']!, selfHash }]));
    d.accounts = Object.keys(hashes).map((account) => ({ ...d.accounts[0]!, account }));
    return d;
  };

  it('names the hosts and accounts whose hash matches, says which hosts could not be checked, and no others', () => {
    const same = withHash('vps2', { default: SELF });
    const other = withHash('vps3', { default: numberHash('+447700900321')! });
    const down = { ...diagnosisFor({ verdict: 'conflict' }), name: 'vps4', status: 'unreachable' as const, error: 'connect ETIMEDOUT', evidence: undefined, accounts: [] };
    expect(accountsWithNumber(same, SELF)).toEqual(['default']);
    expect(accountsWithNumber(other, SELF)).toEqual([]);
    expect(otherHostNotes([same, other, down], SELF, '+44••••••0123')).toEqual([
      'another host in the hosts file with the same number (+44••••••0123): vps2 (account default: conflict)',
      '(could not check vps4 for the same number: connect ETIMEDOUT)',
    ]);
  });

  it('the conflict plan lists them among the other instances; the number is read from the survey', () => {
    expect(parseOwnNumber('number=447700900123\nprocess=1 claw openclaw-gateway\n')).toBe('447700900123');
    expect(parseOwnNumber('number=\n')).toBeNull();
    const notes = otherHostNotes([withHash('vps2', { default: SELF, work: SELF })], SELF, '+44••••••0123');
    const plan = planFix(diagnosisFor({ verdict: 'conflict' }), { host: HOST, otherInstances: notes });
    expect(plan.kind).toBe('explain');
    expect(renderPlan(plan)).toContain('Other instances found:\n    - another host in the hosts file with the same number (+44••••••0123): vps2 (account default: conflict, account work: conflict)');
  });
});
