#!/usr/bin/env node
// Runs every check of checks.mjs with one CLI and stores stdout/stderr/rc:
//   run.mjs <out dir> <command> [args...]     e.g. run.mjs cap/real /scratch/node_modules/.bin/openclaw
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHECKS } from './checks.mjs';

const [outDir, cmd, ...pre] = process.argv.slice(2);
if (!outDir || !cmd) {
  process.stderr.write('usage: run.mjs <out dir> <command> [args...]\n');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
for (const check of CHECKS) {
  const t0 = Date.now();
  const r = spawnSync(cmd, [...pre, ...check.args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: Number(process.env.CHECK_FAKE_TIMEOUT_MS ?? 240000), env: process.env });
  const base = path.join(outDir, check.name);
  fs.writeFileSync(`${base}.out`, r.stdout ?? '');
  fs.writeFileSync(`${base}.err`, r.stderr ?? '');
  fs.writeFileSync(`${base}.rc`, `${r.status ?? (r.signal ? `signal ${r.signal}` : 'error')}\n`);
  process.stderr.write(`  ${path.basename(outDir)} ${check.name}: rc=${r.status ?? r.signal} ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
}
