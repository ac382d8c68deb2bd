/** Probe output as the probe prints it for one run's nonce, for parser and evidence tests. */
import { splitSections, type ProbeSections } from '../../src/probe/parse.js';

export const TEST_NONCE = '0123456789abcdef0123456789abcdef';

/** Sections in order, each `[name, body]`; `@@end` is added unless `end: false`. */
export function probeOutput(sections: [string, string][], options: { nonce?: string; end?: boolean } = {}): string {
  const nonce = options.nonce ?? TEST_NONCE;
  const body = sections.map(([name, text]) => `\n@@${nonce} ${name}\n${text}\n`).join('');
  return `@@clawfix-probe 2 ${nonce}\n${body}${options.end === false ? '' : `\n@@${nonce} end\n`}`;
}

export function sectionsOf(sections: [string, string][]): ProbeSections {
  return splitSections(probeOutput(sections), TEST_NONCE);
}
