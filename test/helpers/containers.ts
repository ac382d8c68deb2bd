/**
 * Real OpenSSH test hosts for the integration tests, started by testcontainers from the image that
 * test/integration/global-setup.ts builds (docker/sshd/Dockerfile).
 *
 *   describeWithEngine('probe over ssh', () => {
 *     let host: SshHost;
 *     beforeAll(async () => { host = await startSshHost({ authorizedKeys: [key.publicKey] }); });
 *     it('...', async () => { ... host.host, host.port ... });
 *   });
 *
 * Every host and network started here is stopped by an afterAll hook this module registers in each test
 * file that imports it (there is no ryuk under podman); the global teardown removes anything left.
 *
 * A host: user `claw` (uid 1000, login, `sudo -n -u openclaw` without password), `openclaw` (uid 1001,
 * service user), `nosudo` (uid 1002, no sudo); sshd with public keys only, ed25519 host key only,
 * TCP forwarding on (so any host can be a bastion). Node 18 and the fake `openclaw` (docker/openclaw)
 * are installed.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { GenericContainer, StartedNetwork, Wait, getContainerRuntimeClient } from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import { afterAll, describe, inject } from 'vitest';
import { LABEL, SKIP_MESSAGE, type ContainerEngine } from '../integration/global-setup.js';
import type { HostKey } from './keys.js';
import { quote } from '../../src/shell.js';

// ---------------------------------------------------------------------------------------------------
// engine (from the global setup)

/** The container engine the global setup found, or null (then the integration tests skip). */
export const engine: ContainerEngine | null = inject('containerEngine') ?? null;
/** Why the integration tests skip (null when they run). */
export const skipReason: string | null = engine ? null : (inject('containerEngineSkipReason') ?? SKIP_MESSAGE);

// Workers forked after the global setup already have these; set them anyway for workers started before.
if (engine) {
  for (const [key, value] of Object.entries(engine.env)) process.env[key] ??= value;
}

/** `describe`, skipped with the reason in its title when there is no container engine. */
export function describeWithEngine(name: string, fn: () => void): void {
  if (engine) describe(name, fn);
  else describe.skip(`${name} (${skipReason})`, fn);
}

function requireEngine(): ContainerEngine {
  if (!engine) throw new Error(skipReason ?? SKIP_MESSAGE);
  return engine;
}

/**
 * The engine's socket as a path the engine itself can bind-mount: DOCKER_HOST's when it is a unix
 * socket, else /var/run/docker.sock (which Docker Desktop maps into its VM whatever DOCKER_HOST says).
 */
function engineSocketPath(eng: ContainerEngine): string {
  const host = eng.dockerHost ?? '';
  return host.startsWith('unix://') && !host.includes('/.docker/') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

// ---------------------------------------------------------------------------------------------------
// types

export interface StartSshHostOptions {
  /** authorized_keys lines for `claw`. */
  authorizedKeys: string[];
  /** authorized_keys lines for other users, e.g. `{ openclaw: [...], nosudo: [...] }`. */
  authorizedKeysFor?: Record<string, string[]>;
  /**
   * The ed25519 host private key (keys.hostKey() or its `privateKey` text). Omitted: the container makes
   * one at start (and restart() keeps it unless told otherwise).
   */
  hostKey?: string | HostKey;
  network?: StartedNetwork;
  /** DNS names on `network` (other containers on it resolve them). */
  networkAliases?: string[];
  /** Publish sshd's port on 127.0.0.1 (default true). false: reachable only from `network`, e.g. via a bastion. */
  exposePort?: boolean;
  /** Fixed host port instead of a random one (exposePort only). */
  hostPort?: number;
  /** Extra container environment (the entrypoint reads AUTHORIZED_KEYS*, HOST_KEY_ED25519, CLAWFIX_SCENARIO). */
  env?: Record<string, string>;
  /** Scenario(s) applied as root before sshd starts: docker/sshd/scenarios/<name>.sh or docker/openclaw/scenarios/<name>.sh. */
  scenario?: string | string[];
  /**
   * Give the host the machine's container engine as /var/run/docker.sock (group docker, which claw is
   * in): its docker client then runs sibling containers, e.g. a gateway container (gatewayContainer).
   */
  engineSocket?: boolean;
  /** systemd as PID 1 (docker/sshd/Dockerfile.systemd): sshd and OpenClaw run as systemd units. */
  systemd?: boolean;
  /** Label to tell containers apart in `podman ps` (default "sshd"). */
  role?: string;
  /** Directories of this machine mounted read-only at the same path (e.g. the real OpenClaw's install). */
  readOnlyMounts?: string[];
  /** Linux capabilities added to the container's default set (e.g. NET_ADMIN to drop its route). */
  capabilities?: string[];
  startupTimeoutMs?: number;
}

export interface ContainerExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved. */
  output: string;
}

export interface ExecOptions {
  user?: string;
  timeoutMs?: number;
}

export interface SshHost {
  /** The running container (replaced by restart()). */
  readonly container: StartedTestContainer;
  /** Where to connect: '127.0.0.1' when the port is published, else the first network alias (or the IP). */
  readonly host: string;
  /** The published port on `host` (22 when not published). May change on restart() if the old one is taken. */
  readonly port: number;
  /** The container's IP on `options.network` (undefined without a network). */
  readonly networkIp: string | undefined;
  readonly networkAliases: string[];
  /** The current ed25519 host private key (OpenSSH text) and public key (`ssh-ed25519 AAAA...`). */
  readonly hostKey: string;
  readonly hostPublicKey: string;
  /** `[127.0.0.1]:port ssh-ed25519 AAAA...` for a known_hosts file (or `alias ...` when not published). */
  knownHostsLine(): string;
  /**
   * Runs a command in the container (not over ssh), as root unless `user` is given: for test set-up.
   * With `timeoutMs`, rejects when the engine has not answered by then (podman 4.3's Docker API can
   * lose an exec session under load, and the call then never returns).
   */
  exec(command: string | string[], options?: ExecOptions): Promise<ContainerExecResult>;
  /** Like exec, but throws when the exit code is not 0. */
  execOk(command: string | string[], options?: ExecOptions): Promise<ContainerExecResult>;
  /** What the entrypoint and sshd wrote (sshd -e logs to stderr) so far. */
  logs(): string;
  /**
   * Replaces the container by a new one with the same options, network and aliases, and tries to keep
   * the same host port. `hostKey`: omitted = keep the current host key; a key = switch to it ("changed
   * host key"); null = let the new container generate a fresh one.
   */
  restart(options?: { hostKey?: string | HostKey | null; keepPort?: boolean }): Promise<SshHost>;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// bookkeeping: stop everything this test file started

const liveHosts = new Set<SshHost>();
const liveGateways = new Set<GatewayContainer>();
const liveNetworks = new Set<StartedNetwork>();

/** Removes every gateway container, stops every host, then removes every network, started by this test file. Called by afterAll. */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...liveGateways].map((g) => g.remove()));
  await Promise.allSettled([...liveHosts].map((h) => h.stop()));
  for (const network of [...liveNetworks]) {
    liveNetworks.delete(network);
    await network.stop().catch((err: unknown) => console.warn(`[integration] network ${network.getName()}: ${String(err)}`));
  }
}

afterAll(stopAll);

// ---------------------------------------------------------------------------------------------------
// containers

/** GenericContainer with two things testcontainers 11 does not offer. */
class SshdContainer extends GenericContainer {
  /** Publish 22/tcp on `hostIp` only (testcontainers binds all interfaces). */
  publishSsh(hostIp: string | undefined, hostPort: number | undefined): this {
    this.withExposedPorts(hostPort ? { container: 22, host: hostPort } : 22);
    if (hostIp) {
      this.hostConfig.PortBindings = {
        ...this.hostConfig.PortBindings,
        '22/tcp': [{ HostIp: hostIp, HostPort: String(hostPort ?? 0) }],
      };
    }
    return this;
  }

  /**
   * Attach to `network` only, with aliases. (withNetwork + withNetworkAliases creates the container on
   * the default bridge and then connects it to `network`: it would also be on the default network.)
   */
  onlyOnNetwork(network: StartedNetwork, aliases: string[]): this {
    this.withNetworkMode(network.getName());
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network.getName()]: { Aliases: aliases } } };
    return this;
  }
}

function keyText(key: string | HostKey): string {
  return typeof key === 'string' ? key : key.privateKey;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Resolves once something on host:port sends an SSH banner (the published port really leads to sshd). */
async function waitForBanner(host: string, port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const banner = await new Promise<string>((done) => {
      const socket = connect({ host, port });
      let data = '';
      const finish = (value: string) => {
        socket.destroy();
        done(value);
      };
      socket.setTimeout(2_000, () => finish(data));
      socket.on('data', (chunk) => {
        data += chunk.toString('latin1');
        if (data.includes('\n')) finish(data);
      });
      socket.on('error', (err) => finish(`error: ${err.message}`));
      socket.on('close', () => finish(data));
    });
    if (banner.startsWith('SSH-')) return;
    last = banner;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no SSH banner on ${host}:${port} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

interface Instance {
  container: StartedTestContainer;
  host: string;
  port: number;
  networkIp: string | undefined;
  hostKey: string;
  hostPublicKey: string;
  logs: string[];
}

const MAX_LOG_CHARS = 256 * 1024;

async function launch(options: StartSshHostOptions, hostKey: string | undefined, hostPort: number | undefined): Promise<Instance> {
  const eng = requireEngine();
  const expose = options.exposePort ?? true;
  const aliases = options.networkAliases ?? [];
  const instanceId = randomUUID();

  const env: Record<string, string> = { AUTHORIZED_KEYS: options.authorizedKeys.join('\n') };
  for (const [user, keys] of Object.entries(options.authorizedKeysFor ?? {})) env[`AUTHORIZED_KEYS_${user}`] = keys.join('\n');
  if (hostKey) env.HOST_KEY_ED25519 = hostKey;
  const scenarios = [...(options.engineSocket ? ['engine'] : []), ...[options.scenario ?? []].flat()];
  if (scenarios.length > 0) env.CLAWFIX_SCENARIO = scenarios.join(',');
  Object.assign(env, options.env);

  const logs: string[] = [];
  let logChars = 0;
  const builder = new SshdContainer(options.systemd ? eng.systemdImage : eng.sshdImage)
    .withEnvironment(env)
    .withLabels({
      [LABEL.marker]: options.role ?? 'sshd',
      [LABEL.session]: eng.sessionId,
      [LABEL.ownerPid]: String(eng.ownerPid),
      'org.clawfix.test.instance': instanceId,
    })
    .withLogConsumer((stream) => {
      stream.on('data', (chunk: Buffer | string) => {
        const text = chunk.toString();
        logs.push(text);
        logChars += text.length;
        while (logChars > MAX_LOG_CHARS && logs.length > 1) logChars -= logs.shift()!.length;
      });
      stream.on('error', () => {});
    })
    .withBindMounts([
      ...(options.engineSocket ? [{ source: engineSocketPath(eng), target: '/run/clawfix/engine.sock' }] : []),
      ...(options.readOnlyMounts ?? []).map((dir) => ({ source: dir, target: dir, mode: 'ro' as const })),
    ])
    .withAddedCapabilities(...(options.capabilities ?? []))
    .withWaitStrategy(
      // under systemd, sshd logs to the journal: wait for its unit instead
      options.systemd ? Wait.forSuccessfulCommand('systemctl is-active --quiet ssh.service') : Wait.forLogMessage(/Server listening on/),
    )
    .withStartupTimeout(options.startupTimeoutMs ?? 60_000);

  // systemd wants its cgroups writable and /run on tmpfs: podman gives it that by itself, Docker only privileged
  if (options.systemd && eng.kind === 'docker') builder.withPrivilegedMode().withTmpFs({ '/run': 'rw', '/run/lock': 'rw' });

  if (expose) {
    const client = await getContainerRuntimeClient();
    const runtimeHost = client.info.containerRuntime.host;
    builder.publishSsh(isLoopback(runtimeHost) ? '127.0.0.1' : undefined, hostPort);
    if (options.network) {
      // default bridge (for the published port) + the network, with at least one alias
      builder.withNetwork(options.network).withNetworkAliases(...(aliases.length > 0 ? aliases : [`sshd-${instanceId.slice(0, 8)}`]));
    }
  } else if (options.network) {
    builder.onlyOnNetwork(options.network, aliases);
  }

  let container: StartedTestContainer;
  try {
    container = await builder.start();
  } catch (err) {
    // testcontainers leaves a container that failed to start; remove it and say what it printed.
    const client = await getContainerRuntimeClient().catch(() => undefined);
    if (client) {
      const left = await client.container.dockerode
        .listContainers({ all: true, filters: { label: [`org.clawfix.test.instance=${instanceId}`] } })
        .catch(() => []);
      for (const c of left) await client.container.dockerode.getContainer(c.Id).remove({ force: true }).catch(() => {});
    }
    const printed = logs.join('').trim();
    throw new Error(`starting the sshd test host failed: ${(err as Error).message}${printed ? `\n--- container output ---\n${printed}` : ''}`, { cause: err });
  }

  try {
    const networkIp = options.network ? container.getIpAddress(options.network.getName()) : undefined;
    let host: string;
    let port: number;
    if (expose) {
      host = isLoopback(container.getHost()) ? '127.0.0.1' : container.getHost();
      port = container.getMappedPort(22);
      await waitForBanner(host, port);
    } else {
      host = aliases[0] ?? networkIp ?? container.getIpAddress(container.getNetworkNames()[0] ?? '');
      port = 22;
    }
    const keys = await container.exec(['sh', '-c', 'cat /etc/ssh/ssh_host_ed25519_key; echo "#---"; cat /etc/ssh/ssh_host_ed25519_key.pub'], { user: 'root' });
    const [priv, pub] = keys.stdout.split('#---\n');
    if (keys.exitCode !== 0 || !priv || !pub) throw new Error(`cannot read the host key: ${keys.output}`);
    return {
      container,
      host,
      port,
      networkIp,
      hostKey: priv,
      hostPublicKey: pub.trim().split(/\s+/).slice(0, 2).join(' '),
      logs,
    };
  } catch (err) {
    await container.stop({ remove: true, timeout: 0 }).catch(() => {});
    throw err;
  }
}

const PORT_TAKEN = /address already in use|port is already allocated/i;

/**
 * launch, again when a random host port turned out to be taken: the engine picks a free port, but
 * another process can bind it before the container does (seen under podman with many tests at once).
 */
async function launchOnFreePort(options: StartSshHostOptions, hostKey: string | undefined): Promise<Instance> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(options, hostKey, options.hostPort);
    } catch (err) {
      if (options.hostPort !== undefined || attempt === 3 || !PORT_TAKEN.test(String(err))) throw err;
    }
  }
}

/** Starts a test host. Stopped by the file's afterAll unless stopped earlier. */
export async function startSshHost(options: StartSshHostOptions): Promise<SshHost> {
  let current = await launchOnFreePort(options, options.hostKey ? keyText(options.hostKey) : undefined);
  let stopped = false;

  const exec: SshHost['exec'] = async (command, opts = {}) => {
    const cmd = Array.isArray(command) ? command : ['sh', '-c', command];
    const running = current.container.exec(cmd, { user: opts.user ?? 'root' });
    let timer: NodeJS.Timeout | undefined;
    const answered = opts.timeoutMs === undefined
      ? running
      : Promise.race([running, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the container engine did not answer an exec within ${opts.timeoutMs} ms: ${JSON.stringify(command)}`)), opts.timeoutMs)))]);
    try {
      const r = await answered;
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, output: r.output };
    } finally {
      clearTimeout(timer);
    }
  };

  const handle: SshHost = {
    get container() {
      return current.container;
    },
    get host() {
      return current.host;
    },
    get port() {
      return current.port;
    },
    get networkIp() {
      return current.networkIp;
    },
    networkAliases: [...(options.networkAliases ?? [])],
    get hostKey() {
      return current.hostKey;
    },
    get hostPublicKey() {
      return current.hostPublicKey;
    },
    knownHostsLine() {
      const name = current.port === 22 ? current.host : `[${current.host}]:${current.port}`;
      return `${name} ${current.hostPublicKey}`;
    },
    exec,
    async execOk(command, opts) {
      const r = await exec(command, opts);
      if (r.exitCode !== 0) throw new Error(`container exec failed (exit ${r.exitCode}): ${JSON.stringify(command)}\n${r.output}`);
      return r;
    },
    logs() {
      return current.logs.join('');
    },
    async restart(opts = {}) {
      if (stopped) throw new Error('restart() after stop()');
      const key =
        opts.hostKey === undefined ? current.hostKey : opts.hostKey === null ? undefined : keyText(opts.hostKey);
      const expose = options.exposePort ?? true;
      const wantPort = expose && (opts.keepPort ?? true) ? current.port : options.hostPort;
      await current.container.stop({ remove: true, timeout: 0 });
      try {
        current = await launch(options, key, wantPort);
      } catch (err) {
        if (wantPort === undefined || !PORT_TAKEN.test(String(err))) throw err;
        current = await launchOnFreePort({ ...options, hostPort: undefined }, key); // the old port was taken meanwhile
      }
      return handle;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      liveHosts.delete(handle);
      await current.container.stop({ remove: true, timeout: 0 });
    },
  };
  liveHosts.add(handle);
  return handle;
}

/**
 * A user-defined bridge network, removed by the file's afterAll. `internal: true`: containers on it
 * cannot reach outside it (and nothing can be published from it), e.g. a target behind a bastion.
 */
export async function createNetwork(options: { internal?: boolean } = {}): Promise<StartedNetwork> {
  const eng = requireEngine();
  const client = await getContainerRuntimeClient();
  const name = `clawfix-test-${randomUUID().slice(0, 8)}`;
  const network = await client.network.create({
    Name: name,
    CheckDuplicate: true,
    Driver: 'bridge',
    Internal: options.internal ?? false,
    Labels: { [LABEL.marker]: 'network', [LABEL.session]: eng.sessionId, [LABEL.ownerPid]: String(eng.ownerPid) },
  });
  const started = new StartedNetwork(client, name, network);
  liveNetworks.add(started);
  return started;
}

export interface BastionAndTarget {
  network: StartedNetwork;
  /** Published on 127.0.0.1, on the default network and on `network` (alias bastion.internal). */
  bastion: SshHost;
  /** On `network` only, nothing published: reachable as `targetAlias`:22 through the bastion. */
  target: SshHost;
  targetAlias: string;
  /** For `ssh -J`: `claw@127.0.0.1:<bastion port>`. */
  jump: string;
  stop(): Promise<void>;
}

/** A bastion and a target behind it, for ProxyJump tests. */
export async function startBastionAndTarget(options: {
  /** authorized_keys for `claw` on both hosts (unless given per host below). */
  authorizedKeys: string[];
  bastionAuthorizedKeys?: string[];
  targetAuthorizedKeys?: string[];
  bastionHostKey?: string | HostKey;
  targetHostKey?: string | HostKey;
  targetAlias?: string;
  targetScenario?: string | string[];
  targetEnv?: Record<string, string>;
  /** An internal network (default): the target cannot reach anything but the network. */
  internal?: boolean;
}): Promise<BastionAndTarget> {
  const targetAlias = options.targetAlias ?? 'target.internal';
  const network = await createNetwork({ internal: options.internal ?? true });
  const [bastion, target] = await Promise.all([
    startSshHost({
      authorizedKeys: options.bastionAuthorizedKeys ?? options.authorizedKeys,
      ...(options.bastionHostKey ? { hostKey: options.bastionHostKey } : {}),
      network,
      networkAliases: ['bastion.internal'],
      exposePort: true,
      role: 'bastion',
    }),
    startSshHost({
      authorizedKeys: options.targetAuthorizedKeys ?? options.authorizedKeys,
      ...(options.targetHostKey ? { hostKey: options.targetHostKey } : {}),
      ...(options.targetScenario ? { scenario: options.targetScenario } : {}),
      ...(options.targetEnv ? { env: options.targetEnv } : {}),
      network,
      networkAliases: [targetAlias],
      exposePort: false,
      role: 'target',
    }),
  ]);
  return {
    network,
    bastion,
    target,
    targetAlias,
    get jump() {
      return `claw@${bastion.host}:${bastion.port}`;
    },
    async stop() {
      await Promise.allSettled([bastion.stop(), target.stop()]);
      liveNetworks.delete(network);
      await network.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// the system OpenSSH client

export interface SshClientConfig {
  /** Pass as `ssh -F <configPath>`: ProxyJump hops read it too (they do not see -i or -o). */
  configPath: string;
  knownHostsPath: string;
}

/**
 * Writes an ssh_config that uses only the given key and known_hosts file (no agent, no ~/.ssh, no
 * /etc/ssh/ssh_config), batch mode, user `claw`.
 */
export async function writeSshClientConfig(
  dir: string,
  options: { identityFile: string; knownHostsPath?: string; strictHostKeyChecking?: 'yes' | 'no' | 'accept-new'; name?: string },
): Promise<SshClientConfig> {
  const name = options.name ?? 'ssh_config';
  const knownHostsPath = options.knownHostsPath ?? join(dir, `${name}.known_hosts`);
  const configPath = join(dir, name);
  const lines = [
    'Host *',
    '  User claw',
    `  IdentityFile ${options.identityFile}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${knownHostsPath}`,
    '  GlobalKnownHostsFile /dev/null',
    `  StrictHostKeyChecking ${options.strictHostKeyChecking ?? 'accept-new'}`,
    '  HashKnownHosts no',
    '  UpdateHostKeys no',
    '  CheckHostIP no',
    '  BatchMode yes',
    '  PasswordAuthentication no',
    '  KbdInteractiveAuthentication no',
    '  ConnectTimeout 10',
    '  ServerAliveInterval 5',
    '  ControlMaster no',
    '  ControlPath none',
    '  LogLevel ERROR',
  ];
  await writeFile(configPath, `${lines.join('\n')}\n`, { mode: 0o600 });
  return { configPath, knownHostsPath };
}

export interface SshRunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the system `ssh` with `args` (never throws for a non-zero exit). */
export function runSsh(args: string[], options: { timeoutMs?: number } = {}): Promise<SshRunResult> {
  return new Promise((done) => {
    execFile('ssh', args, { timeout: options.timeoutMs ?? 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const status = (err as { code?: unknown } | null)?.code;
      const code = err == null ? 0 : typeof status === 'number' ? status : null;
      done({ code, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// a gateway in a container of its own, next to a test host (docker/sshd/gateway-container.sh)

export interface GatewayContainer {
  /** The container's name: the hosts file's `openclaw.container`. */
  readonly name: string;
  /** The gateway's HOME (a volume); its state dir is `${home}/.openclaw`. */
  readonly home: string;
  /** Runs a command in the gateway container as its user (through the host's docker client). */
  exec(command: string, options?: { stdin?: string }): Promise<ContainerExecResult>;
  execOk(command: string, options?: { stdin?: string }): Promise<ContainerExecResult>;
  /** Removes the container and its volume. */
  remove(): Promise<void>;
}

/**
 * Starts a fake OpenClaw gateway as the main process of its own container (user openclaw, state on a
 * named volume), through the docker client of `host` (started with engineSocket): what clawfix meets
 * on a VPS where OpenClaw runs in Docker. Labelled like every harness container, so the run's teardown
 * removes it even when the test file could not.
 */
export async function startGatewayContainer(host: SshHost, scenario: string, env: Record<string, string> = {}): Promise<GatewayContainer> {
  const eng = requireEngine();
  const name = `clawfix-gw-${randomUUID().slice(0, 8)}`;
  const labels = { [LABEL.marker]: 'gateway', [LABEL.session]: eng.sessionId, [LABEL.ownerPid]: String(eng.ownerPid) };
  const options = [
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
  ];
  await host.execOk(['clawfix-test-gateway-container', name, scenario, eng.sshdImage, ...options]);
  const exec = async (command: string, opts: { stdin?: string } = {}) => {
    const stdin = opts.stdin === undefined ? '' : `printf '%s' ${quote(opts.stdin)} | `;
    return host.exec(`${stdin}docker exec -i ${name} sh -c ${quote(command)}`);
  };
  const gateway: GatewayContainer = {
    name,
    home: '/data',
    exec,
    async execOk(command, opts) {
      const r = await exec(command, opts);
      if (r.exitCode !== 0) throw new Error(`gateway container exec failed (exit ${r.exitCode}): ${command}\n${r.output}`);
      return r;
    },
    async remove() {
      liveGateways.delete(gateway);
      await host.exec(`docker rm -f ${name} >/dev/null 2>&1; docker volume rm ${name}-state >/dev/null 2>&1; true`);
    },
  };
  liveGateways.add(gateway);
  return gateway;
}
