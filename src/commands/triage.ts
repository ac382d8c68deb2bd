import { createReadStream } from 'node:fs';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { LineSplitter } from '../lines.js';
import { consumeCapped, mebibytes } from '../read-capped.js';
import { printable } from '../ui/printable.js';
import { isRelevantLogLine } from '../triage/relevance.js';
import { needsAttention, triageText } from '../triage/triage.js';
import { bold, cyan, dim, green, yellow } from '../ui/style.js';

export interface TriageOptions {
  log?: string;
  status?: string;
  openclawVersion?: string;
  json: boolean;
  showNumbers: boolean;
}

/** `clawfix triage`: the diagnose engine on pasted text (a log excerpt, a status output), no SSH. */
export async function triageCommand(options: TriageOptions, ctx: CommandContext): Promise<number> {
  if (!options.log && !options.status) {
    if (process.stdin.isTTY) throw new UsageError('nothing to triage', 'pass --log FILE (or - for stdin) and/or --status FILE');
    options.log = '-';
  }
  const log = options.log ? await readLog(options.log) : undefined;
  const status = options.status ? await readStatus(options.status) : undefined;
  const verdict = triageText({ log, status, openclawVersion: options.openclawVersion ?? null });
  const clean = (text: string) => printable(text, { showNumbers: options.showNumbers });
  const result = {
    verdict: verdict.verdict,
    summary: clean(verdict.summary),
    evidence: verdict.evidence.map((e) => ({ ...e, text: clean(e.text) })),
    remedy: verdict.remedy,
  };
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const colour = needsAttention(result.verdict) ? yellow : green;
    const lines = [`${bold('verdict')}  ${colour(result.verdict)}`, `${bold('summary')}  ${result.summary}`];
    if (result.evidence.length) lines.push(bold('evidence'), ...result.evidence.map((e) => `  ${dim(e.time ?? '')} ${e.text}`.trimEnd()));
    lines.push(`${bold('remedy')}   ${result.remedy.action}${result.remedy.destructive ? yellow(' (destructive)') : ''}`);
    lines.push(...result.remedy.commands.map((c) => `  ${cyan('$')} ${c}`));
    ctx.stdout.write(`${lines.join('\n')}\n`);
  }
  return needsAttention(result.verdict) ? ExitCode.NEEDS_ATTENTION : ExitCode.OK;
}

/** Above this, a log is read as a stream and only the lines that can matter are kept. */
const WHOLE_LOG_BYTES = 4 * 1024 * 1024;
const MAX_KEPT_LINES = 20_000;
/** More than any log worth pasting; `/dev/zero` or an endless pipe stops here. */
export const MAX_LOG_BYTES = 256 * 1024 * 1024;
/** `channels status` output is a few KB. */
export const MAX_STATUS_BYTES = 16 * 1024 * 1024;

/**
 * A small paste is judged whole (its last lines are the evidence when nothing fits); a large log is
 * streamed and filtered like the probe filters logs on a host, so memory stays flat however big it
 * is. Lines are cut at MAX_LINE_BYTES; binary input (a NUL byte) and input past MAX_LOG_BYTES are
 * refused in one line.
 */
async function readLog(path: string): Promise<string> {
  let kept: string[] = [];
  let bytes = 0;
  let filtering = false;
  const lines = new LineSplitter((line) => {
    bytes += line.length + 1;
    if (!filtering && bytes > WHOLE_LOG_BYTES) {
      filtering = true;
      kept = kept.filter(isRelevantLogLine);
    }
    if (filtering && !isRelevantLogLine(line)) return;
    kept.push(line);
    if (kept.length > MAX_KEPT_LINES * 2) kept = kept.slice(-MAX_KEPT_LINES);
  });
  const whole = await readInput(path, MAX_LOG_BYTES, (chunk) => lines.push(chunk));
  if (!whole) throw tooLarge(path, MAX_LOG_BYTES);
  lines.end();
  return kept.slice(-MAX_KEPT_LINES).join('\n');
}

async function readStatus(path: string): Promise<string> {
  const chunks: Buffer[] = [];
  if (!(await readInput(path, MAX_STATUS_BYTES, (chunk) => chunks.push(chunk)))) throw tooLarge(path, MAX_STATUS_BYTES);
  return Buffer.concat(chunks).toString('utf8');
}

/** Streams a file or stdin (`-`) to `onChunk`; false past `maxBytes`; a read error or binary input is a UsageError. */
async function readInput(path: string, maxBytes: number, onChunk: (chunk: Buffer) => void): Promise<boolean> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  let offset = 0;
  try {
    return await consumeCapped(input, maxBytes, (chunk) => {
      const nul = chunk.indexOf(0);
      if (nul !== -1) throw new UsageError(`${shown(path)} is binary (a NUL byte at offset ${offset + nul}), not a log or status output`, 'pass the text of a log: openclaw logs, journalctl or the gateway log file');
      offset += chunk.length;
      onChunk(chunk);
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${shown(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check the path');
  }
}

function tooLarge(path: string, maxBytes: number): UsageError {
  return new UsageError(`${shown(path)} is larger than ${mebibytes(maxBytes)}: clawfix triage reads no more than that`, 'pass the last part of the log only (tail -n 100000)');
}

function shown(path: string): string {
  return path === '-' ? 'the input on stdin' : path;
}
