// The shape of an output, for comparing two runs that cannot match byte for byte.

/**
 * Masks what differs between any two runs: colours, timestamps, dates, durations, pids, and the real
 * CLI's warnings about slow SQLite transactions (a loaded machine's, not the command's); then `extra`,
 * a check's own [RegExp, replacement] pairs.
 */
export function mask(text, extra = []) {
  const masked = String(text ?? '')
    .replace(/^\[sqlite\/transaction\] slow SQLite transaction.*\n?/gm, '')
    .replace(/\x1b\[[0-9;]*m/g, '')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}[:-]\d{2}[:-]\d{2}(\.\d+)?(Z|[+-]\d{2}[:-]?\d{2})?/g, '<time>')
    .replace(/\d{4}-\d{2}-\d{2}/g, '<date>')
    .replace(/\b\d{2}:\d{2}:\d{2}(\.\d+)?\b/g, '<clock>')
    .replace(/\b\d+(\.\d+)?\s?ms\b/g, '<ms>')
    .replace(/\b\d+\.\d+\s?s\b/g, '<s>')
    .replace(/\b(pid)([ =:]+)\d+/gi, '$1$2<n>');
  return extra.reduce((t, [re, to]) => t.replace(re, to), masked);
}

function parseJson(text) {
  const trimmed = String(text ?? '').trim();
  try {
    return { value: JSON.parse(trimmed) };
  } catch {
    // a warning or log line may come before the document
    const start = trimmed.search(/^[{[]/m);
    try {
      return { value: JSON.parse(trimmed.slice(start)) };
    } catch (err) {
      return { error: `not JSON: ${err.message}` };
    }
  }
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

const at = (value, dotted) => dotted.split('.').reduce((o, k) => (o === null || o === undefined ? o : o[k]), value);

/** Key sets to `depth` (but below `except` paths) and the named values (masked) of two JSON outputs. */
export function jsonDiff(realText, fakeText, { depth = 2, values = [], except = [] }, masks = []) {
  const r = parseJson(realText);
  const f = parseJson(fakeText);
  if (r.error || f.error) return [r.error && `real ${r.error}`, f.error && `fake ${f.error}`].filter(Boolean);
  const kept = (k) => !except.some((e) => k.startsWith(`${e}.`));
  const rk = new Set([...keyPaths(r.value, depth)].filter(kept));
  const fk = new Set([...keyPaths(f.value, depth)].filter(kept));
  const out = [];
  const missing = [...rk].filter((k) => !fk.has(k));
  const extra = [...fk].filter((k) => !rk.has(k));
  if (missing.length) out.push(`keys only real: ${missing.join(', ')}`);
  if (extra.length) out.push(`keys only fake: ${extra.join(', ')}`);
  for (const p of values) {
    const [rv, fv] = [at(r.value, p), at(f.value, p)].map((v) => mask(JSON.stringify(v), masks));
    if (rv !== fv) out.push(`${p}: real ${rv}, fake ${fv}`);
  }
  return out;
}

/** Long flags (and -x shorts) of a help text's Options: section. */
function helpFlags(text) {
  const flags = new Set();
  const section = text.split(/\n(?=Options:)/)[1]?.split(/\n\n/)[0] ?? '';
  for (const line of section.split('\n')) {
    const m = /^ {2}(?:(-[A-Za-z]), )?(--[a-z0-9-]+)(?: (<[^>]+>|\[[^\]]+\]))?/.exec(line);
    if (m) flags.add(`${m[1] ? `${m[1]}, ` : ''}${m[2]}${m[3] ? ` ${m[3]}` : ''}`);
  }
  return flags;
}

/** Help texts: the same text, else which flags differ (the fake's option parser reads them). */
export function helpDiff(real, fake) {
  if (real === fake) return [];
  const [r, f] = [helpFlags(real), helpFlags(fake)];
  const only = (a, b) => [...a].filter((x) => !b.has(x));
  const out = [];
  if (!r.size) out.push('real help has no Options section');
  if (only(r, f).length) out.push(`flags only real: ${only(r, f).join(' | ')}`);
  if (only(f, r).length) out.push(`flags only fake: ${only(f, r).join(' | ')}`);
  out.push('help text differs; regenerate: node scripts/check-fake/gen-help-texts.mjs <capture dir>/real');
  return out;
}
