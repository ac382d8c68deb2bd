/**
 * Vitest globalSetup of the `integration` project (runs once, in vitest's main process).
 *
 * 1. Finds a container engine for testcontainers, in this order:
 *    - DOCKER_HOST, when set (any engine testcontainers can talk to);
 *    - /var/run/docker.sock, when it answers;
 *    - /tmp/podman.sock (podman's Docker API, see .ci/container-engine.sh), when it answers;
 *    - whatever testcontainers finds by itself (rootless Docker, Docker Desktop, ~/.testcontainers.properties).
 *    Under podman it also sets TESTCONTAINERS_RYUK_DISABLED=true (the ryuk image cannot be pulled) and
 *    TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1, unless they are already set.
 *    The variables are set on process.env here: vitest forks its workers after globalSetup has run and
 *    gives them a copy of process.env; they are also provided (inject('containerEngine').env) and
 *    test/helpers/containers.ts applies them, in case a worker was started earlier.
 * 2. No engine: with CI=true this throws (the run fails); otherwise it prints one line and provides
 *    `containerEngine: null`, and the integration suites skip (describeWithEngine / describe.skipIf).
 * 3. Builds docker/sshd/Dockerfile (context: docker/) once per run as clawfix-test-sshd:latest, and on it
 *    docker/sshd/Dockerfile.systemd (the same host with systemd as PID 1); test files start containers from
 *    those tags. Layer caching makes a rebuild with unchanged inputs take ~1 s.
 * 4. Containers and networks get labels naming this run; teardown removes what is left (there is no
 *    ryuk under podman), and setup removes leftovers of runs whose vitest process is gone.
 */
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

export const SSHD_IMAGE = 'clawfix-test-sshd:latest';
export const SYSTEMD_IMAGE = 'clawfix-test-sshd-systemd:latest';
export const SKIP_MESSAGE =
  'integration tests skipped: no container engine (set DOCKER_HOST or run .ci/container-engine.sh)';

/** Labels on every container/network the harness creates. */
export const LABEL = {
  marker: 'org.clawfix.test',
  session: 'org.clawfix.test.session',
  ownerPid: 'org.clawfix.test.owner-pid',
} as const;

export interface ContainerEngine {
  kind: 'docker' | 'podman';
  /** What testcontainers talks to, e.g. unix:///tmp/podman.sock (null: found by testcontainers itself). */
  dockerHost: string | null;
  /** Environment the workers need (DOCKER_HOST, TESTCONTAINERS_*). */
  env: Record<string, string>;
  /** Image to start test hosts from (built in this setup). */
  sshdImage: string;
  /** The same host with systemd as PID 1 (docker/sshd/Dockerfile.systemd). */
  systemdImage: string;
  sessionId: string;
  ownerPid: number;
  imageBuildMs: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    containerEngine: ContainerEngine | null;
    /** Why the integration tests are skipped (null when they run). */
    containerEngineSkipReason: string | null;
  }
}

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const DOCKER_DIR = join(ROOT, 'docker');

function ping(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
    req.end();
  });
}

interface Detected {
  dockerHost: string | null;
  env: Record<string, string>;
}

/** null: no engine. Sets process.env for what it finds. */
async function detectEngine(): Promise<{ found: Detected | null; why: string }> {
  const env: Record<string, string> = {};
  if (process.env.DOCKER_HOST) {
    const host = process.env.DOCKER_HOST;
    if (host.startsWith('unix://') && !(await ping(host.slice('unix://'.length)))) {
      return { found: null, why: `DOCKER_HOST=${host} does not answer` };
    }
    return { found: { dockerHost: host, env: { DOCKER_HOST: host } }, why: '' };
  }
  if (await ping('/var/run/docker.sock')) {
    env.DOCKER_HOST = 'unix:///var/run/docker.sock';
    return { found: { dockerHost: env.DOCKER_HOST, env }, why: '' };
  }
  if (await ping('/tmp/podman.sock')) {
    env.DOCKER_HOST = 'unix:///tmp/podman.sock';
    return { found: { dockerHost: env.DOCKER_HOST, env }, why: '' };
  }
  // Let testcontainers try its own strategies (rootless Docker, Docker Desktop, properties file).
  return { found: { dockerHost: null, env }, why: '' };
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    // docker/openclaw/lib/node_modules/openclaw IS the fake CLI (laid out like a global npm install).
    if (entry.name === '.git' || (entry.name === 'node_modules' && !full.includes('/openclaw/lib/'))) continue;
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(relative(DOCKER_DIR, full));
  }
  return out;
}

type Dockerode = import('dockerode');

/**
 * Builds an image from docker/ with the engine's build API and fails with the builder's own error message.
 * (GenericContainer.fromDockerfile().build() ignores errors in the build stream and then only checks that
 * the tag exists: a failed rebuild would silently reuse a stale image from an earlier run.)
 */
async function buildImage(docker: Dockerode, tag: string, dockerfile: string, buildargs: Record<string, string> = {}): Promise<string> {
  const src = await listFiles(DOCKER_DIR);
  const stream = await docker.buildImage(
    { context: DOCKER_DIR, src },
    // Not LABEL.*: containers inherit image labels, and those mark what the harness itself started.
    { t: tag, dockerfile, buildargs, labels: { 'org.clawfix.test-image': tag } },
  );
  const tail: string[] = [];
  const errors: string[] = [];
  await new Promise<void>((done, fail) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? fail(err) : done()),
      (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
        if (event.stream) {
          tail.push(...event.stream.split('\n').filter((l) => l.trim()));
          tail.splice(0, Math.max(0, tail.length - 30));
        }
        if (event.error || event.errorDetail) errors.push(event.errorDetail?.message ?? event.error ?? 'build error');
      },
    );
  });
  if (errors.length > 0) {
    throw new Error(`building ${tag} from docker/${dockerfile} failed: ${errors.join('; ')}\n${tail.join('\n')}`);
  }
  const info = await docker.getImage(tag).inspect();
  // podman stores it as localhost/<tag>; use the name the engine reports.
  return info.RepoTags?.find((t) => t.endsWith(tag)) ?? tag;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the harness's containers, then networks and volumes, whose labels `select` picks. Errors are reported, not thrown. */
async function removeLabelled(docker: Dockerode, select: (labels: Record<string, string>) => boolean): Promise<number> {
  let removed = 0;
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL.marker] } });
  for (const c of containers) {
    if (!select(c.Labels ?? {})) continue;
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .then(() => removed++)
      .catch((err: unknown) => console.warn(`[integration] could not remove container ${c.Id.slice(0, 12)}: ${String(err)}`));
  }
  const networks = await docker.listNetworks({ filters: { label: [LABEL.marker] } });
  for (const n of networks) {
    if (!select(n.Labels ?? {})) continue;
    await docker
      .getNetwork(n.Id)
      .remove()
      .then(() => removed++)
      .catch((err: unknown) => console.warn(`[integration] could not remove network ${n.Name}: ${String(err)}`));
  }
  // volumes of gateway containers that tests start on their hosts (docker/sshd/gateway-container.sh)
  const { Volumes: volumes } = await docker.listVolumes({ filters: { label: [LABEL.marker] } });
  for (const v of volumes ?? []) {
    if (!select(v.Labels ?? {})) continue;
    await docker
      .getVolume(v.Name)
      .remove()
      .then(() => removed++)
      .catch((err: unknown) => console.warn(`[integration] could not remove volume ${v.Name}: ${String(err)}`));
  }
  return removed;
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const ci = process.env.CI === 'true';
  const noEngine = (why: string) => {
    const reason = `${SKIP_MESSAGE}${why ? ` [${why}]` : ''}`;
    if (ci) throw new Error(`CI=true and no usable container engine: ${why || 'none found'}. Run .ci/container-engine.sh first (source it: it exports DOCKER_HOST).`);
    console.warn(`\n[integration] ${reason}\n`);
    project.provide('containerEngine', null);
    project.provide('containerEngineSkipReason', reason);
    return undefined;
  };

  const { found, why } = await detectEngine();
  if (!found) return noEngine(why);
  Object.assign(process.env, found.env);

  // Only now load testcontainers: it picks its strategy from process.env on first use.
  const { getContainerRuntimeClient } = await import('testcontainers');
  let client: Awaited<ReturnType<typeof getContainerRuntimeClient>>;
  try {
    client = await getContainerRuntimeClient();
  } catch (err) {
    return noEngine(`testcontainers: ${(err as Error).message}`);
  }
  const docker = client.container.dockerode;
  const version = await docker.version();
  const podman = (version.Components ?? []).some((c) => /podman/i.test(c.Name));
  const env: Record<string, string> = { ...found.env };
  if (podman) {
    // ryuk cannot be pulled here; the teardown below removes this run's containers instead.
    env.TESTCONTAINERS_RYUK_DISABLED = process.env.TESTCONTAINERS_RYUK_DISABLED ?? 'true';
    if (!process.env.TESTCONTAINERS_HOST_OVERRIDE && (found.dockerHost ?? '').startsWith('unix://')) {
      env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
    }
  }
  for (const key of ['DOCKER_HOST', 'TESTCONTAINERS_RYUK_DISABLED', 'TESTCONTAINERS_HOST_OVERRIDE']) {
    const value = process.env[key];
    if (value !== undefined && env[key] === undefined) env[key] = value;
  }
  Object.assign(process.env, env);

  const sessionId = randomUUID();
  const ownerPid = process.pid;

  const stale = await removeLabelled(docker, (l) => {
    const pid = Number(l[LABEL.ownerPid]);
    return Number.isInteger(pid) && pid > 0 && !alive(pid);
  });
  if (stale > 0) console.warn(`[integration] removed ${stale} container(s)/network(s) left by earlier runs`);

  const t0 = performance.now();
  const sshdImage = await buildImage(docker, SSHD_IMAGE, 'sshd/Dockerfile');
  const systemdImage = await buildImage(docker, SYSTEMD_IMAGE, 'sshd/Dockerfile.systemd', { BASE: sshdImage });
  const imageBuildMs = Math.round(performance.now() - t0);
  const engineName = `${podman ? 'podman' : 'docker'} ${version.Version} via ${found.dockerHost ?? client.info.containerRuntime.host}`;
  console.log(`[integration] engine: ${engineName}; images ${sshdImage}, ${systemdImage} built in ${(imageBuildMs / 1000).toFixed(1)} s`);

  const engine: ContainerEngine = {
    kind: podman ? 'podman' : 'docker',
    dockerHost: found.dockerHost,
    env,
    sshdImage,
    systemdImage,
    sessionId,
    ownerPid,
    imageBuildMs,
  };
  project.provide('containerEngine', engine);
  project.provide('containerEngineSkipReason', null);

  return async () => {
    const left = await removeLabelled(docker, (l) => l[LABEL.session] === sessionId);
    if (left > 0) console.warn(`[integration] teardown removed ${left} container(s)/network(s) the tests left behind`);
  };
}
