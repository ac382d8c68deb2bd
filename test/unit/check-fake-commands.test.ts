// Every `openclaw …` command clawfix sends to a host has a check in scripts/check-fake/checks.mjs
// (the differential check of the fake against the real CLI), named after the file it is sent from:
// a new command in src/ without a check fails here.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Check {
  name: string;
  from: string[];
  args: string[];
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { CHECKS, GATEWAY } = (await import(pathToFileURL(path.join(REPO, 'scripts/check-fake/checks.mjs')).href)) as { CHECKS: Check[]; GATEWAY: Check };
const ALL = [GATEWAY, ...CHECKS];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? sourceFiles(rel) : /\.(ts|sh)$/.test(e.name) ? [rel] : [];
  });
}

/** The subcommand words (or the lone option, e.g. --version) at the start of a command's arguments. */
function words(args: string[]): string[] {
  const firstOption = args.findIndex((a) => a.startsWith('-'));
  const leading = firstOption < 0 ? args : args.slice(0, firstOption);
  return leading.length ? leading : args.slice(0, 1);
}

/** `openclaw(t, 'a', 'b', …)` in TypeScript (a spread takes the file's `args = ['a', …]`); `openclaw a b` in shell. */
function sent(file: string): string[][] {
  const text = fs.readFileSync(path.join(REPO, file), 'utf8');
  const leadingLiterals = (list: string) => {
    const out: string[] = [];
    for (const part of list.split(',')) {
      const m = /^\s*'([^']*)'\s*$/.exec(part);
      if (!m) break;
      out.push(m[1] ?? '');
    }
    return out;
  };
  if (file.endsWith('.sh')) {
    const code = text.split('\n').map((l) => l.replace(/(^|\s)#.*$/, ''));
    return code.flatMap((l) => [...l.matchAll(/(?:^|[\s;|&(])openclaw((?: [a-z][a-z-]*| --[a-z][a-z-]*)+)/g)].map((m) => words((m[1] ?? '').trim().split(' '))));
  }
  return [...text.matchAll(/\bopenclaw\(\s*\w+\s*,\s*([^)]*)\)/g)].map((m) => {
    const list = m[1] ?? '';
    const spread = /^\s*\.\.\.(\w+)/.exec(list);
    const source = spread ? (new RegExp(`\\b${spread[1]} = \\[([^\\]]*)\\]`).exec(text)?.[1] ?? '') : list;
    return words(leadingLiterals(source));
  });
}

describe('check:fake covers every openclaw command clawfix sends', () => {
  const found = sourceFiles('src').flatMap((file) => sent(file).map((w) => ({ file, words: w })));

  it('finds the commands (probe, fix steps, backup, web login)', () => {
    const keys = new Set(found.map((f) => `${f.file} ${f.words.join(' ')}`));
    for (const k of ['src/probe/probe.sh channels status', 'src/probe/probe.sh --version', 'src/fix/backup.ts backup create', 'src/fix/web-login.ts gateway call', 'src/fix/commands.ts gateway run', 'src/fix/commands.ts channels login']) {
      expect(keys).toContain(k);
    }
  });

  it.each(found.map((f) => [`${f.file}: openclaw ${f.words.join(' ')}`, f] as const))('%s has a check', (_, { file, words: w }) => {
    const covered = ALL.some((c) => c.from.some((f) => f.startsWith(file)) && w.every((word, i) => c.args[i] === word));
    expect(covered, `add a check for \`openclaw ${w.join(' ')}\` with from: ['${file}:<function>'] to scripts/check-fake/checks.mjs`).toBe(true);
  });

  it('names only source files that exist', () => {
    for (const c of ALL) {
      for (const f of c.from) {
        const file = /^((?:src|test|docker|scripts)\/[^\s:]+)/.exec(f)?.[1];
        if (file) expect(fs.existsSync(path.join(REPO, file)), `${c.name}: ${f}`).toBe(true);
      }
    }
  });
});
