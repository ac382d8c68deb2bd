/**
 * Splits the probe's output into its sections; pure, so it is tested on captured outputs.
 *
 * Each delimiter carries this run's nonce, which the probe got on stdin (never in argv or its
 * environment, so the commands it runs cannot learn it). A line that starts with `@@` without it —
 * a forged section, a planted log line, a second copy of a section — refuses the whole output: what
 * a host prints is never half trusted. The probe shifts its own free text (log tails, CLI output) so
 * that no line of it starts with `@@`.
 */
import { randomBytes } from 'node:crypto';
import { ClawfixError, ExitCode } from '../errors.js';

export interface ProbeSections {
  version: number | null;
  /** key=value sections, keys in order of appearance (repeated keys keep every value). */
  values: Map<string, Map<string, string[]>>;
  /** Raw text of every section, by name (`log <file>` sections keep their file in the name). */
  raw: Map<string, string>;
  /** Whether the probe ran to its end marker (a truncated or killed probe is partial evidence). */
  complete: boolean;
}

/** A fresh nonce for one probe run: 128 random bits, hex. */
export function probeNonce(): string {
  return randomBytes(16).toString('hex');
}

const NONCE = /^[0-9a-f]{32}$/;
const SECTION_NAME = /^[a-z][a-z-]*(?: [^\0]*)?$/;

/** The output of a probe that a process on the host tried to forge: diagnose shows it as probe-failed. */
export class ProbeRefusedError extends ClawfixError {
  constructor(reason: string) {
    super('PROBE_REFUSED', `the probe's output was refused: ${reason}`, {
      exitCode: ExitCode.NEEDS_ATTENTION,
      hint: 'something on the host printed probe delimiters it was not given; look for a compromised OpenClaw user or planted log lines',
    });
    this.name = 'ProbeRefusedError';
  }
}

export function splitSections(output: string, nonce: string): ProbeSections {
  if (!NONCE.test(nonce)) throw new Error('splitSections needs the nonce the probe was given');
  const header = `@@clawfix-probe 2 ${nonce}`;
  const marker = `@@${nonce} `;
  const raw = new Map<string, string>();
  let version: number | null = null;
  let current: string | null = null;
  let lines: string[] = [];
  let complete = false;
  const flush = () => {
    if (current !== null) raw.set(current, lines.join('\n').replace(/\n+$/, ''));
    lines = [];
  };
  const all = output.split('\n');
  // A probe cut short (killed, output capped) may end in half a delimiter: incomplete, not forged.
  if (!output.endsWith('\n') && all.at(-1)?.startsWith('@@')) all.pop();
  for (const line of all) {
    if (!line.startsWith('@@')) {
      if (current !== null) lines.push(line);
      continue;
    }
    if (line === header && version === null) {
      version = 2;
      continue;
    }
    const name = line.startsWith(marker) && version !== null ? line.slice(marker.length) : null;
    if (name === null || !SECTION_NAME.test(name)) throw new ProbeRefusedError(`a line starts with @@ but is no delimiter of this run (${describe(line)})`);
    if (raw.has(name) || name === current || complete) throw new ProbeRefusedError(`section ${describe(name)} appears twice`);
    flush();
    current = name;
    if (name === 'end') complete = true;
  }
  flush();
  const values = new Map<string, Map<string, string[]>>();
  for (const [name, text] of raw) values.set(name, keyValues(text));
  return { version, values, raw, complete };
}

/** A short, quoted, control-free rendering of a refused line for the one-line message. */
function describe(text: string): string {
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  return shown.replace(/[^\x20-\x7e…]/g, '?');
}

function keyValues(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z][\w.-]*$/.test(line.slice(0, eq))) continue;
    const key = line.slice(0, eq);
    map.set(key, [...(map.get(key) ?? []), line.slice(eq + 1)]);
  }
  return map;
}

export function first(sections: ProbeSections, section: string, key: string): string | undefined {
  return sections.values.get(section)?.get(key)?.[0];
}

export function all(sections: ProbeSections, section: string, key: string): string[] {
  return sections.values.get(section)?.get(key) ?? [];
}
