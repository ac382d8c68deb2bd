#!/usr/bin/env node
// One lane of the check, inside its own sandbox (sandbox.sh): runs checks with one CLI and stores,
// per check, <capture>/<side>/<name>.json = { args, rc, out, err, files[], ms }.
//   run.mjs <capture dir> <side> <lane>    side: real | fake; lane: plain | gateway (the gateway
//                                          checks first); both claim the other checks from a queue
// Env: CHECK_FAKE_NODE (Node 24, runs both CLIs), CHECK_FAKE_CLI (the side's openclaw.mjs),
//      CHECK_FAKE_TEMPLATE (state-template.tar), CHECK_FAKE_SHARED (states.mjs makeShared's dir).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHECKS, GATEWAY, HELP_CHECKS, runs } from './checks.mjs';
import { BACKUP_DIR, HOME, STATE_DIR, prepare } from './states.mjs';
import { diff, snapshot } from './tree.mjs';

const [capture, side, lane] = process.argv.slice(2);
const { CHECK_FAKE_NODE: node, CHECK_FAKE_CLI: cli, CHECK_FAKE_TEMPLATE: template, CHECK_FAKE_SHARED: shared } = process.env;
const outDir = path.join(capture, side);
fs.mkdirSync(path.join(outDir, '.claimed'), { recursive: true });
// what an SSH session of the service user would have; nothing of the caller's environment
const env = { HOME, USER: 'openclaw', LOGNAME: 'openclaw', SHELL: '/bin/sh', LANG: 'C.UTF-8', PATH: `${path.dirname(node)}:/usr/local/bin:/usr/bin:/bin`, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE };
const roots = () => snapshot({ '~': HOME });
const log = (msg) => process.stderr.write(`  [${side}/${lane}] ${msg}\n`);

/** CPU seconds of the children this process has waited for (/proc/self/stat cutime + cstime). */
const childCpu = () => {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
};

/** Runs the CLI to completion (or its timeout, then SIGKILL); never throws. */
function exec(args, timeoutMs = 120_000) {
  return new Promise((resolve) => {
    const started = Date.now();
    const cpu = childCpu();
    const child = spawn(node, [cli, ...args], { cwd: HOME, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ rc: code ?? `signal ${signal}${Date.now() - started >= timeoutMs ? ' (timeout)' : ''}`, out, err, ms: Date.now() - started, cpu: childCpu() - cpu });
    });
  });
}

const newestArchive = () => {
  const names = fs.readdirSync(BACKUP_DIR).filter((n) => n.endsWith('.tar.gz')).sort();
  return names.length ? path.join(BACKUP_DIR, names[names.length - 1]) : '<no archive>';
};

async function runCheck(check) {
  for (const args of check.before ?? []) await exec(args);
  const args = check.args.map((a) => (a === '{archive}' ? newestArchive() : a));
  const before = roots();
  let r = await exec(args, check.timeoutMs);
  for (let i = 1; i < 3 && check.poll?.test(r.out); i++) {
    await sleep(5000);
    r = await exec(args, check.timeoutMs);
  }
  const record = { args, ...r, files: diff(before, roots()) };
  fs.writeFileSync(path.join(outDir, `${check.name}.json`), JSON.stringify(record, null, 1));
  log(`${check.name}: rc=${r.rc} ${(r.ms / 1000).toFixed(1)}s, cpu ${r.cpu.toFixed(1)}s`);
}

/** A plain lane takes the next check no other lane of this side took (mkdir is atomic). */
const claim = (name) => {
  try {
    fs.mkdirSync(path.join(outDir, '.claimed', name));
    return true;
  } catch {
    return false;
  }
};

/** JSON keys of the lock files a running gateway holds: clawfix reads their "pid" (stopProcess). */
function lockKeys() {
  const keys = {};
  const dirs = [`${STATE_DIR}/tmp`, `${STATE_DIR}/credentials/whatsapp`];
  for (const dir of dirs.filter((d) => fs.existsSync(d))) {
    for (const f of fs.readdirSync(dir, { recursive: true })) {
      if (!String(f).endsWith('.lock')) continue;
      const rel = `${dir.replace(HOME, '~')}/${f}`;
      try {
        keys[rel] = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, String(f)), 'utf8'))).sort();
      } catch (e) {
        keys[rel] = `not JSON: ${e.message}`;
      }
    }
  }
  return keys;
}

/** Resolves when `pattern` shows in the output so far, or false after timeoutMs or when the process ends. */
function waitFor(child, output, pattern, timeoutMs) {
  return new Promise((resolve) => {
    const done = (v) => (clearTimeout(timer), clearInterval(poll), resolve(v));
    const timer = setTimeout(() => done(false), timeoutMs);
    const poll = setInterval(() => (pattern.test(output()) ? done(true) : child.exitCode !== null || child.signalCode !== null ? done(false) : null), 200);
  });
}

/**
 * The gateway lane: one `gateway run`, ready (its `[gateway] ready` line, 20-60 s after the real one
 * listens) and settled (GATEWAY.settled), the gateway checks in order; the one marked `stops` is
 * expected to end it (else SIGTERM).
 */
async function gatewayLane() {
  await prepare(GATEWAY.state, { template, shared });
  const s0 = roots();
  const started = Date.now();
  const cpu = childCpu();
  const child = spawn(node, [cli, ...GATEWAY.args], { cwd: HOME, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? `signal ${signal}`)));
  const ready = await waitFor(child, () => out, /\[gateway\] ready/, 240_000);
  log(`gateway ${ready ? 'ready' : 'NOT ready'} after ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const settled = ready && (await waitFor(child, () => out + err, GATEWAY.settled, 180_000));
  log(`gateway ${settled ? 'settled' : 'NOT settled'} after ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const record = { args: GATEWAY.args, ready, settled, files: diff(s0, roots()), locks: ready ? lockKeys() : {} };
  let stoppedBy = 'SIGTERM';
  let beforeStop = roots();
  for (const check of settled ? CHECKS.filter((c) => c.gateway && runs(c)) : []) {
    if (check.stops) beforeStop = roots();
    await runCheck(check);
    if (check.stops && (await Promise.race([exited, sleep(60_000, undefined, { ref: false })])) !== undefined) stoppedBy = check.args.join(' ');
  }
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const rc = await Promise.race([exited, sleep(60_000, undefined, { ref: false })]);
  if (rc === undefined) child.kill('SIGKILL');
  Object.assign(record, { rc: rc ?? 'still running 60 s after SIGTERM', stoppedBy, out, err, ms: Date.now() - started, cpu: childCpu() - cpu, filesAfterStop: diff(beforeStop, roots()) });
  fs.writeFileSync(path.join(outDir, `${GATEWAY.name}.json`), JSON.stringify(record, null, 1));
  log(`gateway: rc=${record.rc}, stopped by ${stoppedBy}`);
}

// the gateway lane, once its gateway is gone, helps with the other checks
if (lane === 'gateway') await gatewayLane();
// help writes nothing: consecutive help checks share one prepared state
let afterHelp = false;
for (const check of [...CHECKS, ...HELP_CHECKS].filter((c) => !c.gateway && runs(c))) {
  if (!claim(check.name)) continue;
  if (check.out !== 'help' || !afterHelp) await prepare(check.state, { template, shared });
  afterHelp = check.out === 'help';
  await runCheck(check);
}
