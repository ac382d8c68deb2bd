/**
 * `clawfix logs <host>`: the gateway's log file read on the host (works with the gateway down),
 * each JSON line turned into `time level [subsystem] message`, WhatsApp-relevant lines only unless
 * --all, terminal control sequences from the host removed and numbers masked. --follow streams.
 */
import type { CommandContext } from '../context.js';
import { ExitCode } from '../errors.js';
import { openHost } from '../fix/connect.js';
import { CUT_MARKER, LineSplitter } from '../lines.js';
import { sh } from '../shell.js';
import { parseLogLine, type LogEvent } from '../triage/log-parse.js';
import { isRelevantLogLine } from '../triage/relevance.js';
import { printable, stripControl, type PrintOptions } from '../ui/printable.js';
import { dim, red, yellow } from '../ui/style.js';

export interface LogsOptions {
  follow: boolean;
  lines: number;
  all: boolean;
  showNumbers: boolean;
}

/**
 * Finds the newest log file (logging.file from the config wins) and tails it. Of /tmp/openclaw and
 * /tmp/openclaw-<uid> only a dir that is the user's own, not a symlink and not group/other-writable
 * counts: OpenClaw itself logs elsewhere otherwise, and lines in it could be another user's (the
 * probe applies the same test, src/probe/probe.sh).
 */
export function logScript(stateDir: string, lines: number, follow: boolean, container?: string): string {
  const inside = `the container is not running, and its log files were inside it, not on a volume: \`docker logs ${container ?? '<container>'}\` (or podman logs) has its console output`;
  return sh`f=$(sed -n 's/.*"file": *"\\([^"]*\\)".*/\\1/p' ${`${stateDir}/openclaw.json`} 2>/dev/null | head -n 1)
own_dir() { [ -d "$1" ] && [ ! -L "$1" ] && [ "$(stat -c %u "$1" 2>/dev/null)" = "$(id -u)" ] && case "$(stat -c %A "$1" 2>/dev/null)" in ?????w*|????????w*) false;; esac; }
dirs=; for d in /tmp/openclaw /tmp/openclaw-$(id -u); do own_dir "$d" && dirs="$dirs $d/openclaw*.log"; done
[ -n "$f" ] && [ -r "$f" ] || { f=; [ -z "$dirs" ] || f=$(ls -1t $dirs 2>/dev/null | head -n 1); }
[ -n "$f" ] || [ -z "\${CLAWFIX_CONTAINER_STATE:-}" ] || { echo ${inside} >&2; exit 1; }
[ -n "$f" ] || { echo "no OpenClaw log file of this user found (/tmp/openclaw/openclaw-*.log)" >&2; exit 1; }
echo "@@file $f"
exec tail -n ${String(lines)} ${follow ? sh`-F` : sh``} "$f"`.text;
}

/** An event as a line; its subsystem and message are decoded from JSON by now, and go through the edge. */
export function formatEvent(event: LogEvent, options: PrintOptions = {}): string {
  const time = event.time ? event.time.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '                    ';
  const level = event.level === 'unknown' ? 'info' : event.level;
  const paint = level === 'error' || level === 'fatal' ? red : level === 'warn' ? yellow : (s: string) => s;
  return `${dim(time)} ${paint(level.padEnd(5))} ${event.subsystem ? dim(`[${printable(event.subsystem, options)}] `) : ''}${printable(event.message, options)}`;
}

/**
 * One raw line, as the host sent it → the text to print, or null when it is filtered out. Decoded
 * first, cleaned and masked after (src/ui/printable.ts): a JSON-escaped `\u001b` or `\u0034…` is a
 * control character or a digit again only once decoded.
 */
export function renderLine(raw: string, options: { all: boolean } & PrintOptions): string | null {
  // the splitter's cut marker is ours, kept apart: the parser's own length cap would drop it
  const cut = CUT_MARKER.exec(raw)?.[0] ?? '';
  const line = raw.slice(0, raw.length - cut.length).trimEnd();
  const plain = stripControl(line);
  if (plain.trim() === '' || (!options.all && !isRelevantLogLine(plain))) return null;
  const event = parseLogLine(line);
  return `${event ? formatEvent(event, options) : printable(line, options)}${cut}`;
}

export async function logs(target: string, options: LogsOptions, ctx: CommandContext): Promise<number> {
  const session = await openHost(target, ctx, { showNumbers: options.showNumbers });
  const { remote } = session;
  try {
    // Filtering happens here, so read more than asked for and keep the last N that pass.
    const readLines = options.all ? options.lines : Math.min(options.lines * 20, 200_000);
    const kept: string[] = [];
    let file = '';
    let live = false;
    const onLine = (raw: string) => {
      if (raw.startsWith('@@file ')) return void (file = printable(raw.slice(7), options));
      const text = renderLine(raw, { all: options.all, showNumbers: options.showNumbers });
      if (text === null) return;
      if (live) return void ctx.stdout.write(`${text}\n`);
      kept.push(text);
      // only the last N are printed: keep no more than twice that while the tail streams in
      if (kept.length > options.lines * 2) kept.splice(0, kept.length - options.lines);
    };
    const lines = new LineSplitter(onLine);
    const command = { as: 'service' as const, script: logScript(remote.target.stateDir, readLines, options.follow, session.host.openclaw.container), ...(options.follow ? {} : { timeoutMs: 120_000 }) };
    const flushAfterTail = options.follow
      ? setTimeout(() => {
          ctx.stdout.write(kept.slice(-options.lines).map((l) => `${l}\n`).join(''));
          live = true;
        }, 1500)
      : undefined;
    const result = await remote.run(command, { onStdout: (chunk) => lines.push(chunk), maxOutputBytes: 1024, signal: ctx.signal });
    lines.end();
    clearTimeout(flushAfterTail);
    if (!live) ctx.stdout.write(kept.slice(-options.lines).map((l) => `${l}\n`).join(''));
    if (file && !ctx.options.quiet) ctx.stderr.write(dim(`(${file} on ${session.host.name}${options.all ? '' : ', WhatsApp-relevant lines; --all for every line'})\n`));
    if (ctx.signal.aborted) return ExitCode.OK;
    if (result.exitCode !== 0) {
      ctx.stderr.write(`clawfix: ${session.host.name}: ${remote.describe(result)}\n`);
      return ExitCode.NEEDS_ATTENTION;
    }
    return ExitCode.OK;
  } finally {
    await session.close();
  }
}
