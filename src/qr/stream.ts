import { StringDecoder } from 'node:string_decoder';
import { decodeMatrix } from './decode.js';
import { halfBlockLineCount, isHalfBlockLine, parseHalfBlockQr, sizeFromWidth } from './halfblock.js';
import { structuralProblem, type QrMatrix } from './matrix.js';
import { stripControl } from '../ui/printable.js';

export type LoginFailure = 'logged-out' | 'cooldown' | 'ended' | 'login-failed';

export type QrStreamEvent =
  /** `version` counts the QR codes decoded so far: 1 for the first, 2 after the first rotation… */
  | { kind: 'qr'; matrix: QrMatrix; payload: string; version: number; receivedAt: number }
  | { kind: 'linked'; text: string }
  | { kind: 'failed'; reason: LoginFailure; text: string }
  | { kind: 'line'; text: string }
  | { kind: 'garbled'; reason: string };

export interface QrStreamWatcherOptions {
  now?: () => number;
  /** Longest line kept; the rest of a longer one is dropped (a QR line is under 600 bytes). */
  maxLineLength?: number;
}

/** How long a link code lasts, for the countdown: about a minute for the first, then ~20 s each. */
export function qrLifetimeSeconds(version: number): number {
  return version <= 1 ? 60 : 20;
}

/** OpenClaw's compact QR draws one light module around the symbol. */
const COMPACT_MARGIN = 1;

/** Most specific first: a cooldown can arrive inside a "connection ended" message. */
const OUTCOMES: readonly [RegExp, (text: string) => QrStreamEvent][] = [
  [/\bLinked!/, (text) => ({ kind: 'linked', text })],
  [/Can[’']t link new devices/i, (text) => ({ kind: 'failed', reason: 'cooldown', text })],
  [/session is logged out/i, (text) => ({ kind: 'failed', reason: 'logged-out', text })],
  [/connection ended before fully opening/i, (text) => ({ kind: 'failed', reason: 'ended', text })],
  [/Channel login failed/i, (text) => ({ kind: 'failed', reason: 'login-failed', text })],
];

type BlockState = { kind: 'collecting'; lines: string[]; expected: number } | { kind: 'skipping' };

/**
 * Watches `openclaw channels login` output as it streams (Invoke's StreamWatcher, fed chunk by
 * chunk): lines are cut at `\n` only once complete, so a chunk boundary inside a UTF-8 character or
 * an escape sequence changes nothing. Half-block QR drawings are rebuilt into module matrices and
 * decoded; one that does not decode is reported as garbled rather than passed on to be shown.
 */
export class QrStreamWatcher {
  private readonly decoder = new StringDecoder('utf8');
  private readonly now: () => number;
  private readonly maxLineLength: number;
  private pending = '';
  private dropping = false;
  private block: BlockState | undefined;
  private decoded = 0;

  constructor(options: QrStreamWatcherOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxLineLength = options.maxLineLength ?? 16_384;
  }

  feed(chunk: Buffer | Uint8Array | string): QrStreamEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const events: QrStreamEvent[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      this.append(text.slice(start, newline));
      this.line(this.pending, events);
      this.pending = '';
      this.dropping = false;
      start = newline + 1;
    }
    this.append(text.slice(start));
    return events;
  }

  /** The stream closed: a last unterminated line counts, and a QR cut short is garbled. */
  end(): QrStreamEvent[] {
    const events = this.feed(this.decoder.end());
    if (this.pending !== '') this.line(this.pending, events);
    this.pending = '';
    this.dropping = false;
    this.closeBlock(events);
    return events;
  }

  private append(text: string): void {
    if (this.dropping) return;
    const room = this.maxLineLength - this.pending.length;
    if (text.length > room) this.dropping = true;
    this.pending += text.length > room ? text.slice(0, room) : text;
  }

  private line(raw: string, events: QrStreamEvent[]): void {
    // A clear-screen always starts something new, even right after a QR cut short.
    if (/\x1b\[[23]J|\x1bc/.test(raw)) this.closeBlock(events);
    const text = visibleText(raw);
    const block = this.block;
    if (block?.kind === 'collecting') {
      if (isHalfBlockLine(text)) {
        block.lines.push(text);
        if (block.lines.length === block.expected) {
          this.block = undefined;
          events.push(this.finish(block.lines));
        }
        return;
      }
      this.closeBlock(events);
    } else if (block?.kind === 'skipping') {
      if (isHalfBlockLine(text)) return;
      this.block = undefined;
    }

    // The first line of the drawing is the light top margin over row 0, so it has only lower halves.
    if (/^[ ▄]*▄[ ▄]*$/.test(text) && text.length >= 20) {
      const size = sizeFromWidth(text.length, COMPACT_MARGIN);
      if (size === undefined) {
        this.block = { kind: 'skipping' };
        events.push({ kind: 'garbled', reason: `a QR drawing ${text.length} columns wide fits no QR size` });
        return;
      }
      this.block = { kind: 'collecting', lines: [text], expected: halfBlockLineCount(size, COMPACT_MARGIN) };
      return;
    }
    const shown = text.trim();
    if (shown === '') return;
    const outcome = OUTCOMES.find(([pattern]) => pattern.test(shown));
    events.push(outcome ? outcome[1](shown) : { kind: 'line', text: shown });
  }

  private closeBlock(events: QrStreamEvent[]): void {
    const block = this.block;
    this.block = undefined;
    if (block?.kind === 'collecting') {
      events.push({ kind: 'garbled', reason: `QR drawing cut short: ${block.lines.length} of ${block.expected} lines` });
    }
  }

  private finish(lines: string[]): QrStreamEvent {
    const parsed = parseHalfBlockQr(lines, COMPACT_MARGIN);
    if (!parsed.ok) return { kind: 'garbled', reason: parsed.reason };
    const problem = structuralProblem(parsed.matrix);
    if (problem) return { kind: 'garbled', reason: problem };
    const decoded = decodeMatrix(parsed.matrix);
    if (!decoded.ok) return { kind: 'garbled', reason: decoded.reason };
    this.decoded += 1;
    return { kind: 'qr', matrix: parsed.matrix, payload: decoded.payload, version: this.decoded, receivedAt: this.now() };
  }
}

/**
 * What a terminal would leave on the line: after a bare `\r` only the text that follows it, and
 * no escape sequences or other control characters (tabs stay).
 */
export function visibleText(raw: string): string {
  let line = raw.replace(/\r+$/, '');
  const lastReturn = line.lastIndexOf('\r');
  if (lastReturn !== -1) line = line.slice(lastReturn + 1);
  return stripControl(line);
}
