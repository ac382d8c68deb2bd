// The shell that reaches OpenClaw's container, run by a real sh against a stub engine CLI that logs
// its arguments and answers `container inspect` like docker does.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inContainer } from '../../src/container.js';
import { controlCommand } from '../../src/fix/commands.js';
import { fixTarget } from '../../src/fix/target.js';
import { sh } from '../../src/shell.js';
import { diagnosisFor, HOST } from '../fixtures/fix/diagnosis.js';

// `exec -i NAME sh -c X` runs X here; `create … sh -c X` keeps X (and records the env file it was
// given) for `start -ai`, which runs it; `ps -a` lists the copies in STUB_COPIES ("id shell-pid" lines).
const STUB = `#!/bin/sh
echo "$(basename "$0") $*" >> "$STUB_LOG"
case "$1 $2" in
  "container inspect")
    if [ "$STUB_STATE" = missing ] || { [ -n "\${STUB_KNOWN_TO:-}" ] && [ "$STUB_KNOWN_TO" != "$(basename "$0")" ]; }; then
      for last; do :; done; echo "Error: No such container: $last" >&2; exit 1; fi
    case "$4" in
      *Image*) echo "$STUB_STATE sha256:0123abcd openclaw" ;;
      *Env*) printf 'HOME=/data\\nOPENCLAW_API_KEY=secret\\nPEM=-----BEGIN KEY-----\\nAAAA\\n-----END KEY-----\\n' ;;
      *) echo "$STUB_STATE" ;;
    esac ;;
  "exec -i") shift 3; exec "$@" ;;
  "ps -a") printf '%s' "\${STUB_COPIES:-}" ;;
  "create -i")
    while [ "$1" != --entrypoint ]; do
      case "$1" in --env-file) echo "env file mode $(stat -c %a "$2"): $(tr '\\n' ' ' < "$2")" >> "$STUB_LOG"; shift ;;
        -e) echo "env $2" >> "$STUB_LOG"; shift ;; esac
      shift
    done
    printf '%s' "$5" > "$STUB_LOG.inner" ;;
  "start -ai") CLAWFIX_CONTAINER_STATE=exited exec sh -c "$(cat "$STUB_LOG.inner")" ;;
esac
`;

let dir: string;
let envDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawfix-engine-'));
  envDir = join(dir, 'tmp');
  await writeFile(join(dir, 'stub'), STUB);
  await chmod(join(dir, 'stub'), 0o755);
  // PATH holds only the stub and these, so a real docker or podman on this machine is never found
  await mkdir(join(dir, 'tools'));
  for (const tool of ['sh', 'mktemp', 'rm', 'head', 'stat', 'tr', 'id', 'cat', 'basename', 'awk']) {
    const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (found) await symlink(found, join(dir, 'tools', tool));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a script with only the stub engines (docker, podman or both) on PATH. */
async function run(script: string, state: string, engines: 'docker' | 'podman' | 'both' = 'docker', knownTo?: 'docker' | 'podman', copies = '') {
  const bin = join(dir, `${engines}-bin`);
  await mkdir(bin, { recursive: true });
  for (const engine of engines === 'both' ? ['docker', 'podman'] : [engines]) await symlink(join(dir, 'stub'), join(bin, engine)).catch(() => undefined);
  await mkdir(envDir, { recursive: true });
  const log = join(dir, `log-${Math.random().toString(16).slice(2)}`);
  await writeFile(log, '');
  const env: Record<string, string> = { PATH: `${bin}:${join(dir, 'tools')}`, STUB_LOG: log, STUB_STATE: state, TMPDIR: envDir, STUB_COPIES: copies, ...(knownTo ? { STUB_KNOWN_TO: knownTo } : {}) };
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile('/bin/sh', ['-c', script], { env }, (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
  return { ...result, log: await readFile(log, 'utf8'), envFilesLeft: (await readdir(envDir)).length };
}

const probe = sh`echo "user=$(id -un) state=\${CLAWFIX_CONTAINER_STATE:-running} home=$HOME"`;

describe('inContainer', () => {
  it('a running container: docker exec as its own user, nothing else started', async () => {
    const r = await run(inContainer('oc-1', probe).text, 'running');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/state=running/);
    expect(r.log).toMatch(/^docker exec -i oc-1 sh -c /m);
    expect(r.log).not.toMatch(/docker (create|start)/);
  });

  it('a stopped container: a throwaway copy with its volumes, image, user and single-line environment, no network; the env file is private and gone before the copy starts', async () => {
    const r = await run(inContainer('oc-1', probe).text, 'exited');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/state=exited/);
    expect(r.log).toMatch(/^docker create -i --name (oc-1-clawfix-\d+) --label org\.clawfix\.helper-of=oc-1 --label org\.clawfix\.helper-shell=\d+ --network none --volumes-from oc-1 --env-file \S+ -e CLAWFIX_CONTAINER_STATE=exited --user openclaw --entrypoint sh sha256:0123abcd -c /m);
    expect(r.log).toContain('env file mode 600: HOME=/data OPENCLAW_API_KEY=secret \n');
    const copy = /--name (\S+)/.exec(r.log)?.[1];
    const lines = r.log.split('\n');
    expect(lines.findIndex((l) => l.startsWith(`docker start -ai ${copy}`))).toBeGreaterThan(lines.findIndex((l) => l.startsWith('docker create')));
    expect(r.log).toMatch(new RegExp(`^docker rm -f ${copy}$`, 'm'));
    expect(r.envFilesLeft).toBe(0);
  });

  it('copies left by a killed run are removed, those of a live shell kept', async () => {
    const r = await run(inContainer('oc-1', probe).text, 'exited', 'docker', undefined, `dead1 999999999\nlive1 ${process.pid}\n`);
    expect(r.log).toMatch(/^docker rm -f dead1$/m);
    expect(r.log).not.toMatch(/rm -f live1/);
  });

  it('the command\'s exit status comes back from the copy', async () => {
    expect((await run(inContainer('oc-1', sh`exit 7`).text, 'exited')).code).toBe(7);
    expect((await run(inContainer('oc-1', sh`exit 7`).text, 'running')).code).toBe(7);
  });

  it('a quote in the command cannot break out of it', async () => {
    const r = await run(inContainer('oc-1', sh`echo ${"it's; $(id) `x`"}`).text, 'exited');
    expect(r.stdout.trim()).toBe("it's; $(id) `x`");
  });

  it('no such container: exit 125 and the engine\'s reason on one line', async () => {
    const r = await run(inContainer('oc-9', probe).text, 'missing');
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toBe('clawfix: cannot inspect container oc-9: Error: No such container: oc-9');
  });

  it('podman where docker is absent', async () => {
    const r = await run(inContainer('oc-1', probe).text, 'running', 'podman');
    expect(r.log).toMatch(/^podman exec -i oc-1 /m);
  });

  it('with both installed, the engine that knows the container', async () => {
    expect((await run(inContainer('oc-1', probe).text, 'running', 'both', 'podman')).log).toMatch(/^podman exec -i oc-1 /m);
    expect((await run(inContainer('oc-1', probe).text, 'running', 'both', 'docker')).log).toMatch(/^docker exec -i oc-1 /m);
  });

  it('neither installed: exit 125, said plainly', async () => {
    const r = await run(inContainer('oc-1', probe).text, 'running', 'none' as 'docker');
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toBe('clawfix: cannot inspect container oc-1: neither docker nor podman is installed');
  });
});

describe('the container as the gateway\'s manager', () => {
  const t = fixTarget({ ...HOST, openclaw: { account: 'default', container: 'oc-1' } }, diagnosisFor({ verdict: 'monitor-stopped', manager: 'process' }), 'default')!;

  it.each(['start', 'stop', 'restart'] as const)('%s: the engine on the host, not inside the container', async (verb) => {
    const c = controlCommand(t, verb);
    expect(c.as).toBe('login');
    expect((await run(c.script, 'running')).log).toMatch(new RegExp(`^docker ${verb} -- oc-1\n$`, 'm'));
    expect((await run(c.script, 'running', 'podman')).log).toMatch(new RegExp(`^podman ${verb} -- oc-1\n$`, 'm'));
    expect((await run(c.script, 'running', 'both', 'podman')).log).toMatch(new RegExp(`^podman ${verb} -- oc-1\n$`, 'm'));
  });
});
