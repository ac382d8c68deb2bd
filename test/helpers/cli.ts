/** Runs the built CLI (dist/cli.js) as a user would, in an isolated HOME. */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve('dist/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const started = performance.now();
  const env: Record<string, string> = {};
  // Only what a user's shell would pass that matters here; never the developer's SSH agent.
  for (const key of ['PATH', 'LANG', 'TERM', 'DOCKER_HOST']) if (process.env[key]) env[key] = process.env[key]!;
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, durationMs: performance.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A throwaway HOME with an empty ~/.ssh, so known_hosts and keys are the test's own. */
export async function makeHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'clawfix-home-'));
  await mkdir(join(home, '.ssh'), { mode: 0o700 });
  return home;
}

export async function writeHostsFile(dir: string, yaml: string): Promise<string> {
  const path = join(dir, 'hosts.yaml');
  await writeFile(path, yaml);
  return path;
}
