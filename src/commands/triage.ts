import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
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
  const status = options.status ? await readInput(options.status) : undefined;
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

/**
 * A small paste is judged whole (its last lines are the evidence when nothing fits); a large log is
 * streamed and filtered like the probe filters logs on a host, so memory stays flat however big it is.
 */
async function readLog(path: string): Promise<string> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  let kept: string[] = [];
  let bytes = 0;
  let filtering = false;
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      bytes += line.length + 1;
      if (!filtering && bytes > WHOLE_LOG_BYTES) {
        filtering = true;
        kept = kept.filter(isRelevantLogLine);
      }
      if (filtering && !isRelevantLogLine(line)) continue;
      kept.push(line);
      if (kept.length > MAX_KEPT_LINES * 2) kept = kept.slice(-MAX_KEPT_LINES);
    }
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check the path');
  }
  return kept.slice(-MAX_KEPT_LINES).join('\n');
}

async function readInput(path: string): Promise<string> {
  const MAX = 200 * 1024 * 1024;
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of process.stdin) {
        size += (chunk as Buffer).length;
        if (size > MAX) throw new UsageError('input on stdin is larger than 200 MB', 'pass the last part of the log only');
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check the path');
  }
}
