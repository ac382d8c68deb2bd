// `clawfix fix` on a host whose `openclaw channels login` cannot print a QR (the fake's
// cli-login-unavailable knob makes it fail as the real CLI does for a channel without a CLI login):
// clawfix falls back to the gateway's web login (`gateway call web.login.start|wait`), turns the PNG
// data URL into a terminal QR, the test scans what was drawn, and the account ends linked.
import { expect, it } from 'vitest';
import { describeWithEngine } from '../helpers/containers.js';
import { STATE, diagnosedVerdict, scanDrawnQr, setScenario, startFix, readDrawnQr } from '../fixtures/fix/helpers.js';
import { useFixWorld } from '../fixtures/fix/world.js';

describeWithEngine('clawfix fix falls back to the gateway web login', () => {
  const w = useFixWorld();

  const verdict = () => diagnosedVerdict(w.hosts, w.home);

  it('relinks a logged-out account through web.login.start when the CLI cannot print a QR', async () => {
    await setScenario(w.host, 'logged-out');
    await w.host.execOk(`touch ${STATE}/.fake/cli-login-unavailable`, { user: 'claw' });
    const cli = await w.host.exec('HOME=/home/claw openclaw channels login --channel whatsapp 2>&1', { user: 'claw' });
    expect(cli.exitCode).toBe(1);
    expect(cli.stdout).toContain('Channel login failed: Channel "whatsapp" does not support login.');

    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await run.waitFor(/Link a device/, 90_000);
    await scanDrawnQr(w.host, run.output());
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('does not support login');
    expect(r.stdout).toContain("using the gateway's web login instead");
    expect(r.stdout).toMatch(/fixed: logged-out → account running and connected \(verified\)/);
    expect(await verdict()).toBe('healthy');
    await w.host.execOk(`rm -f ${STATE}/.fake/cli-login-unavailable`);
  });

  it('a rotation before the scan: the QR from web.login.wait is drawn in its turn and the scan of it links', async () => {
    await setScenario(w.host, 'logged-out', { OPENCLAW_FAKE_QR_TTL_MS: '2500', OPENCLAW_FAKE_QR_ROTATE_MS: '60000' });
    await w.host.execOk(`touch ${STATE}/.fake/cli-login-unavailable`, { user: 'claw' });
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await run.waitFor(/Link a device/, 90_000);
    const first = readDrawnQr(run.output());
    await run.waitFor(/scan with WhatsApp to link \(code 2\)/, 30_000);
    await run.waitFor(/Link a device[\s\S]*Link a device/, 10_000);
    await scanDrawnQr(w.host, run.output(), first!.end);
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readDrawnQr(r.stdout, first!.end)?.payload).not.toBe(first?.payload);
    expect(await verdict()).toBe('healthy');
    await w.host.execOk(`rm -f ${STATE}/.fake/cli-login-unavailable`);
  });
});
