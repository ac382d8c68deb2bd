/**
 * `clawfix demo --yes` end to end: the in-process fleet needs no container engine, so this suite
 * always runs. It checks the verdicts diagnose prints and that nothing outlives the demo.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';

const VERDICTS: [host: string, verdict: string][] = [
  ['vps-healthy', 'healthy'],
  ['vps-transient-reconnect', 'transient-reconnect'],
  ['vps-logged-out', 'logged-out'],
  ['vps-conflict', 'conflict'],
  ['vps-gateway-not-running', 'gateway-not-running'],
];

// Until program.ts registers the command, drive dist/demo/cli.js through a minimal program.
const STANDALONE = `
import { Command } from 'commander';
import { registerDemoCommand } from './dist/demo/cli.js';
const interrupt = new AbortController();
process.on('SIGINT', () => interrupt.abort());
const program = new Command('clawfix').exitOverride();
const options = { connectTimeout: 10, concurrency: 16, color: false, verbose: false, quiet: false };
registerDemoCommand(program, () => ({ options, signal: interrupt.signal, stdout: process.stdout, stderr: process.stderr }));
await program.parseAsync(process.argv.slice(1), { from: 'user' });
`;

async function runDemo(args: string[]): Promise<CliResult> {
  const help = await runCli(['--help']);
  if (/^\s+demo\b/m.test(help.stdout)) return runCli(['demo', ...args], { timeoutMs: 90_000 });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: process.env.LANG ?? 'C.UTF-8' };
    const child = spawn(process.execPath, ['--input-type=module', '-e', STANDALONE, 'demo', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

/** Processes whose command line or environment mentions the path (fake gateways retitle themselves). */
function processesMentioning(path: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    for (const file of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${pid}/${file}`).includes(path)) found.push(`${pid} (${file})`);
      } catch {
        // gone, or not ours to read
      }
    }
  }
  return found;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('clawfix demo', () => {
  it('diagnoses the simulated fleet, relinks the logged-out host with the QR flow, and leaves nothing behind', async () => {
    const result = await runDemo(['--yes']);
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(0);
    expect(result.stdout).toContain('Simulated fleet of 5 servers on 127.0.0.1');
    for (const [host, verdict] of VERDICTS) {
      expect(result.stdout, host).toMatch(new RegExp(`^${host}\\s+default\\s+${verdict}\\b`, 'm'));
    }
    expect(result.stdout).toContain('diagnose exited 4');
    // The fix: the QR was drawn locally, the simulated phone scanned it, and the link was verified.
    expect(result.stdout).toContain('Running: clawfix fix vps-logged-out --yes');
    expect(result.stdout).toContain('WhatsApp → Settings → Linked Devices → Link a device');
    expect(result.stdout).toContain('✅ Linked! Credentials saved for future sends.');
    expect(result.stdout).toMatch(/fixed: logged-out → account running and connected \(verified\)/);
    expect(result.stdout).toContain('Demo fleet stopped and removed.');

    const dir = /^Everything lives in (\S+);/m.exec(result.stdout)?.[1];
    const ports = [...result.stdout.matchAll(/^ {2}vps-\S+\s+port (\d+)$/gm)].map((match) => Number(match[1]));
    expect(ports).toHaveLength(5);
    expect(dir).toMatch(/clawfix-demo-/);
    expect(existsSync(dir!)).toBe(false);
    expect(processesMentioning(dir!)).toEqual([]);
    for (const port of ports) expect(await portOpen(port), `port ${port}`).toBe(false);
  });
});
