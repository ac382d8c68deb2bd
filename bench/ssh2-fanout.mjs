#!/usr/bin/env node
// Bare ssh2 fan-out, the floor for a Node tool: connect to every host at once, run one command on each
// (the probe on stdin, like clawfix), write each host's output to <outdir>/<host>. Host keys checked
// against the same known_hosts as the other tools. Exit 0 when every host answered.
// usage: ssh2-fanout.mjs <hostsfile: name host port per line> <key> <known_hosts> <outdir> <command> [stdin-file]
import fs from 'node:fs';
import { Client } from 'ssh2';

const [hostsFile, keyFile, knownHostsFile, outdir, command, stdinFile] = process.argv.slice(2);
const key = fs.readFileSync(keyFile);
const input = stdinFile ? fs.readFileSync(stdinFile) : null;
const known = new Map();
for (const line of fs.readFileSync(knownHostsFile, 'utf8').split('\n')) {
  const [hosts, , blob] = line.trim().split(/\s+/);
  if (blob) for (const h of hosts.split(',')) known.set(h, blob);
}
const hosts = fs.readFileSync(hostsFile, 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
let failed = 0;
await Promise.all(
  hosts.map(([name, host, port]) => new Promise((resolve) => {
    const id = Number(port) === 22 ? host : `[${host}]:${port}`;
    const out = [];
    const c = new Client();
    const fail = (e) => { failed++; process.stderr.write(`${name}: ${e.message}\n`); c.destroy(); resolve(); };
    c.on('error', fail);
    c.on('ready', () => c.exec(command, (err, ch) => {
      if (err) return fail(err);
      ch.on('data', (d) => out.push(d)).stderr.on('data', () => {});
      ch.on('close', () => { fs.writeFileSync(`${outdir}/${name}`, Buffer.concat(out)); c.end(); resolve(); });
      ch.end(input ?? undefined);
    }));
    c.connect({ host, port: Number(port), username: 'root', privateKey: key, readyTimeout: 60000,
      hostVerifier: (k) => known.get(id) === k.toString('base64') });
  })),
);
process.exit(failed ? 1 : 0);
