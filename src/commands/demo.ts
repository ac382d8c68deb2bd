/**
 * `clawfix demo`: a simulated fleet on this machine (no Docker, no VPS) and the real `diagnose`
 * run against it, as a child process with a throwaway HOME so the user's ~/.ssh is never read or written.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../context.js';
import { startDemoFleet, type DemoFleet, type DemoHost } from '../demo/fleet.js';
import { ExitCode } from '../errors.js';
import { confirm, interactive } from '../ui/ask.js';

export interface DemoOptions {
  /** Fix the logged-out host without asking; the simulated phone scans on its own. */
  yes: boolean;
  keep: boolean;
  json: boolean;
}

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));

export async function demo(options: DemoOptions, ctx: CommandContext): Promise<number> {
  // With --json, stdout carries diagnose's document alone.
  const say = (line: string): void => void (options.json ? ctx.stderr : ctx.stdout).write(`${line}\n`);
  say('Starting a simulated fleet on 127.0.0.1 (in-process SSH servers, fake OpenClaw, temp dirs only)…');
  const fleet = await startDemoFleet();
  // A second Ctrl-C exits at once (program.ts): nothing async runs then, so clean up synchronously.
  const onExit = (): void => fleet.stopSync();
  process.on('exit', onExit);
  try {
    say(`Simulated fleet of ${fleet.hosts.length} servers on 127.0.0.1, one OpenClaw scenario each:`);
    for (const host of fleet.hosts) say(`  ${host.name.padEnd(26)} port ${host.port}`);
    say(`Everything lives in ${fleet.dir}; your ~/.ssh and any real OpenClaw are not touched.`);
    say('Running: clawfix diagnose\n');
    if (ctx.signal.aborted) return ExitCode.INTERRUPTED;

    const code = await runDiagnose(fleet, options.json, ctx);
    if (ctx.signal.aborted) return ExitCode.INTERRUPTED;
    if (code === ExitCode.NEEDS_ATTENTION) {
      say(`\ndiagnose exited ${code} (hosts need attention): expected, the demo breaks them on purpose.`);
    } else if (code !== ExitCode.OK) {
      ctx.stderr.write(`clawfix demo: diagnose exited ${code ?? 'on a signal'}; the demo fleet did not behave as expected\n`);
      return code ?? ExitCode.INTERNAL;
    }

    const lost = fleet.hosts.find((host) => host.scenario === 'logged-out');
    if (lost && !options.json && !ctx.signal.aborted) {
      // Without a terminal there is nobody to ask or to press Enter: the demo runs as with --yes.
      const auto = options.yes || !interactive();
      const go = auto || (await confirm(`Fix ${lost.name} now (relink with a QR code)?`, true));
      if (go) {
        const fixed = await runFix(fleet, lost, auto, ctx);
        if (ctx.signal.aborted) return ExitCode.INTERRUPTED;
        if (fixed !== ExitCode.OK) {
          ctx.stderr.write(`clawfix demo: fix exited ${fixed ?? 'on a signal'}; the demo fleet did not behave as expected\n`);
          return fixed ?? ExitCode.INTERNAL;
        }
      }
    }

    if (options.keep) {
      say('\nThe fleet keeps running until Ctrl-C. Try, in another terminal:');
      // The demo's laptop HOME holds the known_hosts of the simulated servers; the user's stays untouched.
      say(`  HOME=${fleet.laptopHome} clawfix diagnose --hosts ${fleet.hostsFile}`);
      say(`  HOME=${fleet.laptopHome} clawfix diagnose vps-logged-out --hosts ${fleet.hostsFile} --json`);
      say(`Hosts file: ${fleet.hostsFile}`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return ExitCode.OK;
  } finally {
    await fleet.stop();
    process.off('exit', onExit);
    say('Demo fleet stopped and removed.');
  }
}

/** The demo's own laptop: its HOME holds the simulated servers' known_hosts, and no agent of the user's is offered. */
function laptopEnv(fleet: DemoFleet): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: fleet.laptopHome };
  delete env.SSH_AUTH_SOCK;
  return env;
}

function runDiagnose(fleet: DemoFleet, json: boolean, ctx: CommandContext): Promise<number | null> {
  const env = laptopEnv(fleet);
  const args = [CLI, 'diagnose', '--hosts', fleet.hostsFile, '--host-key-policy', 'accept-new', ...(json ? ['--json'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: 'inherit' });
    // On a terminal the child gets Ctrl-C itself; this covers a SIGINT sent to this process alone.
    const interrupt = (): void => void child.kill('SIGINT');
    ctx.signal.addEventListener('abort', interrupt, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      ctx.signal.removeEventListener('abort', interrupt);
      resolve(code);
    });
  });
}

/**
 * The real `clawfix fix` on the logged-out host. The simulated phone "scans" the QR the host printed:
 * when the user presses Enter, or by itself after a few seconds with --yes.
 */
function runFix(fleet: DemoFleet, host: DemoHost, auto: boolean, ctx: CommandContext): Promise<number | null> {
  const fakeDir = join(host.home, '.openclaw', '.fake');
  const scan = (): void => {
    const qr = join(fakeDir, 'qr-current');
    if (existsSync(qr)) writeFileSync(join(fakeDir, 'scan'), readFileSync(qr));
  };
  ctx.stdout.write(
    auto
      ? `\nRunning: clawfix fix ${host.name} --yes (the simulated phone scans the QR code after 5 seconds)\n\n`
      : `\nRunning: clawfix fix ${host.name}. When the QR code is drawn, press Enter: the simulated phone scans it.\n\n`,
  );
  const env = laptopEnv(fleet);
  const args = [CLI, 'fix', host.name, '--yes', '--hosts', fleet.hostsFile, '--no-download'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    let timer: NodeJS.Timeout | undefined;
    let lastQr = '';
    // Poll for a new QR: each rotation is a new code the phone would have to scan again.
    const watch = setInterval(() => {
      const qr = join(fakeDir, 'qr-current');
      const current = existsSync(qr) ? readFileSync(qr, 'utf8') : '';
      if (current && current !== lastQr) {
        lastQr = current;
        if (auto) {
          clearTimeout(timer);
          timer = setTimeout(scan, 5_000);
        }
      }
    }, 250);
    const onKey = (): void => scan();
    if (!auto) {
      process.stdin.on('data', onKey);
      process.stdin.resume();
    }
    const interrupt = (): void => void child.kill('SIGINT');
    ctx.signal.addEventListener('abort', interrupt, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(watch);
      clearTimeout(timer);
      process.stdin.off('data', onKey);
      process.stdin.pause();
      ctx.signal.removeEventListener('abort', interrupt);
      resolve(code);
    });
  });
}
