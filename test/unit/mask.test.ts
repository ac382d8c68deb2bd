import { describe, expect, it } from 'vitest';
import { countryCodeLength, maskDeep, maskNumbers, maskText } from '../../src/mask.js';

describe('maskText', () => {
  it.each([
    ['+447700900123', '+44••••••0123'],
    ['+15551234567', '+1••••••4567'],
    ['+4930123456789', '+49•••••••6789'],
    ['+35312345678', '+353••••5678'],
    ['+1 555 123 4567', '+1 ••• ••• 4567'],
    ['allow:+1 555 123 4567 (id: +15551234567)', 'allow:+1 ••• ••• 4567 (id: +1••••••4567)'],
    ['"e164":"+447700900123"', '"e164":"+44••••••0123"'],
  ])('masks the phone number in %s', (input, masked) => {
    expect(maskText(input)).toBe(masked);
  });

  it.each([
    ['447700900123@s.whatsapp.net', '44••••••0123@s.whatsapp.net'],
    ['jid 15551234567:12@s.whatsapp.net', 'jid 1••••••4567:12@s.whatsapp.net'],
    ['123456789012345@lid', '•••••••••••2345@lid'],
    ['123456789012345:12@lid', '•••••••••••2345:12@lid'],
    ['agent:main:whatsapp:group:120363040445221925@g.us', 'agent:main:whatsapp:group:••••••••••••••1925@g.us'],
    ['15551234567@c.us', '1••••••4567@c.us'],
  ])('masks the JID %s', (input, masked) => {
    expect(maskText(input)).toBe(masked);
  });

  it.each([
    '2026-11-26T15:49:08.523+00:00 [whatsapp] Web connection closed during setup (status 408). Retry 1/12 in 2.38s.',
    '2026-03-14T20:18:48.612+07:00 warn web-reconnect',
    'Nov 26 15:55:52 vps openclaw[1234]: +0000 2026',
    '"lastDisconnect":{"at":1795708175116,"status":408},"reconnectAttempts":5,"authAgeMs":128256.11059570312',
    'pid 31982 listening on 127.0.0.1:18789 and [::1]:18789',
    'OpenClaw 2026.9.6 (eb377ac), plugin 2026.3.23-2, baileys 7.0.0-rc14',
    'status=515 Unknown Stream Errored (restart required), code 440, +10:00',
    'dmPolicy pairing; +1234 not a number',
  ])('leaves %s alone', (text) => {
    expect(maskText(text)).toBe(text);
  });

  it('is idempotent and masks every number in a real status line', () => {
    const line =
      '- WhatsApp default: enabled, configured, linked, running, connected, dm:pairing, allow:+1 555 123 4567 (id: +15551234567), health:healthy';
    const once = maskText(line);
    expect(maskText(once)).toBe(once);
    expect(once).not.toMatch(/555|1234567/);
    expect(once).toContain('health:healthy');
  });

  it('knows 1-, 2- and 3-digit country codes', () => {
    expect(countryCodeLength('15551234567')).toBe(1);
    expect(countryCodeLength('79161234567')).toBe(1);
    expect(countryCodeLength('447700900123')).toBe(2);
    expect(countryCodeLength('971501234567')).toBe(3);
  });

  it('maskDeep masks strings inside JSON-like values and keeps keys, numbers and booleans', () => {
    const value = { '+447700900123': { e164: '+447700900123', list: ['447700900123@s.whatsapp.net'], at: 1795708175116, ok: true, none: null } };
    expect(maskDeep(value)).toEqual({ '+447700900123': { e164: '+44••••••0123', list: ['44••••••0123@s.whatsapp.net'], at: 1795708175116, ok: true, none: null } });
    expect(maskNumbers).toBe(maskText);
  });
});
