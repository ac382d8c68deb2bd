// `clawfix fix` where pm2 runs the gateway (`pm2 start openclaw --interpreter none -- gateway run`, as
// claw): the probe tells pm2 from a bare process by what pm2 puts in the gateway's environment, and
// finds a stopped app through the running pm2 daemon; every stop and start goes through pm2, so the
// gateway is never left running outside it.
import { beforeAll, expect, it } from 'vitest';
import { describeWithEngine } from '../helpers/containers.js';
import { installPm2 } from '../helpers/pm2.js';
import { FAST_ENV, diagnosedVerdict, fixCli, scanDrawnQr, setScenario, startFix } from '../fixtures/fix/helpers.js';
import { useFixWorld } from '../fixtures/fix/world.js';

const APP = 'openclaw-gw';

describeWithEngine('clawfix fix on a host where pm2 runs the gateway', () => {
  const w = useFixWorld();
  beforeAll(async () => {
    await installPm2(w.host);
  });

  const pm2 = (args: string, env = '') => w.host.execOk(`cd /home/claw && env HOME=/home/claw ${env} pm2 ${args}`, { user: 'claw' });
  /** The scenario's state without its own gateway, then the gateway started by pm2 with the fake's fast knobs. */
  async function underPm2(scenario: string): Promise<void> {
    await pm2('delete all').catch(() => undefined);
    await setScenario(w.host, scenario, {}, '--no-gateway');
    const env = Object.entries(FAST_ENV).map(([k, v]) => `${k}=${v}`).join(' ');
    await pm2(`start /usr/local/bin/openclaw --name ${APP} --interpreter none -- gateway run`, env);
  }
  /** pm2's view of the app, and whether the process serving the port is pm2's. */
  async function pm2State(): Promise<{ status: string; gatewayUnderPm2: boolean }> {
    const list = JSON.parse((await pm2('jlist')).stdout) as Array<{ name: string; pid: number; pm2_env: { status: string } }>;
    const app = list.find((a) => a.name === APP);
    const env = app?.pid ? (await w.host.exec(`tr '\\0' '\\n' < /proc/${app.pid}/environ`, { user: 'claw' })).stdout : '';
    return { status: app?.pm2_env.status ?? 'missing', gatewayUnderPm2: /^pm_id=/m.test(env) && (await w.host.exec(`ps -o args= -p ${app?.pid ?? 0}`)).stdout.includes('openclaw-gateway') };
  }
  const managedBy = async () => JSON.parse((await fixCli(['--hosts', w.hosts, 'diagnose', '--json'], w.home)).stdout).hosts[0].openclaw.gateway.managedBy as string;

  it('relinks a logged-out account: pm2 stops and starts the gateway; afterwards pm2 runs it, healthy', async () => {
    await underPm2('logged-out');
    expect(await diagnosedVerdict(w.hosts, w.home)).toBe('logged-out');
    expect(await managedBy()).toBe('pm2');
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await run.waitFor(/Link a device/, 90_000);
    await scanDrawnQr(w.host, run.output());
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`pm2 stop ${APP}`);
    expect(r.stdout).toContain(`pm2 start ${APP}`);
    expect(r.stdout).toMatch(/fixed: logged-out → account running and connected \(verified\)/);
    expect(await pm2State()).toEqual({ status: 'online', gatewayUnderPm2: true });
    expect(await diagnosedVerdict(w.hosts, w.home)).toBe('healthy');
  });

  it('an app pm2 has stopped: found through the pm2 daemon, started by pm2, healthy', async () => {
    await underPm2('healthy');
    await pm2(`stop ${APP}`);
    expect(await diagnosedVerdict(w.hosts, w.home)).toBe('gateway-not-running');
    expect(await managedBy()).toBe('pm2');
    const r = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`pm2 start ${APP}`);
    expect(await pm2State()).toEqual({ status: 'online', gatewayUnderPm2: true });
    expect(await diagnosedVerdict(w.hosts, w.home)).toBe('healthy');
  });
});
