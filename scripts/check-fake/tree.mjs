// What a command wrote or removed: a before/after listing of paths and types (not contents).
import fs from 'node:fs';
import path from 'node:path';

/**
 * Paths left out of the comparison (compare.mjs), each with why it does not matter to clawfix; matched
 * against the path relative to HOME, as `~/…`. The captures keep them, for reading.
 */
export const NOISE = [
  [/^~\/\.openclaw\/npm\/projects\/[^/]+\/node_modules\//, 'the plugin install itself (~3800 files, skipped by backups as regenerable); its dir is compared'],
  [/\.sqlite-(wal|shm)$/, "SQLite's journals beside the real CLI's databases, which the fake does not open; the database files are compared"],
  [/^~\/\.cache(\/|$)/, "the real CLI's caches (a read-only snapshot of its database): outside the state dir, never read by clawfix"],
  [/^~\/\.openclaw\/cache(\/|$)/, "the real gateway's Control UI asset cache (backups skip it as volatile), made lazily"],
  [/^~\/\.openclaw\/tmp($|\/(?!openclaw-\d+\/gateway\.[^/]+\.lock$))/, 'scratch under tmp/ (lock databases, plugin captures; backups skip tmp/ as regenerable); the gateway locks clawfix reads are compared'],
  [/^~\/\.npm(\/|$)/, "npm's debug logs of the real CLI's registry lookups (which fail offline): outside the state dir"],
  [/^~\/\.openclaw\/\.fake(\/|$)/, "the fake's simulated world (what WhatsApp and the phone do); the real CLI ignores it"],
];
/** Not walked at all: thousands of files that no command changes. */
const PRUNE = /^~\/\.openclaw\/(npm\/projects\/[^/]+\/node_modules|cache\/control-ui-assets)$/;

function walk(root, label, out) {
  let entries;
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const rel = `${label}/${e.name}`;
    out.set(rel, e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'link' : e.isFile() ? 'file' : 'other');
    if (e.isDirectory() && !PRUNE.test(rel)) walk(path.join(root, e.name), rel, out);
  }
}

/** A line of diff() about a path of NOISE. */
export const isNoise = (line) => NOISE.some(([re]) => re.test(line.slice(2, line.lastIndexOf(' ('))));

/** roots: { label: absolute dir }, e.g. { '~': HOME } */
export function snapshot(roots) {
  const out = new Map();
  for (const [label, dir] of Object.entries(roots)) {
    if (fs.existsSync(dir)) out.set(label, 'dir');
    walk(dir, label, out);
  }
  return out;
}

/** ['+ path (type)', '- path (type)', '~ path (old -> new)'], sorted. */
export function diff(before, after) {
  const lines = [];
  for (const [p, t] of after) {
    if (!before.has(p)) lines.push(`+ ${p} (${t})`);
    else if (before.get(p) !== t) lines.push(`~ ${p} (${before.get(p)} -> ${t})`);
  }
  for (const [p, t] of before) if (!after.has(p)) lines.push(`- ${p} (${t})`);
  return lines.sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
}
