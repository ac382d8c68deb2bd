#!/usr/bin/env node
// Scenario set-up for the fake openclaw. With --prefix <dir> it runs the copy installed there
// (needed by scenarios that pin another openclaw version); otherwise the copy in this tree.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const i = args.indexOf('--prefix');
const base = i >= 0 ? path.resolve(args[i + 1], 'lib/node_modules/openclaw') : path.join(here, 'lib/node_modules/openclaw');
const r = spawnSync(process.execPath, [path.join(base, 'fake/scenario.mjs'), ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
