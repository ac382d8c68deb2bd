import { UsageError } from '../errors.js';
import { nearest } from './suggest.js';

interface Selectable {
  name: string;
  tags?: readonly string[];
}

/**
 * Selects hosts by name, glob (`web-*`, `db-?`) or tag (`@prod`); no selector means every host.
 * The result keeps the hosts file's order, and a selector that matches nothing is an error,
 * so a typo never silently shrinks the fleet.
 */
export function selectHosts<T extends Selectable>(hosts: readonly T[], selectors: readonly string[]): T[] {
  if (selectors.length === 0) return [...hosts];
  const chosen = new Set<T>();
  for (const selector of selectors) {
    const matched = hosts.filter((host) => matches(host, selector));
    if (matched.length === 0) throw noMatch(hosts, selector);
    matched.forEach((host) => chosen.add(host));
  }
  return hosts.filter((host) => chosen.has(host));
}

function matches(host: Selectable, selector: string): boolean {
  if (selector.startsWith('@')) return (host.tags ?? []).includes(selector.slice(1));
  if (/[*?[]/.test(selector)) return globToRegExp(selector).test(host.name);
  return host.name === selector;
}

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = end;
      }
    } else source += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    // a class like [z-a] is no glob: the user's typo, not a bug
    throw new UsageError(`not a valid host pattern: ${glob}`, 'use *, ? and [a-z] classes with the range in order, or a plain host name');
  }
}

function noMatch(hosts: readonly Selectable[], selector: string): UsageError {
  if (selector.startsWith('@')) {
    const tags = [...new Set(hosts.flatMap((host) => host.tags ?? []))];
    const suggestion = nearest(selector.slice(1), tags);
    return new UsageError(
      `no host has the tag "${selector}"`,
      suggestion ? `did you mean "@${suggestion}"?` : tags.length ? `tags in the hosts file: ${tags.map((t) => `@${t}`).join(', ')}` : 'no host in the hosts file has tags',
    );
  }
  const suggestion = nearest(selector, hosts.map((host) => host.name));
  return new UsageError(
    `unknown host "${selector}"`,
    suggestion ? `did you mean "${suggestion}"? (clawfix hosts lists them)` : 'run `clawfix hosts` to list the hosts in the hosts file',
  );
}
