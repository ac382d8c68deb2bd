import { describe, expect, it } from 'vitest';
import { eventText, parseLog, parseLogLine } from '../../src/triage/log-parse.js';

const REF = { referenceTime: new Date('2026-11-26T16:00:00Z') };

describe('parseLogLine: file log (tslog JSON lines)', () => {
  it('reads a subsystem record: "0" holds the bindings, "1" the text', () => {
    const line =
      '{"0":"{\\"subsystem\\":\\"gateway/health-monitor\\"}","1":"started (interval: 300s, startup-grace: 60s, channel-connect-grace: 120s)","_meta":{"runtime":"node","runtimeVersion":"24.21.0","hostname":"vm","date":"2026-11-26T15:44:47.530Z","logLevelId":3,"logLevelName":"INFO","name":"{\\"subsystem\\":\\"gateway/health-monitor\\"}","parentNames":["openclaw"]},"time":"2026-11-26T15:44:47.530+00:00","hostname":"vm","message":"started (interval: 300s, startup-grace: 60s, channel-connect-grace: 120s)"}';
    const e = parseLogLine(line);
    expect(e).toMatchObject({ level: 'info', subsystem: 'gateway/health-monitor', format: 'tslog-json', raw: line });
    expect(e?.message).toBe('started (interval: 300s, startup-grace: 60s, channel-connect-grace: 120s)');
    expect(e?.time?.toISOString()).toBe('2026-11-26T15:44:47.530Z');
  });

  it('reads a forwarded console record whose "0" is the message itself', () => {
    const line =
      '{"0":"Workspace OK: ~/.openclaw/workspace","_meta":{"runtime":"node","runtimeVersion":"24.21.0","hostname":"vm","date":"2026-11-26T15:38:05.056Z","logLevelId":3,"logLevelName":"INFO","name":"openclaw","path":{"fileName":"console-DwqfhE-H.mjs","method":"console.forwardedConsoleCall [as log]"}},"time":"2026-11-26T15:38:05.057+00:00","hostname":"vm","message":"Workspace OK: ~/.openclaw/workspace"}';
    expect(parseLogLine(line)).toMatchObject({ subsystem: null, message: 'Workspace OK: ~/.openclaw/workspace', level: 'info' });
  });

  it('keeps the structured fields of a child-logger record ("0" bindings, "1" fields, "2" text)', () => {
    const line =
      '{"0":"{\\"module\\":\\"web-reconnect\\",\\"runId\\":\\"e4ca0763\\"}","1":{"connectionId":"cd90","status":408,"reconnectAttempts":1,"delayMs":2379},"2":"web reconnect: setup status error; retrying","_meta":{"logLevelId":3,"logLevelName":"INFO","name":"{\\"module\\":\\"web-reconnect\\",\\"runId\\":\\"e4ca0763\\"}"},"time":"2026-11-26T15:49:08.516+00:00","hostname":"vm","message":"web reconnect: setup status error; retrying"}';
    const e = parseLogLine(line);
    expect(e).toMatchObject({ subsystem: 'web-reconnect', message: 'web reconnect: setup status error; retrying' });
    expect(e?.fields).toMatchObject({ status: 408, reconnectAttempts: 1 });
    expect(eventText(e!)).toContain('"status":408');
  });

  it('builds the message from the arguments when a record has no "message" key (older versions)', () => {
    const line =
      '{"0":"{\\"subsystem\\":\\"gateway/ws\\"}","1":"webchat disconnected code=1001 reason=n/a","_meta":{"runtime":"node","name":"{\\"subsystem\\":\\"gateway/ws\\"}","date":"2026-03-13T22:41:16.216Z","logLevelId":3,"logLevelName":"INFO"},"time":"2026-03-13T18:41:16.217-04:00"}';
    const e = parseLogLine(line);
    expect(e).toMatchObject({ subsystem: 'gateway/ws', message: 'webchat disconnected code=1001 reason=n/a' });
    expect(e?.time?.toISOString()).toBe('2026-03-13T22:41:16.217Z');
  });

  it('takes the account from the message or an accountId field', () => {
    const e = parseLogLine('{"0":"{\\"subsystem\\":\\"channels/whatsapp\\"}","1":"[work] auto-restart attempt 1/10 in 5s","_meta":{"logLevelName":"INFO"},"time":"2026-11-26T15:00:00.000+00:00","message":"[work] auto-restart attempt 1/10 in 5s"}');
    expect(e?.account).toBe('work');
    const f = parseLogLine('{"0":"{\\"module\\":\\"web-inbound\\"}","1":{"accountId":"sales"},"2":"Inbound message","_meta":{"logLevelName":"INFO"},"time":"2026-11-26T15:00:00.000+00:00"}');
    expect(f?.account).toBe('sales');
  });
});

describe('parseLogLine: `openclaw logs --json`', () => {
  it('reads a log record and its embedded raw tslog line', () => {
    const raw = '{"0":"{\\"module\\":\\"web-reconnect\\"}","1":{"status":401,"loggedOut":true},"2":"web reconnect: connection closed","_meta":{"logLevelName":"INFO"},"time":"2026-11-26T15:00:00.000+00:00"}';
    const line = JSON.stringify({ type: 'log', time: '2026-11-26T15:00:00.000+00:00', level: 'info', subsystem: 'web-reconnect', message: 'web reconnect: connection closed', raw });
    const e = parseLogLine(line);
    expect(e).toMatchObject({ format: 'logs-json', subsystem: 'web-reconnect', level: 'info', message: 'web reconnect: connection closed' });
    expect(e?.fields).toMatchObject({ status: 401, loggedOut: true });
  });

  it('skips meta and notice records', () => {
    expect(parseLogLine('{"type":"meta","file":"/tmp/openclaw/openclaw-2026-11-26.log","sourceKind":"file","cursor":1,"size":1}')).toBeNull();
    expect(parseLogLine('{"type":"notice","message":"Log tail truncated (increase --limit or --max-bytes)."}')).toBeNull();
  });
});

describe('parseLogLine: console and plain text', () => {
  it('reads gateway stdout: `<ISO> [subsystem] [account] message`', () => {
    const e = parseLogLine('2026-11-26T15:49:06.572+00:00 [whatsapp] [default] starting provider (+15551234567)');
    expect(e).toMatchObject({ subsystem: 'whatsapp', account: 'default', message: '[default] starting provider (+15551234567)', format: 'console' });
    expect(e?.time?.toISOString()).toBe('2026-11-26T15:49:06.572Z');
  });

  it('reads `openclaw logs` plain output: `<ISO> <level> <subsystem> <message>`', () => {
    const e = parseLogLine('2026-11-26T15:55:55.817+00:00 info gateway/shutdown shutdown completed cleanly in 2764ms');
    expect(e).toMatchObject({ level: 'info', subsystem: 'gateway/shutdown', message: 'shutdown completed cleanly in 2764ms' });
  });

  it('reads older plain output with a time of day, the bindings repeated, and an account', () => {
    const e = parseLogLine(
      '04:00:03+00:00 error gateway/channels/whatsapp {"subsystem":"gateway/channels/whatsapp"} [default] channel exited: {"error":{"output":{"statusCode":428}}}',
      REF,
    );
    expect(e).toMatchObject({ level: 'error', subsystem: 'gateway/channels/whatsapp', account: 'default' });
    expect(e?.message.startsWith('[default] channel exited:')).toBe(true);
    expect(e?.time?.toISOString()).toBe('2026-11-26T04:00:03.000Z');
  });

  it('places a bare time of day in the host zone, on the day before when it is later than the reference', () => {
    expect(parseLogLine('15:30:00 [whatsapp] x', { ...REF, utcOffsetMinutes: 60 })?.time?.toISOString()).toBe('2026-11-26T14:30:00.000Z');
    expect(parseLogLine('23:59:00 [whatsapp] x', REF)?.time?.toISOString()).toBe('2026-11-25T23:59:00.000Z');
    expect(parseLogLine('15:30:00 [whatsapp] x')?.time).toBeNull();
  });

  it('reads bare `[whatsapp] [default] …` and health-monitor tags', () => {
    expect(parseLogLine('[whatsapp] [default] auto-restart attempt 1/10 in 5s')).toMatchObject({ subsystem: 'whatsapp', account: 'default', time: null });
    expect(parseLogLine('2026-11-26T15:49:03.798+00:00 [health-monitor] [whatsapp:default] health-monitor: restarting (reason: stopped)')?.account).toBe('default');
    expect(parseLogLine('Error: No active WhatsApp Web listener (account: work).')?.account).toBe('work');
  });

  it('strips colours and does not take "Error:" at the start of CLI output for a level', () => {
    const e = parseLogLine('\x1b[31mError: Cannot find module \'@whiskeysockets/baileys\'\x1b[39m');
    expect(e).toMatchObject({ level: 'unknown', message: "Error: Cannot find module '@whiskeysockets/baileys'", format: 'plain' });
  });
});

describe('parseLogLine: journald and syslog', () => {
  it('unwraps `Mon DD HH:MM:SS host ident[pid]:` and keeps the inner line\'s own time', () => {
    const e = parseLogLine('Nov 26 15:55:52 vps openclaw[1234]: 2026-11-26T15:55:52.966+00:00 [gateway] received SIGTERM; shutting down', REF);
    expect(e).toMatchObject({ format: 'journal', subsystem: 'gateway', message: 'received SIGTERM; shutting down' });
    expect(e?.time?.toISOString()).toBe('2026-11-26T15:55:52.966Z');
  });

  it('uses the journal time (host zone, year from the reference) when the inner line has none', () => {
    const e = parseLogLine('Nov 26 15:00:01 vps openclaw[77]: Error: Cannot find module \'baileys\'', { ...REF, utcOffsetMinutes: -300 });
    expect(e?.time?.toISOString()).toBe('2026-11-26T20:00:01.000Z');
    const lastYear = parseLogLine('Dec 31 23:59:00 vps openclaw[1]: x', { referenceTime: new Date('2027-01-01T00:10:00Z') });
    expect(lastYear?.time?.toISOString()).toBe('2026-12-31T23:59:00.000Z');
  });

  it('reads `journalctl -o short-iso` and a JSON record inside a journal line', () => {
    const iso = parseLogLine('2026-11-26T15:31:00+0000 vps openclaw[2211]: [whatsapp] Listening for personal WhatsApp inbound messages.');
    expect(iso).toMatchObject({ format: 'journal', subsystem: 'whatsapp' });
    expect(iso?.time?.toISOString()).toBe('2026-11-26T15:31:00.000Z');
    const json = parseLogLine('Nov 26 15:12:40 vps node[3301]: {"0":"{\\"module\\":\\"web-reconnect\\"}","1":{"status":401},"2":"web reconnect: connection closed","_meta":{"logLevelName":"WARN"},"time":"2026-11-26T15:12:40.001+00:00"}', REF);
    expect(json).toMatchObject({ format: 'journal', level: 'warn', subsystem: 'web-reconnect' });
    expect(json?.fields).toMatchObject({ status: 401 });
  });

  it('does not mistake `<ISO> <level> <subsystem> message` for a short-iso journal line', () => {
    expect(parseLogLine('2026-05-05T19:16:25.101Z info gateway/channels/whatsapp [default] starting provider (+1555)')).toMatchObject({
      format: 'console', level: 'info', subsystem: 'gateway/channels/whatsapp', account: 'default',
    });
  });
});

describe('parseLog: robustness', () => {
  it('skips blanks, QR blocks, status-text lines and non-log JSON, and never throws on garbage', () => {
    const text = [
      '',
      '   ',
      ' ▄▄▄▄▄▄▄  ▄ ▄  ▄ ▄▄▄  ▄ ▄ ▄▄▄▄ ',
      '- WhatsApp default: enabled, configured, linked, running, connected',
      '{"not":"a log record"}',
      '{"0":',
      '\u0000\u0001binary\uFFFD\uFFFD',
      'x'.repeat(200_000),
      '<html><body>502 Bad Gateway</body></html>\r',
      '[whatsapp] Listening for personal WhatsApp inbound messages.\r',
    ].join('\n');
    const events = parseLog(text);
    expect(events.map((e) => e.format)).toEqual(['plain', 'plain', 'plain', 'plain', 'console']);
    expect(events.at(-1)?.message).toBe('Listening for personal WhatsApp inbound messages.');
    expect(events[2]?.raw.length).toBe(65_536);
  });

  it('accepts an array of lines, some holding several lines', () => {
    expect(parseLog(['[whatsapp] a\n[whatsapp] b', '[whatsapp] c']).map((e) => e.message)).toEqual(['a', 'b', 'c']);
  });
});
