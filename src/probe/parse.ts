/** Splits the probe's output into its sections; pure, so it is tested on captured outputs. */

export interface ProbeSections {
  version: number | null;
  /** key=value sections, keys in order of appearance (repeated keys keep every value). */
  values: Map<string, Map<string, string[]>>;
  /** Raw text of every section, by name (`log <file>` sections keep their file in the name). */
  raw: Map<string, string>;
  /** Whether the probe ran to its end marker (a truncated or killed probe is partial evidence). */
  complete: boolean;
}

const HEADER = /^@@clawfix-probe (\d+)$/;
const SECTION = /^@@([a-z][a-z-]*(?: .*)?)$/;

export function splitSections(output: string): ProbeSections {
  const raw = new Map<string, string>();
  let version: number | null = null;
  let current: string | null = null;
  let lines: string[] = [];
  let complete = false;
  const flush = () => {
    if (current !== null) raw.set(current, (raw.get(current) ?? '') + lines.join('\n').replace(/\n+$/, ''));
    lines = [];
  };
  for (const line of output.split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      version = Number(header[1]);
      continue;
    }
    const section = SECTION.exec(line);
    if (section && version !== null) {
      flush();
      current = section[1]!;
      if (current === 'end') complete = true;
      continue;
    }
    if (current !== null) lines.push(line);
  }
  flush();
  const values = new Map<string, Map<string, string[]>>();
  for (const [name, text] of raw) values.set(name, keyValues(text));
  return { version, values, raw, complete };
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
