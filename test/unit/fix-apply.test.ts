import { describe, expect, it } from 'vitest';
import { applySteps, type ApplyReporter, type ExecStep } from '../../src/fix/apply.js';
import type { StepId } from '../../src/fix/plan.js';
import { accountState } from '../../src/fix/verify.js';
import { parseJournal } from '../../src/fix/journal.js';
import { parseSurvey } from '../../src/fix/conflict.js';

function recorder() {
  const events: string[] = [];
  const reporter: ApplyReporter = {
    stepStart: (s) => events.push(`start ${s.id}`),
    stepSkipped: (s) => events.push(`skip ${s.id}`),
    stepDone: (s) => events.push(`done ${s.id}`),
    stepFailed: (s) => events.push(`fail ${s.id}`),
    rollbackStart: (ids) => events.push(`rollback ${ids.join(',')}`),
    undoDone: (s, note) => events.push(`undo ${s.id}: ${note ?? 'nothing'}`),
    undoFailed: (s) => events.push(`undo-failed ${s.id}`),
  };
  return { events, reporter };
}

const step = (id: StepId, run: () => Promise<void> = async () => undefined, undo?: () => Promise<string | undefined>, skip?: string): ExecStep => ({
  id,
  title: id,
  run,
  ...(undo ? { undo } : {}),
  ...(skip ? { skip } : {}),
});

describe('applySteps', () => {
  it('runs steps in order, reports skipped ones, and records progress', async () => {
    const { events, reporter } = recorder();
    const progress: string[] = [];
    const result = await applySteps([step('backup'), step('stop-gateway', undefined, undefined, 'not running'), step('quarantine')], {
      reporter,
      beforeStep: async (id) => void progress.push(`before ${id}`),
      afterStep: async (id, done) => void progress.push(`after ${id} [${done.join(',')}]`),
    });
    expect(result).toMatchObject({ status: 'done', done: ['backup', 'quarantine'], rolledBack: [] });
    expect(events).toEqual(['start backup', 'done backup', 'skip stop-gateway', 'start quarantine', 'done quarantine']);
    expect(progress).toEqual(['before backup', 'after backup [backup]', 'before quarantine', 'after quarantine [backup,quarantine]']);
  });

  it('a failure undoes the done steps and the failed one in reverse; an undo that fails does not stop the others', async () => {
    const { events, reporter } = recorder();
    const result = await applySteps(
      [
        step('backup'),
        step('stop-gateway', undefined, async () => 'started again'),
        step('quarantine', undefined, async () => { throw new Error('disk gone'); }),
        step('start-gateway', async () => { throw new Error('port taken'); }, async () => undefined),
        step('login'),
      ],
      { reporter },
    );
    expect(result.status).toBe('failed');
    expect(result.failed?.id).toBe('start-gateway');
    expect(result.rollbackFailed).toBe(true);
    expect(events.slice(-4)).toEqual(['rollback start-gateway,quarantine,stop-gateway', 'undo start-gateway: nothing', 'undo-failed quarantine', 'undo stop-gateway: started again']);
    expect(result.rolledBack.map((r) => r.outcome)).toEqual(['nothing', 'failed', 'undone']);
  });

  it('Ctrl-C between steps stops and rolls back; a repair whose verify fails is not rolled back', async () => {
    const abort = new AbortController();
    const { events, reporter } = recorder();
    const interrupted = await applySteps([step('stop-gateway', async () => abort.abort(), async () => 'started again'), step('quarantine')], { reporter, signal: abort.signal });
    expect(interrupted.status).toBe('interrupted');
    expect(events).toContain('undo stop-gateway: started again');

    const verify = await applySteps([step('restart-gateway', undefined, async () => 'x'), step('verify', async () => { throw new Error('not connected'); })], {
      reporter: recorder().reporter,
      rollbackOn: (id) => id !== 'verify',
    });
    expect(verify).toMatchObject({ status: 'failed', rolledBack: [] });
  });
});

describe('pure readers', () => {
  const doc = (account: Record<string, unknown>) =>
    JSON.stringify({ channelAccounts: { whatsapp: [{ accountId: 'default', enabled: true, configured: true, linked: true, ...account }] } });

  it('accountState: running and connected only', () => {
    expect(accountState(doc({ running: true, connected: true }), 'default').ok).toBe(true);
    expect(accountState(doc({ running: false, connected: false, healthState: 'stopped' }), 'default')).toEqual({ ok: false, reason: 'not running, not connected, health stopped' });
    expect(accountState('{"gatewayReachable":false,"configOnly":true}', 'default')).toEqual({ ok: false, reason: 'gateway not reachable' });
    expect(accountState(doc({ running: true, connected: true }), 'work').ok).toBe(false);
    expect(accountState('Gateway not reachable', 'default').ok).toBe(false);
  });

  it('accountState: linked and running with a network error is offline; a WhatsApp answer or no link is not', () => {
    // what the real 2026.9.6 gateway reports for linked credentials on a host without DNS
    const dns = { status: 408, error: 'WebSocket Error (getaddrinfo EAI_AGAIN web.whatsapp.com)', loggedOut: false };
    expect(accountState(doc({ running: true, connected: false, healthState: 'reconnecting', lastDisconnect: dns }), 'default')).toMatchObject({ ok: false, offline: dns.error });
    expect(accountState(doc({ running: true, connected: false, lastDisconnect: { status: 401, error: 'Connection Failure', loggedOut: true } }), 'default')).not.toHaveProperty('offline');
    expect(accountState(doc({ linked: false, running: true, connected: false, lastDisconnect: dns }), 'default')).not.toHaveProperty('offline');
    expect(accountState(doc({ running: false, connected: false, lastDisconnect: dns }), 'default')).not.toHaveProperty('offline');
  });

  it('parseJournal accepts what saveJournal writes and nothing else', () => {
    const journal = {
      version: 1, host: 'box', account: 'default', stateDir: '/s', startedAt: '2026-11-26T16:46:00.000Z', updatedAt: '2026-11-26T16:46:00.000Z', by: 'me', run: '0123456789abcdef', kind: 'relink', verdict: 'logged-out',
      steps: ['backup', 'quarantine'], done: ['backup'], running: 'quarantine', gatewayWasRunning: true, lingerWasEnabled: null, stamp: '2026-11-26T16-46-00Z', state: 'running',
    };
    expect(parseJournal(JSON.stringify(journal))).toEqual(journal);
    expect(parseJournal(JSON.stringify({ ...journal, done: ['rm -rf'] }))).toBeNull();
    expect(parseJournal('not json')).toBeNull();
  });

  it('parseSurvey lists other instances with numbers masked', () => {
    const found = parseSurvey('number=447700900123\nprocess=77 bob node openclaw gateway run\ncontainer=docker oc-old ghcr.io/openclaw Up 2 days\nstatedir=/home/bob/.openclaw/credentials/whatsapp/default/creds.json\n');
    expect(found).toEqual([
      'another gateway process on this host: 77 bob node openclaw gateway run',
      'an OpenClaw container on this host: docker oc-old ghcr.io/openclaw Up 2 days',
      'another state dir with the same number: /home/bob/.openclaw/credentials/whatsapp/default/creds.json',
    ]);
  });
});
