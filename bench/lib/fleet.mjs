/*
 * The fleet: N real OpenSSH sshd processes on 127.0.1.K:2222, each with its own host key, config and
 * pid file, all logging in the same user (root) but, through a ForceCommand wrapper, each seeing its
 * own HOME (a fake OpenClaw install and state, one scenario per host) and its own /tmp/openclaw (a
 * private mount namespace per session, so the log files differ too). Everything lives under ROOT,
 * host and client keys are cached under bench/.cache.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = '/tmp/clawfix-bench';
export const SSHD = '/usr/sbin/sshd';
export const SSHD_PORT = 2222;
export const RELAY_PORT = 22;

export const addressOf = (k) => `127.0.1.${k}`;
export const nameOf = (k) => `h${k}`;

/** Scenarios of the fake openclaw, with the variants worth mixing in (cycled over the fleet). */
const VARIANTS = {
  'network-dns': ['enotfound', 'eai_again', 'econnrefused', 'handshake'],
  'not-linked': [null, 'after-logout'],
  'gateway-not-running': [null, 'clean-stop'],
};

export function listScenarios(repo) {
  const out = execFileSync(process.execPath, [path.join(repo, 'docker/openclaw/scenario.mjs'), '--list', '--json'], { encoding: 'utf8' });
  return JSON.parse(out).map((s) => ({ name: s.name, version: s.version, verdict: s.verdict }));
}

async function pool(items, limit, fn) {
  let next = 0;
  const results = new Array(items.length);
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

/** ed25519 keys, generated once and kept in bench/.cache (host keys are per host index). */
export async function ensureKeys(cacheDir, n) {
  const dir = path.join(cacheDir, 'keys');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const gen = async (file, comment) => {
    if (fs.existsSync(file) && fs.existsSync(`${file}.pub`)) return;
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}.pub`, { force: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  };
  const client = path.join(dir, 'client_ed25519');
  await gen(client, 'clawfix-bench-client');
  const hostKeys = [];
  for (let k = 1; k <= n; k++) hostKeys.push(path.join(dir, `host_${k}_ed25519`));
  await pool(hostKeys, 8, (file, i) => gen(file, `clawfix-bench-h${i + 1}`));
  for (const f of [client, ...hostKeys]) fs.chmodSync(f, 0o600);
  return { client, hostKeys };
}

/** The fake openclaw installed once per version (like `npm i -g openclaw@<version>`). */
export function installOpenclaw(repo, versions) {
  const prefixes = {};
  for (const version of versions) {
    const prefix = path.join(ROOT, 'oc', version);
    execFileSync('sh', [path.join(repo, 'docker/openclaw/install.sh'), prefix]);
    const pkgFile = path.join(prefix, 'lib/node_modules/openclaw/package.json');
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    pkg.version = version;
    fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    prefixes[version] = prefix;
  }
  return prefixes;
}

const WRAPPER = `#!/bin/sh
# ForceCommand of every bench sshd: this host's HOME and /tmp/openclaw (a private mount namespace),
# then the client's command, stdin untouched. In replay mode (${ROOT}/replay exists) the probe is
# answered with this host's recorded probe output instead: the host then costs only its sshd, as if
# it had a CPU of its own.
h=${ROOT}/hosts/"$1"
export HOME="$h"
cd "$h" || exit 1
if [ -e ${ROOT}/replay ] && [ -f "$h/probe.out" ]; then
  case "$SSH_ORIGINAL_COMMAND" in
    # the recording ran without a nonce: this run's (first line of stdin) goes into its delimiters
    "env CF_STATE_DIR="*" sh -s") nonce=$(head -n 1 | sed -n 's/.*CF_NONCE=\\([0-9a-f]*\\).*/\\1/p'); cat >/dev/null
      exec sed -e "s/^@@clawfix-probe 2 \$/@@clawfix-probe 2 $nonce/" -e "s/^@@ /@@$nonce /" "$h/probe.out" ;;
    "echo "*" | base64 -d | env CF_STATE_DIR="*" sh -s") exec cat "$h/probe.out" ;;
  esac
fi
exec unshare -m sh -c 'mount --bind "$HOME/tmp-openclaw" /tmp/openclaw && exec sh -c "$SSH_ORIGINAL_COMMAND"'
`;

/**
 * Records the probe output for replay mode: the probe runs once (locally, in the host's namespace)
 * on the first host of each scenario variant; the other hosts of that variant get a copy with the
 * HOME path changed to theirs (the rest of what the probe sees is the same machine).
 */
export async function recordProbes(hosts, probeFile, probeCommand, { concurrency = 2 } = {}) {
  const first = new Map();
  for (const h of hosts) {
    const key = `${h.scenario}/${h.variant ?? ''}`;
    if (!first.has(key)) first.set(key, h);
  }
  await pool([...first.values()], concurrency, async (h) => {
    const script = `mount --bind "$HOME/tmp-openclaw" /tmp/openclaw && exec sh -c "$0" < "$1" > "$HOME/probe.out"`;
    await run('unshare', ['-m', 'sh', '-c', script, probeCommand, probeFile], { env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: h.home, LANG: 'C.UTF-8' }, cwd: h.home });
  });
  for (const h of hosts) {
    const src = first.get(`${h.scenario}/${h.variant ?? ''}`);
    if (src !== h) {
      const text = fs.readFileSync(path.join(src.home, 'probe.out'), 'utf8');
      fs.writeFileSync(path.join(h.home, 'probe.out'), text.replace(new RegExp(`${src.home.replace(/[.]/g, '\\.')}(?![0-9])`, 'g'), h.home));
    }
    h.probeBytes = fs.statSync(path.join(h.home, 'probe.out')).size;
  }
  return first.size;
}

export function setReplay(on) {
  const flag = path.join(ROOT, 'replay');
  if (on) fs.writeFileSync(flag, '');
  else fs.rmSync(flag, { force: true });
}

/** Plans the hosts: scenario (with variants) and openclaw version per host; host 1 is healthy. */
export function planHosts(n, scenarios) {
  const hosts = [];
  for (let k = 1; k <= n; k++) {
    const s = scenarios[(k - 1) % scenarios.length];
    const cycle = Math.floor((k - 1) / scenarios.length);
    const variants = VARIANTS[s.name];
    const variant = variants ? variants[cycle % variants.length] : null;
    hosts.push({ k, name: nameOf(k), address: addressOf(k), home: path.join(ROOT, 'hosts', nameOf(k)), scenario: s.name, variant, version: s.version, verdict: s.verdict });
  }
  return hosts;
}

/** Builds every host's HOME with its scenario (no gateway processes: see README). */
export async function buildHomes(hosts, prefixes, { concurrency = 3, onProgress } = {}) {
  let done = 0;
  await pool(hosts, concurrency, async (h) => {
    fs.mkdirSync(path.join(h.home, 'tmp-openclaw'), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.join(h.home, 'tmp-openclaw'), 0o700);
    const prefix = prefixes[h.version];
    const bin = path.join(h.home, '.npm-global/bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.symlinkSync(path.join(prefix, 'lib/node_modules/openclaw/openclaw.mjs'), path.join(bin, 'openclaw'));
    const args = [path.join(prefix, 'lib/node_modules/openclaw/fake/scenario.mjs'), h.scenario, '--home', h.home, '--no-gateway', '--prefix', prefix];
    if (h.variant) args.push('--variant', h.variant);
    if (h.scenario === 'wrong-user-or-state-dir') args.push('--service-home', path.join(h.home, 'svc-openclaw'));
    const script = `mount --bind "$1/tmp-openclaw" /tmp/openclaw && shift && exec "$@"`;
    await run('unshare', ['-m', 'sh', '-c', script, 'sh', h.home, process.execPath, ...args], { env: { ...process.env, HOME: h.home }, maxBuffer: 1 << 24 });
    onProgress?.(++done, hosts.length);
  });
}

export function writeSshdConfigs(hosts, keys, { authorizedKeys }) {
  fs.mkdirSync(path.join(ROOT, 'sshd'), { recursive: true });
  fs.mkdirSync(path.join(ROOT, 'bin'), { recursive: true });
  const wrapper = path.join(ROOT, 'bin/hostwrap');
  fs.writeFileSync(wrapper, WRAPPER, { mode: 0o755 });
  for (const h of hosts) {
    h.sshdConfig = path.join(ROOT, 'sshd', `${h.name}.conf`);
    h.pidFile = path.join(ROOT, 'sshd', `${h.name}.pid`);
    h.hostKey = keys.hostKeys[h.k - 1];
    h.hostKeyPub = fs.readFileSync(`${h.hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const lines = [
      `# clawfix bench host ${h.name} (${h.scenario}${h.variant ? `/${h.variant}` : ''})`,
      `ListenAddress ${h.address}:${SSHD_PORT}`,
      `HostKey ${h.hostKey}`,
      `PidFile ${h.pidFile}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'AuthorizedKeysCommand none',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'HostbasedAuthentication no',
      'GSSAPIAuthentication no',
      'MaxStartups 1000:30:1000',
      'MaxSessions 100',
      'MaxAuthTries 10',
      'LoginGraceTime 120',
      'LogLevel ERROR',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'X11Forwarding no',
      'AllowTcpForwarding no',
      'AllowAgentForwarding no',
      'PermitUserEnvironment no',
      'AcceptEnv LANG',
      // HOME set by sshd already, so the login shell (bash -c) reads this host's (absent) rc files,
      // not this machine's /root/.bashrc (which runs pyenv init: 0.35 s per session here)
      `SetEnv HOME=${h.home}`,
      `ForceCommand ${wrapper} ${h.name}`,
      `Subsystem sftp internal-sftp`,
    ];
    fs.writeFileSync(h.sshdConfig, `${lines.join('\n')}\n`);
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export async function startSshd(hosts) {
  if (!fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
  await run(SSHD, ['-t', '-f', hosts[0].sshdConfig]);
  await pool(hosts, 16, async (h) => {
    await run(SSHD, ['-f', h.sshdConfig]);
  });
  const deadline = Date.now() + 20000;
  for (const h of hosts) {
    while (!fs.existsSync(h.pidFile)) {
      if (Date.now() > deadline) throw new Error(`sshd for ${h.name} wrote no pid file`);
      await new Promise((r) => setTimeout(r, 20));
    }
    h.pid = Number(fs.readFileSync(h.pidFile, 'utf8').trim());
  }
}

/** Kills every bench sshd found through its pid file (only if it really is ours), waits for it. */
export async function stopSshd() {
  const dir = path.join(ROOT, 'sshd');
  let pids = [];
  try {
    pids = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => ({ pid: Number(fs.readFileSync(path.join(dir, f), 'utf8').trim()), conf: path.join(dir, f.replace(/\.pid$/, '.conf')) }));
  } catch {
    return 0;
  }
  const ours = pids.filter(({ pid, conf }) => pid > 1 && pidAlive(pid) && cmdline(pid).includes(conf));
  for (const { pid } of ours) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
  }
  const deadline = Date.now() + 5000;
  for (const { pid } of ours) {
    while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (pidAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  return ours.length;
}

/** What is left: processes whose command line names the bench root, and listeners on 127.0.1.x. */
export function leftovers() {
  const procs = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cl = cmdline(entry);
    if (cl.includes(`${ROOT}/`)) procs.push({ pid: Number(entry), cmd: cl.slice(0, 120) });
  }
  const listeners = [];
  for (const file of ['/proc/net/tcp']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue;
      const [hex, port] = f[1].split(':');
      const ip = [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
      if (ip.startsWith('127.0.1.') || ip.startsWith('127.0.3.')) listeners.push(`${ip}:${parseInt(port, 16)}`);
    }
  }
  return { procs, listeners };
}

/** Live TCP connections to or from the fleet's addresses (TIME_WAIT excluded): a run has finished when 0. */
export function fleetSockets() {
  let text = '';
  try {
    text = fs.readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return 0;
  }
  let n = 0;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] === '0A' || f[3] === '06') continue;
    const local = f[1].split(':')[0];
    const remote = f[2].split(':')[0];
    // 127.0.1.x little-endian hex: xx01007F
    if (local.endsWith('01007F') || remote.endsWith('01007F')) n++;
  }
  return n;
}

export { pool, spawn };
