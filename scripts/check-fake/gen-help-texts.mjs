#!/usr/bin/env node
// Regenerates docker/openclaw/lib/node_modules/openclaw/fake/help-texts.mjs from the real CLI's help
// output captured by check-fake.sh:   gen-help-texts.mjs <scratch>/capture/real
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKS } from './checks.mjs';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: gen-help-texts.mjs <capture/real dir>\n');
  process.exit(2);
}
const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docker/openclaw/lib/node_modules/openclaw/fake/help-texts.mjs');
const texts = {};
for (const check of CHECKS.filter((c) => c.kind === 'help')) {
  const out = fs.readFileSync(path.join(dir, `${check.name}.out`), 'utf8');
  const banner = /^\nOpenClaw \S+ \([0-9a-f]+\) — .*\n\n/.exec(out);
  if (!banner) throw new Error(`${check.name}: no banner, not a help text`);
  texts[check.args.slice(0, -1).join(' ')] = out.slice(banner[0].length);
}
let js = '// Help texts captured from the real openclaw 2026.9.6 (scripts/check-fake.sh), banner stripped,\n// trailing newlines kept as printed. Regenerate with scripts/check-fake/gen-help-texts.mjs.\nexport const HELP_TEXTS = {\n';
for (const [k, v] of Object.entries(texts)) js += `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`;
js += '};\n';
fs.writeFileSync(target, js);
process.stdout.write(`wrote ${Object.keys(texts).length} help texts to ${target}\n`);
