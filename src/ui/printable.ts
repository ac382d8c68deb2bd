/**
 * The output edge for text from a host (or a pasted log): the one place where it becomes something a
 * terminal may show. Decode first (JSON, so a `\u001b` or `\u0034…` cannot come back after), then strip
 * every control sequence, then mask numbers: in that order, always, through `printable`.
 * Our own colours are added around what this returns, never inside it.
 */
import { maskText } from '../mask.js';

export interface PrintOptions {
  /** --show-numbers: phone numbers and WhatsApp ids unmasked. */
  showNumbers?: boolean;
  /** Keep newlines (a block of lines); else a newline or tab is one space, so a name cannot forge a row. */
  multiline?: boolean;
}

/**
 * Strip terminal control sequences (CSI, OSC, DCS/SOS/PM/APC strings, other escapes, C0 and C1
 * controls but tab and newline) and the Unicode bidi overrides that reorder what a line seems to say.
 */
export function stripControl(text: string): string {
  return text
    .replace(/\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g, '') // OSC … BEL/ST (titles, hyperlinks, clipboard)
    .replace(/\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g, '') // C1 OSC
    .replace(/(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?/g, '') // DCS, SOS, PM, APC strings
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '') // CSI sequences (cursor, colours, clear screen, …)
    .replace(/\x9b[0-?]*[ -/]*[@-~]/g, '') // C1 CSI
    .replace(/\x1b[ -/]*[0-~]/g, '') // other escapes, with their intermediate bytes (charset selection, RIS, …)
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
}

/** The one sanitizer: what a host said, fit for a terminal. */
export function printable(text: string, options: PrintOptions = {}): string {
  const plain = stripControl(options.multiline ? text : text.replace(/[\r\n\t]+/g, ' '));
  return options.showNumbers ? plain : maskText(plain);
}

/** Every string inside a JSON-like value through `printable` (object keys too: a host may name them). */
export function printableDeep<T>(value: T, options: PrintOptions = {}): T {
  if (typeof value === 'string') return printable(value, options) as T;
  if (Array.isArray(value)) return value.map((v) => printableDeep(v, options)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [printable(k, options), printableDeep(v, options)])) as T;
  }
  return value;
}

/** `printable` for a block of lines. */
export const printableLines = (text: string, options: PrintOptions = {}): string => printable(text, { ...options, multiline: true });
