import { describe, expect, it } from 'vitest';
import type { HostDiagnosis } from '../../src/diagnose/host.js';
import { gatewayCommands, controlCommand, stopProcess } from '../../src/fix/commands.js';
import { planFix, type Plan, type StepId } from '../../src/fix/plan.js';
import { fixTarget } from '../../src/fix/target.js';
import type { ResolvedHost } from '../../src/inventory/types.js';
import { renderRemedy } from '../../src/triage/explain.js';
import { ruleFor } from '../../src/triage/rules.js';
import type { GatewayManager } from '../../src/triage/evidence.js';
import { VERDICT_IDS } from '../../src/triage/verdicts.js';
import { diagnosisFor, HOST } from '../fixtures/fix/diagnosis.js';

const ids = (plan: Plan): StepId[] => plan.steps.map((s) => s.id);
const active = (plan: Plan): StepId[] => plan.steps.filter((s) => !s.skip).map((s) => s.id);

describe('planFix: one plan per verdict', () => {
  it.each(['healthy', 'transient-reconnect', 'whatsapp-not-configured'] as const)('%s: nothing to do, and says so', (verdict) => {
    const plan = planFix(diagnosisFor({ verdict }), { host: HOST });
    expect(plan.kind).toBe('nothing');
    expect(plan.steps).toEqual([]);
    expect(plan.notes.join(' ')).toMatch(/Nothing|reconnects by itself/);
  });

  it.each(['monitor-stopped', 'restart-required'] as const)('%s: restart the gateway, then verify', (verdict) => {
    const plan = planFix(diagnosisFor({ verdict }), { host: HOST });
    expect(plan.kind).toBe('repair');
    expect(ids(plan)).toEqual(['restart-gateway', 'verify']);
    expect(plan.steps.some((s) => s.destructive)).toBe(false);
  });

  it('gateway-not-running: start, verify', () => {
    const plan = planFix(diagnosisFor({ verdict: 'gateway-not-running', running: false }), { host: HOST });
    expect(ids(plan)).toEqual(['start-gateway', 'verify']);
    expect(plan.steps[0]!.commands[0]).toContain('nohup openclaw gateway run >/dev/null 2>$(mktemp) &');
  });

  it('gateway-dies-on-logout: linger, then start, then verify', () => {
    const plan = planFix(diagnosisFor({ verdict: 'gateway-dies-on-logout', running: false, manager: 'systemd-user', serviceName: 'openclaw-gateway.service' }), { host: HOST });
    expect(ids(plan)).toEqual(['enable-linger', 'start-gateway', 'verify']);
    expect(plan.steps[0]!.commands).toEqual(['loginctl enable-linger -- claw']);
    expect(plan.steps[1]!.commands[0]).toMatch(/^systemctl --user start openclaw-gateway\.service/);
  });

  it('plugin-missing: doctor --fix, restart (or start), verify', () => {
    expect(ids(planFix(diagnosisFor({ verdict: 'plugin-missing' }), { host: HOST }))).toEqual(['repair-plugin', 'restart-gateway', 'verify']);
    expect(ids(planFix(diagnosisFor({ verdict: 'plugin-missing', running: false }), { host: HOST }))).toEqual(['repair-plugin', 'start-gateway', 'verify']);
  });

  it.each(['logged-out', 'creds-corrupt'] as const)('%s: backup → stop → quarantine → start → login → verify; only the move is destructive', (verdict) => {
    const plan = planFix(diagnosisFor({ verdict }), { host: HOST });
    expect(plan.kind).toBe('relink');
    expect(ids(plan)).toEqual(['backup', 'stop-gateway', 'quarantine', 'start-gateway', 'login', 'verify']);
    expect(plan.steps.filter((s) => s.destructive).map((s) => s.id)).toEqual(['quarantine']);
    expect(plan.steps[2]!.commands[0]).toMatch(/^mv \/home\/claw\/\.openclaw\/credentials\/whatsapp\/default\/ \/home\/claw\/\.openclaw\/\.clawfix\/quarantine\//);
    expect(plan.forcedRelink).toBe(false);
  });

  it('relink with a stopped gateway: the stop is shown as skipped, with its reason', () => {
    const plan = planFix(diagnosisFor({ verdict: 'logged-out', running: false }), { host: HOST });
    expect(plan.steps[1]).toMatchObject({ id: 'stop-gateway', skip: 'the gateway is not running' });
    expect(active(plan)).toEqual(['backup', 'quarantine', 'start-gateway', 'login', 'verify']);
  });

  it('backup: openclaw backup on recent versions, a checked tar before 2026.3.8; --no-download keeps it on the host', () => {
    const recent = planFix(diagnosisFor({ verdict: 'logged-out' }), { host: HOST });
    expect(recent.backupTool).toBe('openclaw');
    expect(recent.steps[0]!.commands.join('\n')).toContain('openclaw backup create --verify');
    const old = planFix(diagnosisFor({ verdict: 'logged-out', version: '2026.3.2' }), { host: HOST, download: false });
    expect(old.backupTool).toBe('tar');
    expect(old.steps[0]!.commands.join('\n')).toMatch(/tar czf[\s\S]*tar tzf[\s\S]*--no-download/);
  });

  it('backup: the output is the backup dir outside the state dir, as resolved on the host when known', () => {
    const shown = (plan: ReturnType<typeof planFix>) => plan.steps[0]!.commands.join('\n');
    const guessed = shown(planFix(diagnosisFor({ verdict: 'logged-out' }), { host: HOST }));
    expect(guessed).toMatch(/--output ~claw\/\.local\/state\/clawfix\/backups\/openclaw-[0-9a-f]{8}\/ {2}\(\$XDG_STATE_HOME\/clawfix\/backups\/… where that is set\)/);
    const resolved = shown(planFix(diagnosisFor({ verdict: 'logged-out' }), { host: HOST, backupDir: '/home/claw/.local/state/clawfix/backups/openclaw-0123abcd' }));
    expect(resolved).toContain('openclaw backup create --verify --json --output /home/claw/.local/state/clawfix/backups/openclaw-0123abcd/\n');
    const tar = shown(planFix(diagnosisFor({ verdict: 'logged-out', version: '2026.3.2' }), { host: HOST, backupDir: '/b' }));
    expect(tar).toContain('tar czf /b/<time>-clawfix-backup.tar.gz --exclude=.clawfix /home/claw/.openclaw');
    for (const text of [guessed, resolved, tar]) expect(text).not.toMatch(/\.openclaw\/\.clawfix\/backups/);
  });

  it.each(['not-linked', 'qr-timeout'] as const)('%s: link without backup or purge', (verdict) => {
    const plan = planFix(diagnosisFor({ verdict }), { host: HOST });
    expect(plan.kind).toBe('link');
    expect(ids(plan)).toEqual(['start-gateway', 'login', 'verify']);
    expect(plan.steps[0]!.skip).toBe('the gateway is running');
    expect(ids(planFix(diagnosisFor({ verdict, running: false }), { host: HOST })).filter((id) => id === 'start-gateway')).toHaveLength(1);
  });

  it('conflict: lists the other instances and stops there', () => {
    const plan = planFix(diagnosisFor({ verdict: 'conflict' }), { host: HOST, otherInstances: ['vps2 (hosts file): same number +44•••••••123'] });
    expect(plan.kind).toBe('explain');
    expect(plan.steps).toEqual([]);
    expect(plan.notes.join('\n')).toMatch(/Other instances found:\n {2}- vps2/);
    expect(planFix(diagnosisFor({ verdict: 'conflict' }), { host: HOST }).notes[0]).toMatch(/No other instance found/);
  });

  it.each(['network-dns', 'link-cooldown', 'listener-missing', 'protocol-upgrade', 'wrong-user-or-state-dir', 'unknown'] as const)(
    '%s: the user\'s step is explained, nothing is run',
    (verdict) => {
      const plan = planFix(diagnosisFor({ verdict }), { host: HOST });
      expect(plan.kind).toBe('explain');
      expect(plan.steps).toEqual([]);
      expect(plan.notes[0]).toBe(renderRemedy(ruleFor(verdict).remedy, diagnosisFor({ verdict }).evidence!, 'default', verdict).action);
    },
  );

  it('covers every verdict id', () => {
    for (const verdict of VERDICT_IDS) expect(() => planFix(diagnosisFor({ verdict }), { host: HOST })).not.toThrow();
  });

  it('--relink against the verdict: the relink plan, marked forced, with the reason it is usually wrong', () => {
    const plan = planFix(diagnosisFor({ verdict: 'transient-reconnect' }), { host: HOST, relink: true });
    expect(plan.kind).toBe('relink');
    expect(plan.forcedRelink).toBe(true);
    expect(plan.notes[0]).toMatch(/not logged-out.*unlink this device.*cooldown/s);
    expect(planFix(diagnosisFor({ verdict: 'logged-out' }), { host: HOST, relink: true }).forcedRelink).toBe(false);
  });

  it('--account picks that account; otherwise the worst one', () => {
    const accounts = [{ account: 'default', verdict: 'healthy' as const }, { account: 'work', verdict: 'logged-out' as const }];
    expect(planFix(diagnosisFor({ verdict: 'logged-out', accounts }), { host: HOST })).toMatchObject({ account: 'work', kind: 'relink' });
    expect(planFix(diagnosisFor({ verdict: 'logged-out', accounts }), { host: HOST, account: 'default' })).toMatchObject({ account: 'default', kind: 'nothing' });
    const missing = planFix(diagnosisFor({ verdict: 'logged-out', accounts }), { host: HOST, account: 'nope' });
    expect(missing).toMatchObject({ kind: 'explain', steps: [] });
    expect(missing.notes[0]).toMatch(/no WhatsApp account "nope"/);
  });

  it('a host without evidence (unreachable): explained, no steps', () => {
    const d: HostDiagnosis = { name: 'vps1', status: 'unreachable', verdict: 'unreachable', condition: 'unreachable', error: 'connect ETIMEDOUT', accounts: [], timings: { connectMs: 1, probeMs: 0 } };
    expect(planFix(d, { host: HOST })).toMatchObject({ kind: 'explain', steps: [], notes: ['connect ETIMEDOUT'] });
  });
});

describe('gateway commands follow how the gateway is managed', () => {
  const target = (manager: GatewayManager, serviceName: string | null = null, host: ResolvedHost = HOST) =>
    fixTarget(host, diagnosisFor({ verdict: 'monitor-stopped', manager, serviceName }), 'default')!;

  it('systemd user unit: systemctl --user as the service user', () => {
    const c = controlCommand(target('systemd-user', 'openclaw-gateway.service'), 'restart');
    expect(c.as).toBe('service');
    expect(c.script).toContain('systemctl --user restart openclaw-gateway.service');
  });
  it('system unit: sudo systemctl as the login user', () => {
    const c = controlCommand(target('systemd-system', 'openclaw.service'), 'stop');
    expect(c.as).toBe('login');
    // the login user first looks for the unit file itself: a name from the probe is never taken on its word
    expect(c.script).toMatch(/^found=; for f in \/etc\/systemd\/system\/openclaw\.service /);
    expect(c.script.split('\n').at(-1)).toBe('sudo -n systemctl stop -- openclaw.service');
  });
  it('pm2: pm2 <verb> <name>', () => {
    expect(controlCommand(target('pm2', 'openclaw'), 'restart')).toMatchObject({ as: 'service', script: 'pm2 restart openclaw' });
  });
  it('bare process: SIGTERM the pid from the gateway lock and wait; start with nohup, then wait for the port', () => {
    const t = target('process');
    const stop = stopProcess(t).text;
    expect(stop).toContain(`sed -n 's/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p' /home/claw/.openclaw/tmp/openclaw-*/gateway.*.lock`);
    expect(stop).toContain('kill -TERM $live');
    expect(stop).not.toContain('KILL ');
    // one script: the wait knows the pid it started and the temp file its stderr goes to
    const commands = gatewayCommands(t, 'start');
    expect(commands).toHaveLength(1);
    expect(commands[0]!.script).toMatch(/nohup "\$@" <\/dev\/null >\/dev\/null 2>"\$gw_err" &/);
    expect(commands[0]!.script).toContain('/usr/bin/openclaw gateway run');
    expect(commands[0]!.script).toContain("awk -v p=:4965"); // port 18789, in the kernel's hex
  });
  it('a hostile state dir or account never becomes shell syntax', () => {
    const d = diagnosisFor({ verdict: 'logged-out' });
    d.evidence!.stateDir = "/home/x/.openclaw'; touch /tmp/pwned; '";
    const t = fixTarget(HOST, d, 'a;b')!;
    expect(stopProcess(t).text).toContain(`'/home/x/.openclaw'\\''; touch /tmp/pwned; '\\'''/tmp/openclaw-*`);
  });
});
