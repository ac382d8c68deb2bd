#!/usr/bin/env node
// Updates docker/openclaw/lib/node_modules/openclaw/fake/help-texts.mjs with the real CLI's help texts
// that check-fake.sh captured (the others are kept):   gen-help-texts.mjs <CHECK_FAKE_DIR>/capture/real
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HELP_TEXTS } from '../../docker/openclaw/lib/node_modules/openclaw/fake/help-texts.mjs';
import { HELP_CHECKS } from './checks.mjs';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: gen-help-texts.mjs <capture/real dir>\n');
  process.exit(2);
}
const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docker/openclaw/lib/node_modules/openclaw/fake/help-texts.mjs');
const texts = { ...HELP_TEXTS };
// the slow ones are captured only with CHECK_FAKE_SLOW=1
const captured = HELP_CHECKS.filter((c) => fs.existsSync(path.join(dir, `${c.name}.json`)));
for (const check of captured) {
  const { out } = JSON.parse(fs.readFileSync(path.join(dir, `${check.name}.json`), 'utf8'));
  const banner = /^\nOpenClaw \S+ \([0-9a-f]+\) — .*\n\n/.exec(out);
  if (!banner) throw new Error(`${check.name}: no banner, not a help text`);
  texts[check.args.slice(0, -1).join(' ')] = out.slice(banner[0].length);
}
let js = '// Help texts captured from the real openclaw 2026.9.6 (scripts/check-fake.sh), banner stripped,\n// trailing newlines kept as printed. Regenerate with scripts/check-fake/gen-help-texts.mjs.\nexport const HELP_TEXTS = {\n';
for (const [k, v] of Object.entries(texts)) js += `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`;
js += '};\n';
fs.writeFileSync(target, js);
process.stdout.write(`updated ${captured.length} of ${Object.keys(texts).length} help texts in ${target}\n`);
