// `clawfix fix` where a systemd system unit runs the gateway as the service user `openclaw` (a host
// with systemd as PID 1): the probe runs as openclaw (sudo -u), the gateway is stopped and started with
// `sudo -n systemctl`, and afterwards systemd runs it again, not a process beside it.
import { expect, it } from 'vitest';
import { writeHostsFile } from '../helpers/cli.js';
import { describeWithEngine } from '../helpers/containers.js';
import { quote } from '../../src/shell.js';
import { FAST_ENV, diagnosedVerdict, fixCli, hostsYaml, scanDrawnQr, startFix, type FakeFiles } from '../fixtures/fix/helpers.js';
import { useFixWorld } from '../fixtures/fix/world.js';

const UNIT = 'openclaw-gateway.service';
const STATE = '/home/openclaw/.openclaw';

describeWithEngine('clawfix fix on a host where a systemd system unit runs the gateway', () => {
  const w = useFixWorld({ systemd: true }, '    openclaw:\n      user: openclaw\n');

  /** The unit with this OpenClaw scenario for openclaw; the fake's fast knobs for the unit and for SSH sessions. */
  async function unitWith(scenario: string): Promise<void> {
    const env = Object.entries(FAST_ENV).map(([k, v]) => `${k}=${v}`);
    await w.host.execOk(`printf '%s\\n' ${env.map((e) => quote(e)).join(' ')} > /etc/environment`);
    await w.host.execOk(`env ${env.join(' ')} sh /etc/clawfix/scenarios.d/openclaw-system-unit.sh ${scenario}`);
    await w.host.execOk(`for i in $(seq 1 100); do awk '$2 ~ /:4965$/ && $4 == "0A" {f=1} END {exit !f}' /proc/net/tcp /proc/net/tcp6 && exit 0; sleep 0.1; done; journalctl -u ${UNIT} --no-pager | tail -n 20; exit 1`);
  }
  /** systemd's view: is the unit active, and is the process on the port its main process? */
  async function unitState(): Promise<{ active: string; servesPort: boolean }> {
    const active = (await w.host.exec(`systemctl is-active ${UNIT}`)).stdout.trim();
    const main = (await w.host.execOk(`systemctl show -p MainPID --value ${UNIT}`)).stdout.trim();
    const args = (await w.host.exec(`ps -o args= -p ${main}`)).stdout;
    return { active, servesPort: main !== '0' && args.includes('openclaw-gateway') };
  }
  const fake: FakeFiles = {
    stateDir: STATE,
    read: async (path) => (await w.host.execOk(`cat ${quote(path)}`)).stdout,
    write: async (path, text) => void (await w.host.execOk(`printf '%s' ${quote(text)} > ${quote(path)}`, { user: 'openclaw' })),
  };

  it('relinks a logged-out account: systemctl stops and starts the unit; afterwards systemd runs the gateway, healthy', async () => {
    await unitWith('logged-out');
    expect(await diagnosedVerdict(w.hosts, w.home)).toBe('logged-out');
    const run = startFix(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    await run.waitFor(/Link a device/, 90_000);
    await scanDrawnQr(fake, run.output());
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`sudo systemctl stop -- ${UNIT}`);
    expect(r.stdout).toMatch(/fixed: logged-out → account running and connected \(verified\)/);
    expect(await unitState()).toEqual({ active: 'active', servesPort: true });
    expect(await diagnosedVerdict(w.hosts, w.home)).toBe('healthy');
  });

  it('a stopped unit: gateway-not-running, started with systemctl, healthy', async () => {
    await unitWith('healthy');
    await w.host.execOk(`systemctl stop ${UNIT}`);
    expect(await diagnosedVerdict(w.hosts, w.home)).toBe('gateway-not-running');
    const r = await fixCli(['--hosts', w.hosts, 'fix', 'box', '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`sudo systemctl start -- ${UNIT}`);
    expect(await unitState()).toEqual({ active: 'active', servesPort: true });
    expect(await diagnosedVerdict(w.hosts, w.home)).toBe('healthy');
  });

  it('gateway-dies-on-logout (a user unit, linger off): linger on, systemctl --user start, and the gateway outlives the session', async () => {
    await w.host.execOk(`systemctl stop ${UNIT} && systemctl disable ${UNIT} 2>/dev/null; true`);
    const env = Object.entries(FAST_ENV).map(([k, v]) => `${k}=${v}`).join(' ');
    await w.host.execOk(`env ${env} sh /etc/clawfix/scenarios.d/openclaw-user-unit.sh gateway-dies-on-logout`);
    const claws = (command: string) => w.host.exec(`runuser -u claw -- env XDG_RUNTIME_DIR=/run/user/1000 ${command}`);
    const hostsClaw = await writeHostsFile(w.home, hostsYaml(w.host.port, w.key.privateKeyPath));
    expect(await diagnosedVerdict(hostsClaw, w.home)).toBe('gateway-dies-on-logout');
    const r = await fixCli(['--hosts', hostsClaw, 'fix', 'box', '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✓ enable-linger [\s\S]*✓ start-gateway [\s\S]*✓ verify /);
    // the fix's SSH session is over: only linger keeps claw's user manager, and the gateway, alive
    await new Promise((done) => setTimeout(done, 1500));
    expect((await w.host.exec('ls /var/lib/systemd/linger')).stdout.trim()).toBe('claw');
    expect((await claws(`systemctl --user is-active ${UNIT}`)).stdout.trim()).toBe('active');
    expect(await diagnosedVerdict(hostsClaw, w.home)).toBe('healthy');
  });
});
