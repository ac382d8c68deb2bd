// The questions `clawfix fix` asks on a terminal (a pseudo-terminal from `script`): the single
// confirmation answered no changes nothing; a forced --relink on a healthy host is explained and
// asked about a second time.
import { expect, it } from 'vitest';
import { describeWithEngine } from '../helpers/containers.js';
import { STATE, setScenario, stateTree, ptyCli } from '../fixtures/fix/helpers.js';
import { useFixWorld } from '../fixtures/fix/world.js';

const APPLY = /Apply this plan on box \(it moves credentials into quarantine\)\?/;
const RELINK_ANYWAY = /Relink anyway\?/;

describeWithEngine('clawfix fix asks on a terminal', () => {
  const w = useFixWorld();

  const nothingLeft = async () => expect((await w.host.exec(`ls -A ${STATE}/.clawfix 2>/dev/null`)).stdout).not.toMatch(/lock|journal|backups|quarantine/);

  it('the one confirmation answered n: nothing is done, the state dir is byte-identical', async () => {
    await setScenario(w.host, 'logged-out');
    const before = await stateTree(w.host);
    const r = await ptyCli(['--hosts', w.hosts, 'fix', 'box'], w.home, [{ prompt: APPLY, keys: 'n' }]);
    expect(r.answered, r.screen).toBe(1);
    expect(r.code, r.screen).toBe(4);
    expect(r.screen).toMatch(/Plan \(6 steps/);
    expect(r.screen).not.toMatch(RELINK_ANYWAY);
    expect(r.screen).toContain('Nothing was changed.');
    expect(r.screen).not.toMatch(/\[1\/6\]|✓ backup/);
    expect(await stateTree(w.host)).toBe(before);
    await nothingLeft();
  });

  it('--relink on a healthy host: why it is usually wrong, then a second confirmation before the plan\'s own', async () => {
    await setScenario(w.host, 'healthy');
    const before = await stateTree(w.host);
    // yes to "relink anyway", then no to the plan: both questions are asked, in that order
    const r = await ptyCli(['--hosts', w.hosts, 'fix', 'box', '--relink'], w.home, [
      { prompt: RELINK_ANYWAY, keys: 'y' },
      { prompt: APPLY, keys: 'n' },
    ]);
    expect(r.answered, r.screen).toBe(2);
    expect(r.code, r.screen).toBe(4);
    expect(r.screen).toMatch(/--relink is usually wrong here\. The verdict is healthy, not logged-out: the credentials are most likely still valid/);
    expect(r.screen).toMatch(/Can't link new devices right now/);
    expect(r.screen.indexOf('usually wrong')).toBeLessThan(r.screen.search(RELINK_ANYWAY));
    expect(r.screen.search(RELINK_ANYWAY)).toBeLessThan(r.screen.search(APPLY));
    expect(r.screen).toContain('Nothing was changed.');
    expect(await stateTree(w.host)).toBe(before);

    // no to "relink anyway": the plan's own question is never reached
    const declined = await ptyCli(['--hosts', w.hosts, 'fix', 'box', '--relink'], w.home, [{ prompt: RELINK_ANYWAY, keys: 'n' }]);
    expect(declined.answered, declined.screen).toBe(1);
    expect(declined.code, declined.screen).toBe(4);
    expect(declined.screen).not.toMatch(APPLY);
    expect(declined.screen).toContain('Nothing was changed.');
    expect(await stateTree(w.host)).toBe(before);
    await nothingLeft();
  });
});
