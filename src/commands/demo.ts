/**
 * `clawfix demo`: a simulated fleet on this machine (no Docker, no VPS) and the real `diagnose`
 * run against it, as a child process with a throwaway HOME so the user's ~/.ssh is never read or written.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../context.js';
import { startDemoFleet, type DemoFleet } from '../demo/fleet.js';
import { ExitCode } from '../errors.js';

export interface DemoOptions {
  /** Answer yes to every question (there is none yet: the fix step comes later). */
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

function runDiagnose(fleet: DemoFleet, json: boolean, ctx: CommandContext): Promise<number | null> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: fleet.laptopHome };
  delete env.SSH_AUTH_SOCK;
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
