/**
 * Masks phone numbers and WhatsApp ids in any text (all output, unless --show-numbers):
 *   +447700900123              → +44••••••0123        (country code and last 4 kept)
 *   +1 555 123 4567            → +1 •••-••• 4567 style (separators kept)
 *   447700900123:12@s.whatsapp.net → 44••••••0123:12@s.whatsapp.net
 *   123456789012345@lid        → •••••••••••2345@lid   (a LID has no country code)
 * Only a `+` number (8–15 digits, first digit 1–9) or a JID is touched, so ISO times (+00:00),
 * epoch milliseconds, pids, ports, status codes and versions come through unchanged. Idempotent.
 */

export const MASK = '•';

// ITU calling codes: 1 and 7 are one digit; these are two; every other code has three.
const TWO_DIGIT_CODES = new Set([
  20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58,
  60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
]);

export function countryCodeLength(digits: string): number {
  if (digits.startsWith('1') || digits.startsWith('7')) return 1;
  return TWO_DIGIT_CODES.has(Number(digits.slice(0, 2))) ? 2 : 3;
}

/** Replaces digits between the first `keepStart` and the last 4 with MASK; other characters stay. */
function maskDigitsIn(text: string, keepStart: number): string {
  const total = (text.match(/\d/g) ?? []).length;
  const keepEnd = Math.min(4, Math.max(0, total - keepStart - 1));
  let seen = 0;
  let out = '';
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') {
      out += seen >= keepStart && seen < total - keepEnd ? MASK : ch;
      seen++;
    } else out += ch;
  }
  return out;
}

function maskE164Digits(text: string): string {
  const digits = text.replace(/\D/g, '');
  return maskDigitsIn(text, countryCodeLength(digits));
}

const COMPACT_PHONE = /(?<![\w+])\+[1-9]\d{7,14}(?!\d)/g;
const SPACED_PHONE = /(?<![\w+])\+[1-9]\d{0,2}(?:[ .-]\(?\d{2,4}\)?){2,5}(?![\d])/g;
const JID = /(?<![\w])(\d[\d-]{4,30})((?::\d+)?@(s\.whatsapp\.net|c\.us|lid|g\.us|broadcast|newsletter))\b/g;
const PHONE_JID_SERVERS = new Set(['s.whatsapp.net', 'c.us']);

export function maskText(text: string): string {
  return text
    .replace(JID, (_m, id: string, rest: string, server: string) => {
      if (!PHONE_JID_SERVERS.has(server)) return maskDigitsIn(id, 0) + rest;
      return maskE164Digits(id) + rest;
    })
    .replace(COMPACT_PHONE, (m) => maskE164Digits(m))
    .replace(SPACED_PHONE, (m) => {
      const count = m.replace(/\D/g, '').length;
      return count >= 8 && count <= 15 ? maskE164Digits(m) : m;
    });
}

/** Masks every string inside a JSON-like value (object keys are left alone). */
export function maskDeep<T>(value: T): T {
  if (typeof value === 'string') return maskText(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v)])) as T;
  }
  return value;
}

/** The name the commands use. */
export const maskNumbers = maskText;
