/*
 * One measured run of a local command: wall time (hrtime around the spawn), CPU time (user + sys of
 * the whole process tree) and peak RSS of its largest process from GNU time (getrusage of the
 * waited-for children), plus the peak of the summed RSS of the whole tree, sampled from /proc.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const PAGE = 4096;

function readTree(root) {
  // /proc/<pid>/stat: pid (comm) state ppid ... rss is field 24 (1-based).
  const parent = new Map();
  const rss = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (entry.charCodeAt(0) > 57) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parent.set(Number(entry), Number(rest[1]));
    rss.set(Number(entry), Number(rest[21]) * PAGE);
  }
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!inTree.has(pid) && inTree.has(ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const pid of inTree) total += rss.get(pid) ?? 0;
  return total;
}

/**
 * @param {string[]} argv command and arguments
 * @param {{ env?: object, cwd?: string, stdin?: string, stdout?: string, sampleMs?: number, timeoutMs?: number }} o
 */
export function measure(argv, o = {}) {
  const timeFile = `${o.stdout ?? '/tmp/clawfix-bench/out'}.time`;
  return new Promise((resolve, reject) => {
    const stdin = o.stdin ? fs.openSync(o.stdin, 'r') : 'ignore';
    const stdout = o.stdout ? fs.openSync(o.stdout, 'w') : 'ignore';
    const stderrFile = o.stdout ? `${o.stdout}.err` : null;
    const stderr = stderrFile ? fs.openSync(stderrFile, 'w') : 'ignore';
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, '--', ...argv], {
      env: o.env ?? process.env,
      cwd: o.cwd,
      stdio: [stdin, stdout, stderr],
    });
    let treePeak = 0;
    let sampler = null;
    if (o.sampleMs) {
      const sample = () => {
        try {
          treePeak = Math.max(treePeak, readTree(child.pid));
        } catch {}
      };
      sampler = setInterval(sample, o.sampleMs);
      setTimeout(sample, 30);
    }
    const timer = o.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), o.timeoutMs) : null;
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      clearInterval(sampler);
      clearTimeout(timer);
      for (const fd of [stdin, stdout, stderr]) if (typeof fd === 'number') fs.closeSync(fd);
      let cpuMs = null;
      let maxRssKb = null;
      try {
        const line = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop();
        const [, user, sys, rss] = line.split(' ').map(Number);
        cpuMs = Math.round((user + sys) * 1000);
        maxRssKb = rss;
      } catch {}
      const stderrText = stderrFile ? fs.readFileSync(stderrFile, 'utf8') : '';
      resolve({ code, wallMs, cpuMs, maxRssMb: maxRssKb == null ? null : maxRssKb / 1024, treeRssMb: treePeak ? treePeak / 1048576 : null, stderr: stderrText });
    });
  });
}

/** Total CPU time used on the machine (all processes), in ms, from /proc/stat. */
export function machineCpuMs() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
  const busy = line[0] + line[1] + line[2] + line[5] + line[6] + line[7];
  return (busy * 1000) / 100; // USER_HZ = 100
}
