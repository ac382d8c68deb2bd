/**
 * pm2 on a test host: the devDependency's version (so `npm ci` has it in npm's cache) installed once
 * per machine into a prefix of its own, then copied onto the host as /usr/local/bin/pm2.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { SshHost } from './containers.js';

const run = promisify(execFile);

async function pm2Prefix(): Promise<string> {
  const { version } = JSON.parse(await readFile(resolve('node_modules/pm2/package.json'), 'utf8')) as { version: string };
  const prefix = join(tmpdir(), `clawfix-pm2-${version}`);
  if (existsSync(join(prefix, 'node_modules/pm2/bin/pm2'))) return prefix;
  const partial = `${prefix}.${process.pid}`;
  await run('npm', ['install', '--prefix', partial, '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', `pm2@${version}`], { timeout: 180_000 });
  await rename(partial, prefix).catch(async () => rm(partial, { recursive: true, force: true })); // another run won the race
  return prefix;
}

export async function installPm2(host: SshHost): Promise<void> {
  const prefix = await pm2Prefix();
  await host.container.copyDirectoriesToContainer([{ source: join(prefix, 'node_modules'), target: '/opt/pm2/node_modules' }]);
  await host.execOk('chmod -R a+rX /opt/pm2 && ln -sf /opt/pm2/node_modules/pm2/bin/pm2 /usr/local/bin/pm2 && test -x /usr/local/bin/pm2');
}
