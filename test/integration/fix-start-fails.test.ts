// A gateway that refuses to start (the fake's `.fake/gateway-fail-start` knob: `gateway run` prints
// the port-in-use error and exits 1 before listening), during a start remedy and during a relink:
// the fix rolls back, shows the gateway's own error, and loses nothing.
import { expect, it } from 'vitest';
import { describeWithEngine } from '../helpers/containers.js';
import { STATE, diagnosedVerdict, credsHash, setScenario, stateTree, fixCli, startFix } from '../fixtures/fix/helpers.js';
import { useFixWorld } from '../fixtures/fix/world.js';

/** clawfix's own folder and the gateway's runtime locks (rewritten by every start and stop) aside. */
const durable = (tree: string) =>
  tree
    .split('\n')
    .filter((line) => !/\.\/(\.clawfix|tmp)(\/|$)|\.lock$/.test(line))
    .join('\n');

describeWithEngine('clawfix fix when the gateway refuses to start', () => {
  const w = useFixWorld();

  const verdict = () => diagnosedVerdict(w.hosts, w.home);
  const refuseStart = () => w.host.execOk(`touch ${STATE}/.fake/gateway-fail-start`, { user: 'claw' });

  it('start remedy: the start fails at once with the gateway\'s own error; nothing to undo, nothing changed', async () => {
    await setScenario(w.host, 'gateway-not-running');
    await refuseStart();
    const before = await stateTree(w.host);
    const r = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/│ the gateway process exited during start-up\n.*│ Gateway failed to start: another gateway instance is already listening/);
    expect(r.stdout).toMatch(/✗ start-gateway \((\d)\.\ds\) start the gateway failed on box: exit 1: .*Port \d+ is already in use/);
    expect(Number(/✗ start-gateway \((\d+\.\d)s\)/.exec(r.stdout)?.[1])).toBeLessThan(8);
    expect(r.stdout).toMatch(/↺ start-gateway: nothing to undo \(checked\)/);
    expect(r.stdout).toMatch(/rolled back: the host is as it was before/);
    expect(r.stdout).toMatch(/the gateway refuses to start on box: its own error is above/);
    expect(durable(await stateTree(w.host))).toBe(durable(before));
    expect((await w.host.exec(`ls -A ${STATE}/.clawfix`)).stdout).not.toMatch(/lock|journal/);
    expect(await verdict()).toBe('gateway-not-running');
  });

  it('relink: credentials back from quarantine, the gateway cannot be started again and the run says so; once the cause is gone the next run puts the gateway back', async () => {
    await setScenario(w.host, 'logged-out');
    const oldCreds = await credsHash(w.host);
    const before = await stateTree(w.host);
    await refuseStart();
    const r = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/✓ stop-gateway .*\n[\s\S]*✓ quarantine /);
    expect(r.stdout).toMatch(/✗ start-gateway .*Port \d+ is already in use/);
    expect(r.stdout).toMatch(/Rolling back: start-gateway, quarantine, stop-gateway/);
    expect(r.stdout).toMatch(/↺ quarantine: credentials back in \S+\/credentials\/whatsapp\/default/);
    expect(r.stdout).toMatch(/✗ undo stop-gateway: the gateway was running before and does not start again \(exit 1: .*already in use/);
    expect(r.stdout).toMatch(/rollback incomplete: stop-gateway \(the gateway was running before/);
    expect(r.stdout).toMatch(/rolled back: quarantine \(credentials back in/);
    expect(r.stdout).toMatch(/the gateway refuses to start on box/);
    expect(r.stdout).toMatch(/the journal is kept: run clawfix fix box again/);
    expect(await credsHash(w.host)).toBe(oldCreds);
    // nothing lost: the state dir is as before the fix (runtime locks aside: the gateway is down)
    expect(durable(await stateTree(w.host))).toBe(durable(before));

    // The cause is fixed: the next run finishes the rollback first (the gateway runs again), then plans anew.
    await w.host.execOk(`rm ${STATE}/.fake/gateway-fail-start`);
    const next = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await next.waitFor(/Link a device/, 90_000);
    expect(next.output()).toMatch(/An earlier clawfix fix on this host did not finish \(rollback-failed\)/);
    expect(next.output()).toMatch(/↺ stop-gateway: gateway started again \(it was running before\)/);
    next.child.kill('SIGINT');
    expect((await next.done).code).toBe(130);
    expect(await credsHash(w.host)).toBe(oldCreds);
    expect(await verdict()).toBe('logged-out');
  });
});
