// `clawfix fix` where OpenClaw runs in Docker: the gateway is the main process of its own container
// (user openclaw, HOME and state on a named volume), next to the test host, whose docker client
// reaches the machine's engine as a VPS user in the `docker` group reaches Docker. Stopping the
// gateway stops the container, so the steps that follow the stop (the purge, a rollback) reach the
// state dir through a throwaway container with its volumes: the relink, a failed start, a restore.
import { expect, it } from 'vitest';
import { backupSubdir } from '../../src/fix/backup-dir.js';
import { writeHostsFile } from '../helpers/cli.js';
import { describeWithEngine, startGatewayContainer, type GatewayContainer } from '../helpers/containers.js';
import { FAST_ENV, diagnosedVerdict, fixCli, hostsYaml, scanDrawnQr, startFix, stepTimes, type FakeFiles } from '../fixtures/fix/helpers.js';
import { useFixWorld } from '../fixtures/fix/world.js';

describeWithEngine('clawfix fix on a host whose gateway runs in a container', () => {
  const w = useFixWorld({ engineSocket: true });

  /** A gateway container with this OpenClaw scenario, and a hosts file naming it as `box`'s container. */
  async function gatewayIn(scenario: string, env: Record<string, string> = {}): Promise<{ gw: GatewayContainer; hosts: string; fake: FakeFiles; state: string }> {
    const gw = await startGatewayContainer(w.host, scenario, { ...FAST_ENV, ...env });
    const hosts = await writeHostsFile(w.home, hostsYaml(w.host.port, w.key.privateKeyPath, `    openclaw:\n      container: ${gw.name}\n`));
    const state = `${gw.home}/.openclaw`;
    const fake: FakeFiles = {
      stateDir: state,
      read: async (path) => (await gw.execOk(`cat '${path}'`)).stdout,
      write: async (path, text) => void (await gw.execOk(`cat > '${path}'`, { stdin: text })),
    };
    return { gw, hosts, fake, state };
  }
  const credsHash = async (gw: GatewayContainer, dir: string) => (await gw.execOk(`cd '${dir}' && sha256sum * | sort`)).stdout;
  const running = async (gw: GatewayContainer) => (await w.host.execOk(`docker container inspect -f '{{.State.Running}}' ${gw.name}`)).stdout.trim();

  it('relinks a logged-out account: the container is stopped, the credentials quarantined through its volume, started, scanned, verified', async () => {
    const { gw, hosts, fake, state } = await gatewayIn('logged-out');
    expect(await diagnosedVerdict(hosts, w.home)).toBe('logged-out');
    const creds = `${state}/credentials/whatsapp/default`;
    const oldCreds = await credsHash(gw, creds);

    const run = startFix(['--hosts', hosts, 'fix', 'box', '--yes'], w.home);
    await run.waitFor(/Link a device/, 120_000);
    await scanDrawnQr(fake, run.output());
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`docker stop -- ${gw.name}`);
    expect(r.stdout).toMatch(/✓ stop-gateway .*\n[\s\S]*✓ quarantine [\s\S]*✓ start-gateway [\s\S]*✓ login [\s\S]*✓ verify /);
    expect(r.stdout).toMatch(/fixed: logged-out → account running and connected \(verified\)/);
    const quarantined = /quarantine: the old credentials are in (\S+)/.exec(r.stdout)?.[1];
    expect(quarantined).toMatch(new RegExp(`^${state}/\\.clawfix/quarantine/[0-9T-]+Z/default$`));
    expect(await credsHash(gw, quarantined!)).toBe(oldCreds);
    expect(await credsHash(gw, creds)).not.toBe(oldCreds);
    expect(await running(gw)).toBe('true');
    expect(await diagnosedVerdict(hosts, w.home)).toBe('healthy');
    await gw.remove();
    // for the record: each step's time (the quarantine runs in a copy of the stopped container)
    console.log(`relink in a container: steps ${JSON.stringify(stepTimes(r.stdout))}`);
  });

  it('a stopped container: diagnosed from its volume as gateway-not-running, and fix starts the container', async () => {
    const { gw, hosts } = await gatewayIn('healthy');
    await w.host.execOk(`docker stop ${gw.name}`);
    const diagnosis = await fixCli(['--hosts', hosts, 'diagnose'], w.home);
    expect(diagnosis.stdout).toMatch(/gateway-not-running/);
    expect(diagnosis.stdout).toMatch(/Its container is stopped\./);
    const logs = await fixCli(['--hosts', hosts, 'logs', 'box'], w.home);
    expect(logs.code).toBe(4);
    expect(logs.stderr).toMatch(/the container is not running, and its log files were inside it, not on a volume: `docker logs clawfix-gw-\w+` \(or podman logs\)/);

    const r = await fixCli(['--hosts', hosts, 'fix', 'box', '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`docker start -- ${gw.name}`);
    expect(r.stdout).toMatch(/✓ start-gateway [\s\S]*✓ verify .*running and connected/);
    expect(await running(gw)).toBe('true');
    expect(await diagnosedVerdict(hosts, w.home)).toBe('healthy');
    await gw.remove();
  });

  it('the container does not come back after the purge: the credentials go back through the volume while it is down', async () => {
    const { gw, hosts, state } = await gatewayIn('logged-out');
    const creds = `${state}/credentials/whatsapp/default`;
    const oldCreds = await credsHash(gw, creds);
    await gw.execOk(`touch ${state}/.fake/gateway-fail-start`);

    const r = await fixCli(['--hosts', hosts, 'fix', 'box', '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/✓ stop-gateway .*\n[\s\S]*✓ quarantine /);
    expect(r.stdout).toMatch(/the container \S+ stopped during start-up \(exited\); its last lines:\n[\s\S]*│ Port 18789 is already in use\.\n  ✗ start-gateway /);
    expect(r.stdout).toMatch(/↺ quarantine: credentials back in \S+\/credentials\/whatsapp\/default/);
    expect(r.stdout).toMatch(/the journal is kept: run clawfix fix box again/);
    expect(await running(gw)).toBe('false');
    // read while the container is down, the way clawfix did: a throwaway container with its volumes
    const hash = await w.host.execOk(`docker run --rm --volumes-from ${gw.name} --user openclaw --entrypoint sh $(docker container inspect -f '{{.Image}}' ${gw.name}) -c "cd '${creds}' && sha256sum * | sort"`);
    expect(hash.stdout).toBe(oldCreds);
    await gw.remove();
  });

  it('restore: the swap happens through the volume while the container is stopped, then it runs again, healthy', async () => {
    const { gw, hosts, state } = await gatewayIn('healthy');
    const creds = `${state}/credentials/whatsapp/default`;
    const made = await fixCli(['--hosts', hosts, 'backup', 'box', '--no-download'], w.home);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    // the container user's backup dir, outside the state dir and on the volume (HOME=/data), so the stopped container's copy sees it
    expect(made.stdout).toMatch(new RegExp(`backup ${gw.home}/\\.local/state/clawfix/backups/${backupSubdir(state)}/\\S+-openclaw-backup\\.tar\\.gz \\(`));
    expect(made.stdout).not.toMatch(/not on a volume/);
    const name = /backup \S+\/([^/\s]+) \(/.exec(made.stdout)?.[1];
    const good = await credsHash(gw, creds);
    await gw.execOk(`printf '{"me":' > ${creds}/creds.json`);
    const r = await fixCli(['--hosts', hosts, 'restore', 'box', name!, '--yes'], w.home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✓ backup[\s\S]*✓ stop-gateway[\s\S]*✓ restore[\s\S]*✓ start-gateway[\s\S]*✓ verify/);
    expect(await credsHash(gw, creds)).toBe(good);
    expect(await running(gw)).toBe('true');
    expect(await diagnosedVerdict(hosts, w.home)).toBe('healthy');
    await gw.remove();
  });

  it("a backup dir in the container's own file system, not on a volume: named; restoring from it, or backing up in a stopped container's copy, is refused before anything changes", async () => {
    const { gw, hosts } = await gatewayIn('healthy', { XDG_STATE_HOME: '/tmp/xdg' });
    const made = await fixCli(['--hosts', hosts, 'backup', 'box', '--no-download'], w.home);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    expect(made.stdout).toMatch(/note: \/tmp\/xdg\/clawfix\/backups\/openclaw-[0-9a-f]{8} is in the container's own file system, not on a volume/);
    const name = /backup \/tmp\/xdg\/\S+\/([^/\s]+) \(/.exec(made.stdout)?.[1];
    expect(name).toBeTruthy();

    const restore = await fixCli(['--hosts', hosts, 'restore', 'box', name!, '--yes'], w.home);
    expect(restore.code, restore.stdout + restore.stderr).toBe(2);
    expect(restore.stderr).toMatch(new RegExp(`box: /tmp/xdg/\\S+ is in container ${gw.name}'s own file system, not on a volume; a restore runs while the container is stopped`));
    expect(restore.stdout).not.toMatch(/stop-gateway/);
    expect(await running(gw)).toBe('true');

    await w.host.execOk(`docker stop ${gw.name}`);
    const stopped = await fixCli(['--hosts', hosts, 'backup', 'box'], w.home);
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(4);
    expect(stopped.stderr).toMatch(new RegExp(`box: container ${gw.name} is exited, and /tmp/xdg/\\S+ is not on one of its volumes: a backup made in its throwaway copy would vanish with the copy; .*; nothing was changed`));
    await gw.remove();
  });

  it('a container name that does not exist: one line naming it and what to check, exit 4', async () => {
    const hosts = await writeHostsFile(w.home, hostsYaml(w.host.port, w.key.privateKeyPath, `    openclaw:\n      container: openclaw-nope\n`));
    const r = await fixCli(['--hosts', hosts, 'diagnose'], w.home);
    expect(r.code).toBe(4);
    expect(r.stdout + r.stderr).toMatch(/cannot inspect container openclaw-nope: .*no such container.* on box/i);
    expect(r.stdout + r.stderr).toMatch(/check openclaw\.container in the hosts file against `docker ps -a` \(or podman ps -a\) on box/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
