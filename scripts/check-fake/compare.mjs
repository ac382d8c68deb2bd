#!/usr/bin/env node
// Compares what the lanes captured from the real openclaw and from the fake (run.mjs):
//   compare.mjs <capture dir>      (reads <dir>/real/<check>.json and <dir>/fake/<check>.json)
// Prints ok/FAIL per check with what differs; exit code 1 when any check mismatches.
import fs from 'node:fs';
import path from 'node:path';
import { CHECKS, GATEWAY, HELP_CHECKS, runs } from './checks.mjs';
import { helpDiff, jsonDiff, mask } from './shape.mjs';
import { isNoise } from './tree.mjs';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: compare.mjs <capture dir>\n');
  process.exit(2);
}
const read = (side, name) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, side, `${name}.json`), 'utf8'));
  } catch {
    return null;
  }
};
const show = (s) => JSON.stringify(s.length > 600 ? `${s.slice(0, 600)}…` : s);

/** The differences of one stream under its rule (checks.mjs), as report lines. */
function streamDiff(rule, real, fake, what, masks = []) {
  if (rule?.ignore) return [];
  if (rule === 'help') return helpDiff(real, fake);
  if (rule?.json) return jsonDiff(real, fake, rule.json, masks).map((d) => `${what} ${d}`);
  let [r, f] = [real, fake];
  // which lines of that shape appear, not how often: counts depend on how long a gateway ran
  if (rule?.lines) [r, f] = [r, f].map((s) => [...new Set(mask(s, masks).split('\n').filter((l) => rule.lines.test(l)))].sort().join('\n'));
  else if (rule !== 'exact') [r, f] = [mask(r, masks), mask(f, masks)];
  return r === f ? [] : [`${what} differs:`, `  real: ${show(r)}`, `  fake: ${show(f)}`];
}

const listDiff = (what, real, fake, keep = () => true) => {
  const [r, f] = [real, fake].map((l) => new Set(l.filter(keep).map((p) => mask(p))));
  const only = (a, b) => [...a].filter((x) => !b.has(x));
  return [...only(r, f).map((l) => `${what} only real: ${l}`), ...only(f, r).map((l) => `${what} only fake: ${l}`)];
};

let failures = 0;
const lines = [];
const all = [GATEWAY, ...CHECKS, ...HELP_CHECKS];
const notNoise = (line) => !isNoise(line);
for (const check of all) {
  if (!runs(check)) {
    lines.push(`skip ${check.name}  (openclaw ${check.args.join(' ')}): ${check.skip ?? 'slow, run with CHECK_FAKE_SLOW=1'}`);
    continue;
  }
  const real = read('real', check.name);
  const fake = read('fake', check.name);
  const detail = [];
  if (!real || !fake) detail.push(`not captured: ${[!real && 'real', !fake && 'fake'].filter(Boolean).join(', ')} (its lane failed, or the gateway was not ready: see the lane logs)`);
  else {
    if (String(real.rc) !== String(fake.rc)) detail.push(`exit code: real ${real.rc}, fake ${fake.rc}`);
    detail.push(...streamDiff(check.out ?? 'masked', real.out, fake.out, 'stdout', check.masks));
    detail.push(...streamDiff(check.err ?? 'masked', real.err, fake.err, 'stderr', check.masks));
    if (!check.files?.ignore) detail.push(...listDiff('file', real.files, fake.files, notNoise));
    if (real.locks) {
      if (real.settled !== fake.settled) detail.push(`settled (${GATEWAY.settled}): real ${real.settled}, fake ${fake.settled}`);
      detail.push(...listDiff('after stop, file', real.filesAfterStop, fake.filesAfterStop, notNoise));
      detail.push(...listDiff('lock keys', Object.entries(real.locks).map((e) => JSON.stringify(e)), Object.entries(fake.locks ?? {}).map((e) => JSON.stringify(e))));
    }
  }
  if (detail.length) failures++;
  const time = real && fake ? `  [real ${(real.ms / 1000).toFixed(1)}s (cpu ${real.cpu?.toFixed(1) ?? '?'}s), fake ${(fake.ms / 1000).toFixed(1)}s]` : '';
  lines.push(`${detail.length ? 'FAIL' : 'ok  '} ${check.name}  (openclaw ${check.args.join(' ')})${time}`, ...detail.map((d) => `       ${d}`));
}
const run = all.filter(runs).length;
lines.push('', `${run - failures}/${run} checks match${failures ? `; ${failures} mismatch(es)` : ''}; ${all.length - run} skipped.`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(failures ? 1 : 0);
