import { describe, expect, it } from 'vitest';
import { parseChannelsStatus, parseStatusText } from '../../src/triage/status-parse.js';

const DNS = 'WebSocket Error (getaddrinfo ENOTFOUND web.whatsapp.com)';
const reconnecting = {
  ts: 1795708180000,
  channelOrder: ['whatsapp'],
  channels: {
    whatsapp: {
      configured: true, statusState: 'linked', linked: true, authAgeMs: 128256.1,
      self: { e164: '+15551234567', jid: '15551234567@s.whatsapp.net', lid: '123456789012345@lid' },
      running: true, connected: false, lastConnectedAt: null,
      lastDisconnect: { at: 1795708175116, status: 408, error: DNS, loggedOut: false },
      reconnectAttempts: 5, lastInboundAt: null, lastError: DNS, healthState: 'reconnecting', lifecycle: 'recovering',
    },
  },
  channelAccounts: {
    whatsapp: [{ accountId: 'default', enabled: true, lastStartAt: 1795708145174, reconnectAttempts: 5, healthState: 'reconnecting', configured: true, linked: true, running: true, connected: false, lastError: DNS }],
  },
  channelDefaultAccountId: { whatsapp: 'default' },
  statusIssues: [{ channel: 'whatsapp', accountId: 'default', kind: 'runtime', message: `Linked but reconnecting (reconnectAttempts=5): ${DNS}` }],
};

describe('parseChannelsStatus (JSON)', () => {
  it('merges the per-account entry with the channel summary of the default account', () => {
    const s = parseChannelsStatus(reconnecting);
    expect(s).toMatchObject({ gatewayReachable: true, whatsappConfigured: true });
    expect(s.accounts).toHaveLength(1);
    expect(s.accounts[0]).toMatchObject({
      account: 'default', source: 'json', linked: true, running: true, connected: false, statusState: 'linked',
      healthState: 'reconnecting', reconnectAttempts: 5, lastStartAt: 1795708145174, ts: 1795708180000,
      lastDisconnect: { at: 1795708175116, status: 408, error: DNS, loggedOut: false },
      issues: [`Linked but reconnecting (reconnectAttempts=5): ${DNS}`],
    });
  });

  it('reads the gateway-unreachable shape', () => {
    const s = parseChannelsStatus({ gatewayReachable: false, error: 'Gateway not reachable after waiting 3 s.', configOnly: true, configuredChannels: ['whatsapp'] });
    expect(s).toEqual({ gatewayReachable: false, whatsappConfigured: true, error: 'Gateway not reachable after waiting 3 s.', accounts: [] });
    expect(parseChannelsStatus({ gatewayReachable: false, configuredChannels: [] }).whatsappConfigured).toBe(false);
  });

  it('accepts JSON text, a string lastDisconnect, and survives garbage', () => {
    const doc = { channelAccounts: { whatsapp: [{ accountId: 'work', lastDisconnect: 'status=440 Stream Errored (conflict)', connected: 'yes' }] } };
    const s = parseChannelsStatus(JSON.stringify(doc));
    expect(s.accounts[0]).toMatchObject({ account: 'work', connected: null, lastDisconnect: { status: 440, loggedOut: false } });
    for (const junk of [null, 42, 'not json', [], { channels: 'x' }]) expect(() => parseChannelsStatus(junk)).not.toThrow();
    expect(parseChannelsStatus({}).accounts).toEqual([]);
  });
});

describe('parseStatusText', () => {
  it('reads a reachable gateway line with an error that contains commas and parentheses', () => {
    const s = parseStatusText(`Checking channel status…
Gateway reachable.
- WhatsApp default: enabled, configured, linked, error:${DNS}, running, disconnected, dm:pairing, allow:+1 555 123 4567 (id: +15551234567), health:reconnecting

Warnings:
- whatsapp default: Linked but reconnecting (reconnectAttempts=5): ${DNS} (Run: openclaw doctor (or restart the gateway).)
- Run: openclaw doctor`);
    expect(s.gatewayReachable).toBe(true);
    expect(s.accounts[0]).toMatchObject({
      account: 'default', gatewayReachable: true, enabled: true, configured: true, linked: true, running: true, connected: false,
      healthState: 'reconnecting', lastError: DNS, source: 'text',
    });
    expect(s.accounts[0]?.issues[0]).toContain('Linked but reconnecting');
  });

  it('reads the config-only form', () => {
    const s = parseStatusText('Gateway not reachable after waiting 3 s.\nGateway not reachable; showing config-only status.\n\n- WhatsApp default: enabled, configured, not linked\n');
    expect(s.gatewayReachable).toBe(false);
    expect(s.accounts[0]).toMatchObject({ gatewayReachable: false, linked: false, statusState: 'not-linked', running: null });
  });

  it('reads the form quoted in issues and the old `WhatsApp: linked` line', () => {
    const s = parseStatusText('WhatsApp default: enabled, configured, linked, running, disconnected, error:status=408 Request Time-out Connection was lost');
    expect(s.accounts[0]).toMatchObject({ connected: false, lastDisconnect: { status: 408 } });
    expect(parseStatusText('WhatsApp: linked (auth age 220m)').accounts[0]).toMatchObject({ account: 'default', linked: true });
    expect(parseStatusText('nothing here').accounts).toEqual([]);
  });
});
