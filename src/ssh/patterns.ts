/**
 * OpenSSH's wildcard patterns (match.c), shared by known_hosts and ssh_config:
 * `*` is any run of characters, `?` exactly one, and a `!pattern` that matches vetoes the whole list.
 */

const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re === undefined) {
    const body = pattern
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 's');
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** One pattern, no negation. Host names are compared lowercase, as ssh does. */
export function matchPattern(text: string, pattern: string): boolean {
  return compile(pattern.toLowerCase()).test(text.toLowerCase());
}

export type PatternListMatch = 'match' | 'negated' | 'none';

/**
 * A list of patterns (`a,b,!c` or the words of a `Host` line). A negated pattern that matches wins
 * whatever its position, so `Host !bastion *` and `Host * !bastion` mean the same thing.
 */
export function matchPatternList(text: string, patterns: readonly string[]): PatternListMatch {
  let positive = false;
  for (const raw of patterns) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    if (!matchPattern(text, negated ? raw.slice(1) : raw)) continue;
    if (negated) return 'negated';
    positive = true;
  }
  return positive ? 'match' : 'none';
}

export function hasWildcard(text: string): boolean {
  return /[*?]/.test(text);
}
