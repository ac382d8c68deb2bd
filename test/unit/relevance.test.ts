import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRelevantLogLine, RELEVANT_LOG_PATTERN } from '../../src/triage/relevance.js';

describe('which log lines matter', () => {
  it('the probe greps host logs with the same pattern triage uses on a pasted log', () => {
    const probe = readFileSync('src/probe/probe.sh', 'utf8');
    const grep = /grep -a -i -E '([^']+)'/.exec(probe)?.[1];
    expect(grep).toBe(RELEVANT_LOG_PATTERN);
  });

  it('keeps WhatsApp and gateway lines, drops unrelated ones', () => {
    expect(isRelevantLogLine('{"1":"WhatsApp Web connection closed (status 428)"}')).toBe(true);
    expect(isRelevantLogLine('2026-11-26T15:55:52Z info gateway received SIGTERM; shutting down')).toBe(true);
    expect(isRelevantLogLine('2026-11-26T15:55:53Z info gmail-watcher gmail watcher stopped')).toBe(false);
  });
});
