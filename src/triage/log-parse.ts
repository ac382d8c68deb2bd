/**
 * Turns OpenClaw log lines, in every shape they reach us, into LogEvents:
 *  - the file log (`/tmp/openclaw/openclaw-YYYY-MM-DD.log`): tslog JSON records; `"0"` is either the
 *    subsystem bindings (`{"subsystem":"channels/whatsapp"}` / `{"module":"web-reconnect",…}`) or the
 *    message itself; later keys are more text or structured fields;
 *  - `openclaw logs --json`: `{"type":"log","time",…,"raw":"<the tslog line>"}`;
 *  - console: `<ISO> [subsystem] message` (gateway stdout), `<ISO> <level> <subsystem> message`
 *    (`openclaw logs`), older `HH:MM:SS[+00:00] <level> <subsystem> {"subsystem":…} message`,
 *    bare `[whatsapp] [default] …`, CLI output without any prefix;
 *  - journald / syslog: `Nov 26 15:55:52 host openclaw[1234]: …` and `-o short-iso`, wrapping any of the above.
 * Status text (`- WhatsApp default: …`) belongs to status-parse.ts and is skipped here.
 * Nothing here throws: a line that fits no format becomes a `plain` event, which no rule will match.
 */
import { stripControl } from '../ui/printable.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'unknown';
export type LogFormat = 'tslog-json' | 'logs-json' | 'console' | 'journal' | 'plain';

export interface LogEvent {
  time: Date | null;
  level: LogLevel;
  subsystem: string | null;
  account?: string;
  message: string;
  /** Structured fields of a tslog record (`"1": {"status":408,…}`). */
  fields?: Record<string, unknown>;
  format: LogFormat;
  raw: string;
}

export interface ParseOptions {
  /** Completes dates a line lacks (journal short format has no year; old consoles show only HH:MM:SS). */
  referenceTime?: Date;
  /** Zone of times written without one (journal short format, bare HH:MM:SS); UTC when absent. */
  utcOffsetMinutes?: number;
}

const MAX_LINE = 65_536;
const ISO = String.raw`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?`;
const CLOCK = String.raw`\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?`;
const LEVEL_WORDS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'err', 'fatal'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const JOURNAL_SHORT = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d)(?:\.\d+)? (\S+) ([^\s:[\]]+)(?:\[\d+\])?: ?(.*)$/;
const JOURNAL_ISO = new RegExp(`^(${ISO}) (\\S+) ([^\\s:[\\]]+)(?:\\[\\d+\\])?: ?(.*)$`);
const TIMED = new RegExp(`^(${ISO}|${CLOCK})\\s+(.*)$`);
const LEVEL_PREFIX = new RegExp(`^(${LEVEL_WORDS.join('|')})\\b:?\\s*(.*)$`, 'i');
const SUBSYSTEM_TOKEN = /^([a-z][a-z0-9._-]*(?:\/[a-z0-9._-]+)*)(?:\s+(.*))?$/;
const BRACKET_SUBSYSTEM = /^\[([a-z][\w./:-]*)\]\s*(.*)$/i;
const STATUS_TEXT_LINE = /^-\s+WhatsApp\s+\S+:\s/;
const QR_LINE = /^[\s█▀▄]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function normalizeLevel(value: unknown): LogLevel {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if (v === 'warning') return 'warn';
  if (v === 'err') return 'error';
  return (['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const).find((l) => l === v) ?? 'unknown';
}

function parseIso(text: unknown): Date | null {
  if (typeof text !== 'string' && typeof text !== 'number') return null;
  const d = new Date(typeof text === 'string' ? text.replace(' ', 'T').replace(',', '.') : text);
  return Number.isNaN(d.getTime()) ? null : d;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The host-local calendar date of `ref` as YYYY-MM-DD. */
function localDate(ref: Date, offset: number): string {
  return new Date(ref.getTime() + offset * 60_000).toISOString().slice(0, 10);
}

/** `HH:MM:SS[.mmm][zone]` on the reference day; a time later than the reference belongs to the day before. */
function clockTime(clock: string, opts: ParseOptions): Date | null {
  if (!opts.referenceTime) return null;
  const offset = opts.utcOffsetMinutes ?? 0;
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(clock) ? clock : clock + offsetText(offset);
  const d = parseIso(`${localDate(opts.referenceTime, offset)}T${zoned}`);
  if (d && d.getTime() > opts.referenceTime.getTime() + 3_600_000) return new Date(d.getTime() - 86_400_000);
  return d;
}

function journalShortTime(month: string, day: string, clock: string, opts: ParseOptions): Date | null {
  if (!opts.referenceTime) return null;
  const offset = opts.utcOffsetMinutes ?? 0;
  const m = MONTHS.indexOf(month);
  if (m < 0) return null;
  let year = Number(localDate(opts.referenceTime, offset).slice(0, 4));
  const build = (y: number) =>
    parseIso(`${y}-${String(m + 1).padStart(2, '0')}-${day.padStart(2, '0')}T${clock}${offsetText(offset)}`);
  let d = build(year);
  if (d && d.getTime() > opts.referenceTime.getTime() + 86_400_000) d = build(--year);
  return d;
}

function anyTime(text: string, opts: ParseOptions): Date | null {
  return /^\d{4}-/.test(text) ? parseIso(text) : clockTime(text, opts);
}

/** `[default] …`, `[whatsapp:default]`, `(account: default)`, `auth for whatsapp/default`, or an accountId field. */
export function extractAccount(subsystem: string | null, message: string, fields?: Record<string, unknown>): string | undefined {
  const fromField = fields?.['accountId'];
  if (typeof fromField === 'string' && fromField) return fromField;
  const lead = /^\[([\w.-]+)\]\s/.exec(message);
  if (lead?.[1] && lead[1] !== 'whatsapp' && (subsystem ?? '').includes('whatsapp')) return lead[1];
  const tagged = /\[whatsapp:([\w.-]+)\]|\(account: ([\w.-]+)\)|\bfor whatsapp\/([\w.-]+?)[.,:]?(?:\s|$)/.exec(message);
  return tagged?.[1] ?? tagged?.[2] ?? tagged?.[3];
}

/** Removes a leading `{"subsystem":…}` / `{"module":…}` bindings object (older plain output repeats it). */
function stripBindings(message: string): { subsystem: string | null; rest: string } {
  if (!/^\{"(?:subsystem|module)"/.test(message)) return { subsystem: null, rest: message };
  for (let end = message.indexOf('}'); end !== -1; end = message.indexOf('}', end + 1)) {
    const parsed = tryJson(message.slice(0, end + 1));
    if (isRecord(parsed)) {
      const name = parsed['subsystem'] ?? parsed['module'];
      return { subsystem: typeof name === 'string' ? name : null, rest: message.slice(end + 1).trimStart() };
    }
  }
  return { subsystem: null, rest: message };
}

function fromTslog(record: Record<string, unknown>, raw: string, format: LogFormat): LogEvent {
  const meta = isRecord(record['_meta']) ? record['_meta'] : {};
  let subsystem: string | null = null;
  const texts: string[] = [];
  let fields: Record<string, unknown> | undefined;
  const argKeys = Object.keys(record)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b));
  for (const key of argKeys) {
    const value = record[key];
    if (key === '0' && typeof value === 'string' && value.startsWith('{')) {
      const bindings = tryJson(value);
      if (isRecord(bindings) && ('subsystem' in bindings || 'module' in bindings)) {
        const name = bindings['subsystem'] ?? bindings['module'];
        subsystem = typeof name === 'string' ? name : null;
        continue;
      }
    }
    if (typeof value === 'string') texts.push(value);
    else if (isRecord(value)) fields = { ...fields, ...value };
    else if (value !== null && value !== undefined) texts.push(JSON.stringify(value));
  }
  if (subsystem === null && typeof meta['name'] === 'string' && meta['name'].startsWith('{')) {
    const bindings = tryJson(meta['name']);
    if (isRecord(bindings) && typeof bindings['subsystem'] === 'string') subsystem = bindings['subsystem'];
  }
  const message = typeof record['message'] === 'string' && record['message'] ? record['message'] : texts.join(' ');
  const event: LogEvent = {
    time: parseIso(record['time']) ?? parseIso(meta['date']),
    level: normalizeLevel(meta['logLevelName']),
    subsystem,
    message,
    format,
    raw,
  };
  if (fields) event.fields = fields;
  const account = extractAccount(subsystem, message, fields);
  if (account) event.account = account;
  return event;
}

function fromJson(value: unknown, raw: string): LogEvent | null {
  if (!isRecord(value)) return null;
  if (value['type'] === 'log') {
    const inner = typeof value['raw'] === 'string' ? tryJson(value['raw']) : undefined;
    const event = isRecord(inner) && ('_meta' in inner || '0' in inner) ? fromTslog(inner, raw, 'logs-json') : null;
    const message = typeof value['message'] === 'string' ? value['message'] : (event?.message ?? '');
    const subsystem = typeof value['subsystem'] === 'string' ? value['subsystem'] : (event?.subsystem ?? null);
    const result: LogEvent = {
      ...(event ?? {}),
      time: parseIso(value['time']) ?? event?.time ?? null,
      level: normalizeLevel(value['level']) === 'unknown' ? (event?.level ?? 'unknown') : normalizeLevel(value['level']),
      subsystem,
      message,
      format: 'logs-json',
      raw,
    };
    const account = extractAccount(subsystem, message, result.fields);
    if (account) result.account = account;
    return result;
  }
  if ('_meta' in value || '0' in value) return fromTslog(value, raw, 'tslog-json');
  return null;
}

/** Console text after any timestamp: `[level] [subsystem|[subsystem]] [bindings] message`. */
function fromConsole(text: string, time: Date | null, raw: string, format: LogFormat, timed: boolean): LogEvent {
  let rest = text;
  let level: LogLevel = 'unknown';
  let subsystem: string | null = null;
  const lvl = LEVEL_PREFIX.exec(rest);
  // a level word only counts after a timestamp: CLI output may start with "Error: …"
  if (lvl && timed) {
    level = normalizeLevel(lvl[1]);
    rest = lvl[2] ?? '';
    const sub = SUBSYSTEM_TOKEN.exec(rest);
    if (sub?.[1] && !rest.startsWith('[')) {
      subsystem = sub[1];
      rest = sub[2] ?? '';
    }
  }
  const bracket = BRACKET_SUBSYSTEM.exec(rest);
  if (subsystem === null && bracket?.[1]) {
    subsystem = bracket[1];
    rest = bracket[2] ?? '';
  }
  const bound = stripBindings(rest);
  subsystem = subsystem ?? bound.subsystem;
  const message = bound.rest.trim();
  const event: LogEvent = { time, level, subsystem, message, format, raw };
  const account = extractAccount(subsystem, message);
  if (account) event.account = account;
  return event;
}

function parseInner(text: string, raw: string, opts: ParseOptions, outerTime: Date | null, format: LogFormat): LogEvent | null {
  if (text.startsWith('{')) {
    const json = tryJson(text);
    if (json !== undefined) {
      const event = fromJson(json, raw);
      if (event && format === 'journal') return { ...event, time: event.time ?? outerTime, format };
      return event;
    }
  }
  const timed = TIMED.exec(text);
  if (timed?.[1]) {
    const time = anyTime(timed[1], opts) ?? outerTime;
    return fromConsole(timed[2] ?? '', time, raw, format === 'journal' ? format : 'console', true);
  }
  const event = fromConsole(text, outerTime, raw, format, false);
  if (event.subsystem === null && format === 'plain') return event;
  return { ...event, format: format === 'plain' ? 'console' : format };
}

/** One line to one event; null for blank lines, QR blocks, status-text lines and non-log JSON. */
export function parseLogLine(line: string, opts: ParseOptions = {}): LogEvent | null {
  const raw = line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
  const text = stripControl(raw.replace(/\r$/, '')).trim();
  if (!text || QR_LINE.test(text) || STATUS_TEXT_LINE.test(text)) return null;
  const short = JOURNAL_SHORT.exec(text);
  if (short && !LEVEL_WORDS.includes((short[4] ?? '').toLowerCase())) {
    const time = journalShortTime(short[1] ?? '', short[2] ?? '', short[3] ?? '', opts);
    return parseInner(short[6] ?? '', raw, opts, time, 'journal');
  }
  const iso = JOURNAL_ISO.exec(text);
  if (iso && !LEVEL_WORDS.includes((iso[2] ?? '').toLowerCase())) {
    return parseInner(iso[4] ?? '', raw, opts, parseIso(iso[1]), 'journal');
  }
  return parseInner(text, raw, opts, null, 'plain');
}

export function parseLog(input: string | readonly string[], opts: ParseOptions = {}): LogEvent[] {
  const lines = typeof input === 'string' ? input.split('\n') : input.flatMap((l) => l.split('\n'));
  const events: LogEvent[] = [];
  for (const line of lines) {
    const event = parseLogLine(line, opts);
    if (event) events.push(event);
  }
  return events;
}

/** The text rules match against: the message plus any structured fields. */
export function eventText(event: LogEvent): string {
  return event.fields ? `${event.message} ${JSON.stringify(event.fields)}` : event.message;
}

export { parseChannelsStatus, parseStatusText, type AccountStatus } from './status-parse.js';
