/*
 * A large gateway log in the real tslog JSON-lines format: one scenario's log history (built by the
 * fake openclaw), repeated with its timestamps shifted back so the whole file reads as one long,
 * time-ordered history ending with the scenario's own (most recent) lines.
 */
import fs from 'node:fs';

const STAMP = /"(date|time)":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})(Z|[+-]\d\d:\d\d)"/g;

export function generateBigLog(sourceLog, target, targetBytes) {
  const text = fs.readFileSync(sourceLog, 'utf8');
  const lines = text.split('\n').filter(Boolean);
  const times = [];
  for (const l of lines) {
    const m = /"date":"([^"]+)"/.exec(l);
    if (m) times.push(Date.parse(m[1]));
  }
  const span = Math.max(...times) - Math.min(...times) + 60_000;
  const copies = Math.max(1, Math.ceil(targetBytes / Buffer.byteLength(text)));
  const tmp = `${target}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (let c = copies - 1; c >= 0; c--) {
      const shift = c * span;
      const chunk = shift === 0
        ? text
        : text.replace(STAMP, (_, key, stamp, zone) => {
            const t = new Date(Date.parse(`${stamp}Z`) - shift).toISOString().slice(0, 23);
            return `"${key}":"${t}${zone}"`;
          });
      fs.writeSync(fd, chunk.endsWith('\n') ? chunk : `${chunk}\n`);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
  return { bytes: fs.statSync(target).size, lines: lines.length * copies, copies };
}
