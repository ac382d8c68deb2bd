#!/usr/bin/env node
// Compares what scripts/check-fake.sh captured from the real openclaw and from the fake:
//   compare.mjs <capture dir>   (expects <dir>/real/<check>.{out,err,rc} and <dir>/fake/<check>.{out,err,rc})
// Prints a diff report; exit code 1 when any check mismatches.
import fs from 'node:fs';
import path from 'node:path';
import { CHECKS } from './checks.mjs';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: compare.mjs <capture dir>\n');
  process.exit(2);
}

function read(side, name) {
  const base = path.join(dir, side, name);
  const get = (ext) => {
    try {
      return fs.readFileSync(`${base}.${ext}`, 'utf8');
    } catch {
      return null;
    }
  };
  return { out: get('out'), err: get('err'), rc: get('rc')?.trim() ?? null };
}

/** Long flags (and -x shorts) of the Options: section. */
function helpFlags(text) {
  const flags = new Set();
  const section = text.split(/\n(?=Options:)/)[1]?.split(/\n\n/)[0] ?? '';
  for (const line of section.split('\n')) {
    const m = /^ {2}(?:(-[A-Za-z]), )?(--[a-z0-9-]+)(?: (<[^>]+>|\[[^\]]+\]))?/.exec(line);
    if (m) flags.add(`${m[1] ? `${m[1]}, ` : ''}${m[2]}${m[3] ? ` ${m[3]}` : ''}`);
  }
  return flags;
}

function helpCommands(text) {
  const section = text.split(/\n(?=Commands:)/)[1]?.split(/\n\n/)[0] ?? '';
  const names = new Set();
  for (const line of section.split('\n')) {
    const m = /^ {2}([a-z][a-z0-9-]*)(?: \*)? {2,}/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

/** Key paths of a JSON value: objects recursively (depth-limited), arrays through their first element. */
function keyPaths(value, depth, prefix = '') {
  const out = new Set();
  if (depth <= 0 || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    if (value.length) for (const p of keyPaths(value[0], depth, `${prefix}[]`)) out.add(p);
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.add(p);
    for (const sub of keyPaths(v, depth - 1, p)) out.add(sub);
  }
  return out;
}

function parseJsonOutput(text) {
  if (text === null) return { error: 'no output captured' };
  const trimmed = text.trim();
  try {
    return { value: JSON.parse(trimmed) };
  } catch {
    // tolerate a banner or log lines before the document
    const start = trimmed.search(/^[{[]/m);
    try {
      return { value: JSON.parse(trimmed.slice(start)) };
    } catch (err) {
      return { error: `not JSON: ${err.message}` };
    }
  }
}

const setDiff = (a, b) => [...a].filter((x) => !b.has(x));

let failures = 0;
const lines = [];
const report = (ok, name, detail = []) => {
  if (!ok) failures++;
  lines.push(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  for (const d of detail) lines.push(`       ${d}`);
};

for (const check of CHECKS) {
  const real = read('real', check.name);
  const fake = read('fake', check.name);
  if (real.rc === null) {
    report(false, check.name, ['real CLI output missing (command not run or timed out)']);
    continue;
  }
  const detail = [];
  if (check.rc !== false && real.rc !== fake.rc) detail.push(`exit code: real ${real.rc}, fake ${fake.rc}`);
  if (check.kind === 'exact') {
    for (const stream of check.streams ?? ['out']) {
      if ((real[stream] ?? '') !== (fake[stream] ?? '')) detail.push(`${stream} differs:`, `  real: ${JSON.stringify(real[stream])}`, `  fake: ${JSON.stringify(fake[stream])}`);
    }
  } else if (check.kind === 'help') {
    const r = helpFlags(real.out ?? '');
    const f = helpFlags(fake.out ?? '');
    if (!r.size) detail.push('real help has no Options section (command missing?)');
    const missing = setDiff(r, f);
    const extra = setDiff(f, r);
    if (missing.length) detail.push(`flags only in real: ${missing.join(' | ')}`);
    if (extra.length) detail.push(`flags only in fake: ${extra.join(' | ')}`);
    if (check.commands) {
      const rc = helpCommands(real.out ?? '');
      const fc = helpCommands(fake.out ?? '');
      const cm = setDiff(rc, fc);
      const ce = setDiff(fc, rc);
      if (cm.length) detail.push(`subcommands only in real: ${cm.join(', ')}`);
      if (ce.length) detail.push(`subcommands only in fake: ${ce.join(', ')}`);
    }
    if (!missing.length && !extra.length && real.out !== fake.out) detail.push('help text differs (same flags); run scripts/check-fake/gen-help-texts.mjs <scratch>/capture/real');
    const firstReal = (real.out ?? '').split('\n').find((l) => l.startsWith('Usage:'));
    const firstFake = (fake.out ?? '').split('\n').find((l) => l.startsWith('Usage:'));
    if (firstReal !== firstFake) detail.push(`usage line: real ${JSON.stringify(firstReal)}, fake ${JSON.stringify(firstFake)}`);
  } else if (check.kind === 'json-keys') {
    const r = parseJsonOutput(real.out);
    const f = parseJsonOutput(fake.out);
    if (r.error) detail.push(`real: ${r.error}`);
    if (f.error) detail.push(`fake: ${f.error}`);
    if (!r.error && !f.error) {
      const rk = keyPaths(r.value, check.depth ?? 2);
      const fk = keyPaths(f.value, check.depth ?? 2);
      const only = (check.only ?? []).length ? (p) => check.only.some((o) => p === o || p.startsWith(`${o}.`) || p.startsWith(`${o}[]`) || !p.includes('.')) : () => true;
      const missing = setDiff(rk, fk).filter(only);
      const extra = setDiff(fk, rk).filter(only);
      if (missing.length) detail.push(`keys only in real: ${missing.join(', ')}`);
      if (extra.length) detail.push(`keys only in fake: ${extra.join(', ')}`);
      const rTop = Object.keys(r.value ?? {});
      const fTop = Object.keys(f.value ?? {});
      if (!missing.length && !extra.length && rTop.join() !== fTop.join()) detail.push(`top-level key order: real ${rTop.join(',')} / fake ${fTop.join(',')}`);
      for (const [p, expected] of Object.entries(check.values ?? {})) {
        const get = (v) => p.split('.').reduce((o, k) => (o === null || o === undefined ? o : o[k]), v);
        if (JSON.stringify(get(r.value)) !== JSON.stringify(get(f.value))) detail.push(`${p}: real ${JSON.stringify(get(r.value))}, fake ${JSON.stringify(get(f.value))}${expected ? '' : ''}`);
      }
    }
  }
  report(detail.length === 0, `${check.name}  (openclaw ${check.args.join(' ')})`, detail);
}

lines.push('', `${CHECKS.length - failures}/${CHECKS.length} checks match${failures ? `; ${failures} mismatch(es)` : ''}.`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(failures ? 1 : 0);
