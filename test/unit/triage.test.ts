import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maskDeep } from '../../src/mask.js';
import { evidenceSchema, type Evidence } from '../../src/triage/evidence.js';
import { RULES } from '../../src/triage/rules.js';
import { TRANSIENT_WINDOW_MS, triage, triageText } from '../../src/triage/triage.js';
import { needsAttention, SEVERITY_ORDER, VERDICT_IDS, worstVerdict } from '../../src/triage/verdicts.js';
import { versionInRange } from '../../src/triage/version.js';

const base = JSON.parse(readFileSync(new URL('../fixtures/triage/_base-evidence.json', import.meta.url), 'utf8')) as Evidence;
function evidence(over: Partial<Evidence> = {}): Evidence {
  return { ...structuredClone(base), ...over };
}
const at = (hhmm: string) => `2026-11-26T${hhmm}:00.000+00:00`;
const line = (hhmm: string, text: string) => `${at(hhmm)} [whatsapp] ${text}`;
const LISTENING = 'Listening for personal WhatsApp inbound messages.';
const DROP = 'Web connection closed (status 428). Retry 1/12 in 2.1s… (Connection Terminated)';
const NOW = '2026-11-26T16:00:00Z';

describe('verdicts', () => {
  it('has one rule per verdict, `unknown` last, and a total severity order', () => {
    expect(RULES.map((r) => r.id).sort()).toEqual([...VERDICT_IDS].sort());
    expect(RULES.at(-1)?.id).toBe('unknown');
    expect([...SEVERITY_ORDER].sort()).toEqual([...VERDICT_IDS].sort());
    expect(worstVerdict(['healthy', 'transient-reconnect', 'logged-out', 'not-linked'])).toBe('logged-out');
    expect(worstVerdict([])).toBeNull();
  });

  it('needsAttention is false only for healthy, transient-reconnect and whatsapp-not-configured', () => {
    expect(VERDICT_IDS.filter((v) => !needsAttention(v))).toEqual(['healthy', 'transient-reconnect', 'whatsapp-not-configured']);
  });

  it('only logged-out and creds-corrupt have destructive remedies', () => {
    expect(RULES.filter((r) => r.remedy.destructive).map((r) => r.id).sort()).toEqual(['creds-corrupt', 'logged-out']);
  });
});

describe('time and order', () => {
  it('a drop followed by a reconnect is transient-reconnect inside the window, healthy after it', () => {
    const log = [line('15:00', DROP), line('15:01', LISTENING)].join('\n');
    expect(triageText({ log }, { now: '2026-11-26T15:20:00Z' }).verdict).toBe('transient-reconnect');
    expect(triageText({ log }, { now: '2026-11-26T15:40:00Z' }).verdict).toBe('healthy');
    expect(triageText({ log }, { now: '2026-11-26T15:40:00Z', transientWindowMs: 2 * TRANSIENT_WINDOW_MS }).verdict).toBe('transient-reconnect');
  });

  it('the newest decisive event wins, whatever order the files came in', () => {
    const loggedOut = line('15:30', 'WhatsApp session logged out. Run `openclaw channels login --channel whatsapp` to relink.');
    expect(triageText({ log: [line('09:00', LISTENING), loggedOut].join('\n') }).verdict).toBe('logged-out');
    // today's file pasted before yesterday's: times put them back in order
    const yesterday = `2026-11-25T22:00:00.000+00:00 [whatsapp] ${LISTENING}`;
    expect(triageText({ log: [loggedOut, yesterday].join('\n') }).verdict).toBe('logged-out');
    expect(triageText({ log: [loggedOut, line('15:35', LISTENING)].join('\n') }, { now: NOW }).verdict).toBe('healthy');
  });

  it('"now" defaults to the newest time in a paste, and to collectedAt for evidence', () => {
    const log = [line('09:00', DROP), line('09:01', LISTENING)].join('\n');
    expect(triageText({ log }).verdict).toBe('transient-reconnect');
    const e = evidence({ logLines: [line('09:00', DROP), line('09:01', LISTENING)] });
    expect(triage(e).hostVerdict).toBe('healthy');
    expect(triage(e, { now: '2026-11-26T09:10:00Z' }).hostVerdict).toBe('transient-reconnect');
  });

  it('a live status outranks older logs, in both directions', () => {
    const connected = { ts: 1, channelAccounts: { whatsapp: [{ accountId: 'default', linked: true, running: true, connected: true, healthState: 'healthy' }] } };
    const loggedOut = { ts: 1, channelAccounts: { whatsapp: [{ accountId: 'default', linked: true, running: false, connected: false, healthState: 'logged-out', lastDisconnect: { at: 1, status: 401, loggedOut: true } }] } };
    const oldLogout = [line('10:00', 'WhatsApp session logged out. Run `openclaw channels login` to relink.')];
    expect(triage(evidence({ channelsStatus: connected, logLines: oldLogout })).hostVerdict).toBe('healthy');
    expect(triage(evidence({ channelsStatus: loggedOut, logLines: [line('15:59', LISTENING)] })).hostVerdict).toBe('logged-out');
  });

  it('keeps the evidence short, newest last', () => {
    const log = Array.from({ length: 60 }, (_, i) => `2026-11-26T15:${String(i).padStart(2, '0')}:00.000+00:00 [whatsapp] ${DROP}`).join('\n');
    const v = triageText({ log });
    expect(v.verdict).toBe('transient-reconnect');
    expect(v.evidence.length).toBeLessThanOrEqual(12);
    expect(v.evidence.at(-1)?.time).toBe('2026-11-26T15:59:00.000Z');
  });
});

describe('judge by the cause', () => {
  it("OpenClaw's Relink hint after DNS failures is network-dns, never logged-out", () => {
    const log = [
      line('15:40', `Web connection closed (status 408). Retry 11/12 in 30s… (WebSocket Error (getaddrinfo EAI_AGAIN web.whatsapp.com))`),
      line('15:41', 'Web connection closed during setup (status 408) after 12/12 attempts. Relink with `openclaw channels login --channel whatsapp` if the issue persists.'),
    ].join('\n');
    const v = triageText({ log });
    expect(v.verdict).toBe('network-dns');
    expect(v.remedy.destructive).toBe(false);
    expect(v.summary).toContain('does not apply');
  });

  it('a channel that exits after a 401 is logged-out, not monitor-stopped', () => {
    const log = [line('15:00', 'WhatsApp Web connection closed (status 401). Connection Failure'), `${at('15:00')} error channels/whatsapp [default] channel exited: logged out`].join('\n');
    expect(triageText({ log }).verdict).toBe('logged-out');
  });

  it('ECONNREFUSED to the local gateway is gateway-not-running, to anything else network-dns', () => {
    expect(triageText({ log: 'gateway client error: Error: connect ECONNREFUSED 127.0.0.1:18789' }).verdict).toBe('gateway-not-running');
    expect(triageText({ log: 'WebSocket Error (connect ECONNREFUSED 157.240.1.53:443)' }).verdict).toBe('network-dns');
  });
});

describe('versions', () => {
  const listenerError = `${at('15:40')} error gateway/channels/whatsapp/outbound Error: No active WhatsApp Web listener (account: default).`;

  it('"No active WhatsApp Web listener" is the bundling bug only on 2026.3.12–3.13', () => {
    expect(triageText({ log: listenerError, openclawVersion: '2026.3.12' }).verdict).toBe('listener-missing');
    expect(triageText({ log: listenerError, openclawVersion: 'OpenClaw 2026.3.13 (61d171a)' }).verdict).toBe('listener-missing');
    expect(triageText({ log: listenerError, openclawVersion: '2026.3.8' }).verdict).toBe('monitor-stopped');
    expect(triageText({ log: listenerError, openclawVersion: '2026.9.6' }).verdict).toBe('monitor-stopped');
    expect(triageText({ log: listenerError }).verdict).toBe('listener-missing');
  });

  it('a conflict gets the #46188 upgrade hint only on the affected versions', () => {
    const log = line('15:00', 'Web connection closed (status 440: session conflict). Stopping web monitoring.');
    const affected = triageText({ log, openclawVersion: '2026.3.13-1' });
    expect(affected.summary).toContain('#46188');
    expect(affected.remedy.commands).toContain('openclaw update');
    const current = triageText({ log, openclawVersion: '2026.9.6' });
    expect(current.verdict).toBe('conflict');
    expect(current.remedy.commands).not.toContain('openclaw update');
  });

  it('compares calendar versions, re-releases and prereleases', () => {
    expect(versionInRange('2026.3.13-2', { min: '2026.3.12', max: '2026.3.13' })).toBe(true);
    expect(versionInRange('2026.04.29', { max: '2026.3.13' })).toBe(false);
    expect(versionInRange('2026.3.23-2', { min: '2026.3.23-3' })).toBe(false);
    expect(versionInRange('2026.6.6-beta.1', { min: '2026.6.6' })).toBe(true);
    expect(versionInRange(null, { min: '2026.1.1' })).toBe(true);
    expect(versionInRange(null, { min: '2026.1.1' }, false)).toBe(false);
  });
});

describe('precedence and looks-bad-but-fine', () => {
  it('configuration and plugin problems come before a down gateway; missing credentials too', () => {
    const down = { ...base.gateway, running: false, pid: null, listening: false };
    expect(triage(evidence({ gateway: down })).hostVerdict).toBe('gateway-not-running');
    expect(triage(evidence({ gateway: down, pluginInstalled: false })).hostVerdict).toBe('plugin-missing');
    expect(triage(evidence({ gateway: down, credentials: {} })).hostVerdict).toBe('not-linked');
    expect(triage(evidence({ gateway: down, permissionErrors: ['EACCES: cannot read /home/claw/.openclaw'] })).hostVerdict).toBe('wrong-user-or-state-dir');
    expect(triage(evidence({ gateway: down, permissionErrors: ["EACCES: permission denied, open '/var/log/x'"] })).hostVerdict).toBe('gateway-not-running');
  });

  it('no WhatsApp in the config (or no config at all) and no credentials: whatsapp-not-configured', () => {
    const config = { present: false, whatsappConfigured: false, pluginEnabled: null, accountIds: [] };
    expect(triage(evidence({ config, credentials: {} })).hostVerdict).toBe('whatsapp-not-configured');
    const live = { ts: 1, channelAccounts: { whatsapp: [{ accountId: 'default', configured: true, linked: true, running: true, connected: true }] } };
    expect(triage(evidence({ config, channelsStatus: live })).hostVerdict).toBe('healthy');
  });

  it('no OpenClaw here but another user has a state dir or runs the gateway: wrong-user-or-state-dir, not whatsapp-not-configured', () => {
    // as seen on the real 2026.9.6 host: the probe ran as the login user, the state is the service user's (unreadable)
    const config = { present: false, whatsappConfigured: false, pluginEnabled: null, accountIds: [] };
    const down = { ...base.gateway, running: false, pid: null, listening: false, user: null };
    const other = [{ path: '/home/openclaw/.openclaw', owner: 'openclaw', hasWhatsappCreds: false }];
    expect(triage(evidence({ user: 'claw', config, credentials: {}, gateway: down, otherStateDirs: other })).hostVerdict).toBe('wrong-user-or-state-dir');
    const foreignGateway = { ...base.gateway, running: true, user: 'openclaw' };
    expect(triage(evidence({ user: 'claw', config, credentials: {}, gateway: foreignGateway, otherStateDirs: [] })).hostVerdict).toBe('wrong-user-or-state-dir');
    // a state dir of our own that is merely unconfigured stays whatsapp-not-configured, whoever else is there
    expect(triage(evidence({ user: 'claw', config: { ...config, present: true }, credentials: {}, gateway: down, otherStateDirs: other })).hostVerdict).toBe('whatsapp-not-configured');
  });

  it('restored-from-backup with valid credentials is not creds-corrupt', () => {
    const e = evidence({
      logLines: [`${at('15:00')} [web-session] restored corrupted WhatsApp creds.json from backup`, line('15:00', LISTENING)],
    });
    expect(triage(e).hostVerdict).toBe('healthy');
    expect(triageText({ log: `${at('15:00')} [web-session] restored corrupted WhatsApp creds.json from backup` }).verdict).toBe('unknown');
  });

  it('a not-linked status while messages flow never yields a destructive verdict', () => {
    const status = {
      ts: Date.parse(NOW),
      channelAccounts: { whatsapp: [{ accountId: 'default', linked: false, running: true, connected: false, lastInboundAt: Date.parse(NOW) - 60_000 }] },
    };
    const result = triage(evidence({ channelsStatus: status, credentials: {} }));
    const v = result.accounts[0]!;
    expect(v.verdict).not.toBe('not-linked');
    expect(v.remedy.destructive).toBe(false);
    expect(v.summary).toContain('messages flow');
  });

  it('a running systemd-user gateway without linger is flagged even when WhatsApp is fine, but never hides a relink', () => {
    const gateway = { ...base.gateway, lingerEnabled: false };
    expect(triage(evidence({ gateway, logLines: [line('10:00', LISTENING)] })).hostVerdict).toBe('gateway-dies-on-logout');
    const v = triage(evidence({ gateway, logLines: [line('15:00', 'WhatsApp session logged out.')] })).accounts[0]!;
    expect(v.verdict).toBe('logged-out');
    expect(v.summary).toContain('linger is off');
  });

  it('unknown shows evidence and suggests nothing destructive', () => {
    const v = triage(evidence({ logLines: [line('15:00', '[default] starting provider (+447700900123)')] })).accounts[0]!;
    expect(v.verdict).toBe('unknown');
    expect(v.remedy.destructive).toBe(false);
    expect(v.evidence.length).toBeGreaterThan(0);
  });
});

describe('accounts, hosts and remedies', () => {
  it('gives one verdict per account and the host the worst', () => {
    const e = evidence({
      config: { ...base.config, accountIds: ['default', 'work'] },
      credentials: { ...base.credentials, work: { ...base.credentials['default']!, present: false, validJson: null, backupPresent: false, backupValidJson: null } },
      logLines: [line('15:00', LISTENING)],
    });
    const result = triage(e);
    expect(result.accounts.map((a) => [a.account, a.verdict])).toEqual([['default', 'healthy'], ['work', 'not-linked']]);
    expect(result.hostVerdict).toBe('not-linked');
    expect(result.hostSummary).toBe('work: not-linked');
    expect(result.accounts[1]?.remedy.commands[0]).toBe('openclaw channels login --channel whatsapp --account work');
  });

  it('fills gateway commands for the way the gateway is managed', () => {
    const down = (managedBy: Evidence['gateway']['managedBy'], serviceName: string | null) =>
      triage(evidence({ gateway: { ...base.gateway, running: false, managedBy, serviceName } })).accounts[0]!.remedy.commands;
    expect(down('container', 'openclaw')).toEqual(['docker start openclaw']);
    expect(down('pm2', 'claw')).toEqual(['pm2 start claw']);
    expect(down('systemd-system', null)).toEqual(['sudo systemctl start openclaw-gateway']);
    expect(down('process', null)).toEqual(['openclaw gateway start']);
  });

  it('a gateway container that is not running: the verdict says how (stopped, crash-looping, paused)', () => {
    const down = (containerState?: string) =>
      triage(evidence({ gateway: { ...base.gateway, running: false, managedBy: 'none', ...(containerState ? { containerState } : {}) } })).accounts[0]!;
    expect(down('exited')).toMatchObject({ verdict: 'gateway-not-running' });
    expect(down('exited').summary).toMatch(/Its container is stopped\.$/);
    expect(down('restarting').summary).toMatch(/keeps restarting: the gateway exits during start-up/);
    expect(down('paused').summary).toMatch(/paused \(`docker unpause` it\)/);
    expect(down().summary).not.toMatch(/container/);
  });

  it('is pure: the evidence is not modified and the result is plain JSON', () => {
    const e = evidence({ logLines: [line('15:00', DROP), line('15:01', LISTENING)] });
    const frozen = JSON.stringify(e);
    const result = triage(Object.freeze(e));
    expect(JSON.stringify(e)).toBe(frozen);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('leaves masking to the output layer, where maskDeep covers every field', () => {
    const v = triageText({ log: line('15:00', '[default] starting provider (+447700900123)') });
    expect(JSON.stringify(v)).toContain('+447700900123');
    expect(JSON.stringify(maskDeep(v))).not.toContain('447700900123');
  });

  it('triageText takes the status as an object, JSON text, text output, or inside the log', () => {
    const doc = { gatewayReachable: false, configOnly: true, configuredChannels: ['whatsapp'] };
    expect(triageText({ status: doc }).verdict).toBe('gateway-not-running');
    expect(triageText({ status: JSON.stringify(doc) }).verdict).toBe('gateway-not-running');
    expect(triageText({ status: 'Gateway reachable.\n- WhatsApp default: enabled, configured, linked, running, connected' }).verdict).toBe('healthy');
    expect(triageText({ log: `Gateway reachable.\n- WhatsApp work: enabled, configured, not linked, stopped` })).toMatchObject({ account: 'work', verdict: 'not-linked' });
    expect(triageText({}).verdict).toBe('unknown');
  });
});

describe('evidenceSchema', () => {
  it('accepts the probe contract and rejects a malformed document', () => {
    expect(evidenceSchema.safeParse(base).success).toBe(true);
    expect(evidenceSchema.safeParse({ ...base, gateway: { ...base.gateway, managedBy: 'launchd' } }).success).toBe(false);
    expect(evidenceSchema.safeParse({ ...base, logLines: 'x' }).success).toBe(false);
  });
});
