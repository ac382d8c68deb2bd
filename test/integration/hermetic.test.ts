/**
 * Hermeticity, proved with decoys: `clawfix demo` and the probe scenarios (test/unit/probe-scenarios.test.ts)
 * reach only their own fake `openclaw` and their own files, on a machine that also holds
 *   - an `openclaw` first on PATH (and one in /usr/local/bin) that records every call and fails,
 *   - another user's OpenClaw: /home/openclaw/.openclaw with WhatsApp credentials (readable by all),
 *     its gateway running as that user, and its /tmp/openclaw with lines that would steer a verdict,
 *   - a ~/.ssh/config whose `ProxyJump` would send every SSH connection elsewhere;
 * and `clawfix logs`' script does not take that other user's /tmp/openclaw for its own.
 *
 * Where: a throwaway container of the test-host image (docker/sshd/Dockerfile), started here without
 * sshd and without a network. Decoys in this machine's /tmp, /home and /usr/local/bin would not be
 * hermetic themselves, and a private mount namespace (`unshare -m`) needs root here and still shares
 * this machine's processes and their users; the container has real other users (claw 1000, openclaw
 * 1001), its own processes, and goes away with everything in it. Its Debian node is 18, so this
 * machine's node (>= 20, the one running the tests) is bind-mounted over it, and the checkout read-only
 * at /clawfix (dist/ must be built: `npm test` builds it first). The demo runs as claw (a laptop user,
 * who cannot read the other user's gateway environment), the probe scenarios as root (who can read
 * everything, as CI does). Like every integration test it needs a container engine.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logScript } from '../../src/commands/logs.js';
import { describeWithEngine, engine } from '../helpers/containers.js';
import { LABEL } from './global-setup.js';

const PATH_WITH_DECOY = '/decoy/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const CALLS = '/decoy/calls/log';

/** Run as root before the tests: another user's OpenClaw, the decoy binaries, a misleading ~/.ssh/config. */
const DECOYS = String.raw`set -eu
# another user's OpenClaw, linked and running (its gateway as uid 1001, port 18789), logging to /tmp/openclaw
openclaw-fake-scenario healthy --user openclaw >/dev/null
chmod -R a+rX /home/openclaw
test "$(stat -c %U /tmp/openclaw)" = openclaw
log=$(ls -1t /tmp/openclaw/openclaw*.log | head -n 1)
now=$(date -u +%Y-%m-%dT%H:%M:%S.000+00:00)
printf '{"0":"{\\"subsystem\\":\\"gateway/channels/whatsapp\\"}","1":"WhatsApp session logged out. Run openclaw channels login to relink.","_meta":{"logLevelName":"ERROR"},"time":"%s"}\n' "$now" >> "$log"
# an openclaw that records being called and fails, first on PATH and where a global install would be
install -d -m 0755 /decoy/bin && install -d -m 1777 /decoy/calls
cat > /decoy/bin/openclaw <<'DECOY'
#!/bin/sh
echo "$(id -un): $0 $*" >> ${CALLS}
echo "decoy openclaw: this machine's, not the test's" >&2
exit 70
DECOY
chmod 0755 /decoy/bin/openclaw
rm -f /usr/local/bin/openclaw && cp /decoy/bin/openclaw /usr/local/bin/openclaw
# every SSH connection through a host that does not exist, should anything read ~/.ssh
for home in /home/claw /root; do
  mkdir -p "$home/.ssh" && printf 'Host *\n  ProxyJump decoy@192.0.2.1\n' > "$home/.ssh/config"
done
chown -R claw:claw /home/claw/.ssh && chmod 0600 /home/claw/.ssh/config
ps -o user=,args= -u openclaw | grep -q openclaw-gateway`;

/** With an init as PID 1 (the engine's: catatonit, tini), which reaps the demo's detached gateways once they exit. */
class Box extends GenericContainer {
  withInit(): this {
    this.hostConfig.Init = true;
    return this;
  }
}

describeWithEngine('hermetic: the demo and the probe scenarios among decoys', () => {
  let box: StartedTestContainer;

  const run = async (script: string, user = 'root') => {
    const r = await box.exec(['sh', '-c', script], { user });
    return { ...r, text: `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}` };
  };

  beforeAll(async () => {
    if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing: run `npm run build` first');
    box = await new Box(engine!.sshdImage)
      .withInit()
      .withEntrypoint(['sleep', 'infinity'])
      .withNetworkMode('none')
      .withLabels({ [LABEL.marker]: 'hermetic', [LABEL.session]: engine!.sessionId, [LABEL.ownerPid]: String(engine!.ownerPid) })
      .withBindMounts([
        { source: resolve('.'), target: '/clawfix', mode: 'ro' },
        { source: process.execPath, target: '/usr/bin/node', mode: 'ro' },
      ])
      .start();
    const node = await run('node --version');
    expect(node.stdout.trim(), `this machine's node must run in the container (${process.execPath}): ${node.text}`).toBe(process.version);
    const decoys = await run(DECOYS);
    expect(decoys.exitCode, decoys.text).toBe(0);
  });

  afterAll(async () => {
    await box?.stop({ remove: true, timeout: 0 });
  });

  describe('clawfix demo --yes, as claw', () => {
    let demo: Awaited<ReturnType<typeof run>>;
    beforeAll(async () => {
      demo = await run(`cd /clawfix && HOME=/home/claw PATH=${PATH_WITH_DECOY} exec node dist/cli.js demo --yes`, 'claw');
    }, 240_000);

    it('diagnoses its own hosts, without calling the decoy', async () => {
      for (const [host, verdict] of [
        ['vps-healthy', 'healthy'],
        ['vps-transient-reconnect', 'transient-reconnect'],
        ['vps-logged-out', 'logged-out'],
        ['vps-conflict', 'conflict'],
        ['vps-gateway-not-running', 'gateway-not-running'],
      ]) {
        expect(demo.stdout, demo.text).toMatch(new RegExp(`^${host}\\s+default\\s+${verdict}\\b`, 'm'));
      }
      expect((await run(`cat ${CALLS} 2>/dev/null`)).stdout).toBe('');
    });

    it('relinks the logged-out host with its own openclaw (the fix commands find it first)', () => {
      expect(demo.exitCode, demo.text).toBe(0);
      expect(demo.stdout, demo.text).toMatch(/fixed: logged-out → account running and connected \(verified\)/);
    });
  });

  it('the probe scenarios give their verdicts, as root, without calling the decoy', async () => {
    // The unit test file itself, run in the container; the checkout is read-only there, so no cache and
    // no config bundled to a temp file.
    const scenarios = await run(`cd /clawfix && PATH=${PATH_WITH_DECOY} NO_COLOR=1 exec node node_modules/vitest/vitest.mjs run --project unit --no-cache --configLoader runner --reporter dot test/unit/probe-scenarios.test.ts`);
    expect(scenarios.exitCode, scenarios.text).toBe(0);
    expect(scenarios.stdout, scenarios.text).toMatch(/Tests\s+\d+ passed/);
    expect((await run(`cat ${CALLS} 2>/dev/null`)).stdout).toBe('');
  }, 240_000);

  it("logs takes only the user's own /tmp/openclaw: not another user's, as the decoy's owner does", async () => {
    const claw = await run(logScript('/home/claw/.openclaw', 20, false), 'claw');
    expect(claw.exitCode, claw.text).toBe(1);
    expect(claw.stderr).toContain('no OpenClaw log file of this user found');
    expect(claw.stdout).not.toContain('@@file');
    const owner = await run(logScript('/home/openclaw/.openclaw', 20, false), 'openclaw');
    expect(owner.exitCode, owner.text).toBe(0);
    expect(owner.stdout).toMatch(/^@@file \/tmp\/openclaw\/openclaw-[\d-]+\.log$/m);
  });
});
