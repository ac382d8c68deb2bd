/** The markdown report of one bench run (also the table the README quotes). */

const TOOLS = ['clawfix', 'clawfix-c16', 'ssh2', 'ssh', 'ssh-curve', 'pssh', 'pssh-curve', 'ansible', 'ansible-curve'];
export const LABELS = {
  clawfix: 'clawfix',
  'clawfix-c16': 'clawfix -c 16',
  ssh2: 'bare ssh2',
  ssh: 'ssh ×N (xargs)',
  'ssh-curve': 'ssh ×N, curve25519',
  pssh: 'parallel-ssh',
  'pssh-curve': 'parallel-ssh, curve25519',
  ansible: 'ansible raw',
  'ansible-curve': 'ansible raw, curve25519',
};

export const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms) => (ms == null ? '—' : (ms / 1000).toFixed(ms < 10000 ? 2 : 1));
const x = (r) => (r == null || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}×`);

export function summarise(doc) {
  const rows = [];
  for (const r of doc.results) {
    const w = r.samples.map((s) => s.wallMs);
    const relayTurns = r.samples.map((s) => s.relay?.turnsMedian).filter((v) => v != null);
    rows.push({
      probe: r.probe ?? 'replay',
      tool: r.tool,
      n: r.n,
      rtt: r.rtt,
      runs: r.samples.length,
      wall: median(w),
      min: Math.min(...w),
      max: Math.max(...w),
      cpu: median(r.samples.map((s) => s.cpuMs)),
      rss: Math.max(...r.samples.map((s) => s.maxRssMb ?? 0)),
      treeRss: Math.max(...r.samples.map((s) => s.treeRssMb ?? 0)),
      busy: median(r.samples.map((s) => s.machineBusy)),
      ok: Math.min(...r.samples.map((s) => s.ok)),
      turns: relayTurns.length ? median(relayTurns) : null,
      connections: median(r.samples.map((s) => s.relay?.connections).filter((v) => v != null)),
      lagP99: r.samples.some((s) => s.relay) ? Math.max(...r.samples.map((s) => s.relay?.lagP99 ?? 0)) : null,
      relayCpu: median(r.samples.map((s) => s.relay?.relayCpuMs).filter((v) => v != null)),
      loadPing: r.loadPing,
      load: median(r.samples.map((s) => s.load)),
      machineCpuPerHost: median(r.samples.map((s) => s.machineCpuMs)) / r.n,
    });
  }
  const get = (tool, n, rtt, probe = 'replay') => rows.find((r) => r.tool === tool && r.n === n && r.rtt === rtt && r.probe === probe);
  for (const r of rows) {
    const one = get(r.tool, 1, r.rtt, r.probe);
    r.ratioTo1 = one ? r.wall / one.wall : null;
  }
  return { rows, get };
}

export function renderMarkdown(doc) {
  const { rows, get } = summarise(doc);
  const out = [];
  const m = doc.machine;
  out.push(`# clawfix bench — ${doc.date.slice(0, 16).replace('T', ' ')} UTC (${doc.mode}, ${doc.durationS} s)`);
  out.push('');
  out.push(`${m.cpus} cores (${m.cpuModel}), ${m.memGiB} GiB, kernel ${m.kernel}, Node ${m.node}; ${m.openssh}; parallel-ssh ${m.pssh}; ${m.ansible}; clawfix ${m.clawfix} (${m.commit}).`);
  out.push(`Fleet: ${doc.fleet.hosts} OpenSSH sshd on 127.0.1.1–${doc.fleet.hosts}, ${Object.keys(doc.fleet.scenarios).length} scenario variants of the fake openclaw (no gateway processes), built in ${doc.fleet.buildS} s.`);
  const pings = Object.entries(doc.pings)
    .map(([rtt, p]) => `${rtt} ms → ${p.medianMs.toFixed(1)} ms (min ${p.minMs.toFixed(1)}, max ${p.maxMs.toFixed(1)}; connect + first echo ${p.connectAndFirstMs.toFixed(0)} ms)`)
    .join('; ');
  out.push(`RTT set → achieved (1-byte TCP echo through the relay): ${pings}.`);
  const loaded = rows.filter((r) => r.tool === 'clawfix' && r.loadPing);
  if (loaded.length) {
    out.push(`Relay under load (ping during clawfix's first run; relay lag p99 over all runs at that point): ${loaded.map((r) => `N=${r.n}@${r.rtt} ms: ping ${r.loadPing.medianMs.toFixed(1)} ms, lag p99 ${r.lagP99?.toFixed(1)} ms`).join('; ')}.`);
  }
  out.push(`Probe: **replay** = each host answers the probe command with its own recorded probe output (${doc.fleet.probeBytesAvg} bytes on average), so a host costs only its sshd, as if it had a CPU of its own — the main setting; **live** = the probe really runs on each host (one \`node\` per host for the files section), all hosts sharing this machine's cores.`);
  out.push(`Load average (other work on this shared machine) at the start: ${doc.machine.loadStart}; per-run values are in the detail table.`);
  out.push('');
  out.push('Wall time of `diagnose --json` (or the peer doing the same probe), median of the runs (min–max), seconds. Every tool runs all N hosts at once (clawfix `-c N`, `xargs -P N`, `parallel-ssh -p N`, `ansible -f N`); `clawfix -c 16` is the default concurrency.');
  out.push('');
  const tools = TOOLS.filter((t) => rows.some((r) => r.tool === t));
  const points = [...new Set(rows.map((r) => `${r.probe}/${r.rtt}/${r.n}`))]
    .map((k) => k.split('/').map((v, i) => (i ? Number(v) : v)))
    .sort((a, b) => b[0].localeCompare(a[0]) || a[1] - b[1] || a[2] - b[2])
    .map(([probe, rtt, n]) => [rtt, n, probe]);
  out.push(`| probe | RTT | N | ${tools.map((t) => LABELS[t]).join(' | ')} |`);
  out.push(`|---|---:|---:|${tools.map(() => '---:').join('|')}|`);
  for (const [rtt, n, probe] of points) {
    const cells = tools.map((t) => {
      const r = get(t, n, rtt, probe);
      if (!r) return '';
      const bad = r.ok < n ? ` ⚠${r.ok}/${n}` : '';
      return `${sec(r.wall)} (${sec(r.min)}–${sec(r.max)})${bad}`;
    });
    out.push(`| ${probe} | ${rtt} ms | ${n} | ${cells.join(' | ')} |`);
  }
  out.push('');
  out.push('clawfix against itself at one host and against each peer (clawfix time ÷ other time: below 1 means clawfix is faster).');
  out.push('');
  const peers = tools.filter((t) => t !== 'clawfix' && t !== 'clawfix-c16');
  out.push(`| probe | RTT | N | clawfix | ÷ 1 host | ${peers.map((t) => `÷ ${LABELS[t]}`).join(' | ')} |`);
  out.push(`|---|---:|---:|---:|---:|${peers.map(() => '---:').join('|')}|`);
  for (const [rtt, n, probe] of points) {
    const c = get('clawfix', n, rtt, probe);
    if (!c) continue;
    out.push(`| ${probe} | ${rtt} ms | ${n} | ${sec(c.wall)} | ${x(c.ratioTo1)} | ${peers.map((t) => (get(t, n, rtt, probe) ? x(c.wall / get(t, n, rtt, probe).wall) : '')).join(' | ')} |`);
  }
  out.push('');
  out.push('Local cost per run: CPU time (user + sys of the whole local process tree), peak RSS of the largest local process (GNU time) / of the whole tree summed (sampled every 250 ms), machine CPU busy (both cores, sshd included), hosts that returned the complete probe, and the relay\'s view: client turns per connection (median) and its delivery lag p99.');
  out.push('');
  out.push('| tool | probe | RTT | N | wall s | ÷ 1 host | CPU s | RSS MB (largest / tree) | machine busy | machine CPU per host ms | load avg | complete | turns/conn | relay lag p99 ms |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of tools) {
    for (const [rtt, n, probe] of points) {
      const r = get(t, n, rtt, probe);
      if (!r) continue;
      out.push(`| ${LABELS[t]} | ${probe} | ${rtt} | ${n} | ${sec(r.wall)} | ${x(r.ratioTo1)} | ${sec(r.cpu)} | ${r.rss.toFixed(0)} / ${r.treeRss ? r.treeRss.toFixed(0) : '—'} | ${r.busy == null ? '—' : `${Math.round(r.busy * 100)}%`} | ${Math.round(r.machineCpuPerHost)} | ${r.load?.toFixed(1)} | ${r.ok}/${n} | ${r.turns ?? '—'} | ${r.lagP99 == null ? '—' : r.lagP99.toFixed(1)} |`);
    }
  }
  out.push('');
  // round trips
  out.push('SSH round trips per host, one host: client turns counted by the relay on the connection (each time the client speaks again after hearing from the server; includes the closing exchange, excludes the emulated TCP handshake), and the effective round trips on the critical path, (wall at RTT − wall at 0) ÷ RTT, which includes the TCP handshake.');
  out.push('');
  const rttsWithData = [...new Set(rows.filter((r) => r.n === 1 && r.rtt > 0).map((r) => r.rtt))].sort((a, b) => a - b);
  out.push(`| tool | turns/conn | ${rttsWithData.map((r) => `effective RTTs @${r} ms`).join(' | ')} |`);
  out.push(`|---|---:|${rttsWithData.map(() => '---:').join('|')}|`);
  for (const t of tools) {
    const one = rows.filter((r) => r.tool === t && r.n === 1 && r.rtt > 0);
    if (!one.length) continue;
    const zero = get(t, 1, 0);
    const eff = rttsWithData.map((rtt) => {
      const r = get(t, 1, rtt);
      return r && zero ? ((r.wall - zero.wall) / rtt).toFixed(1) : '—';
    });
    out.push(`| ${LABELS[t]} | ${median(one.map((r) => r.turns)) ?? '—'} | ${eff.join(' | ')} |`);
  }
  out.push('');
  // start-up and triage
  const st = doc.startup;
  const sm = (k) => median(st[k].map((s) => s.wallMs));
  out.push(`Start-up (median of 10): \`clawfix --version\` ${sm('--version').toFixed(0)} ms (RSS ${median(st['--version'].map((s) => s.maxRssMb)).toFixed(0)} MB), \`clawfix --help\` ${sm('--help').toFixed(0)} ms, \`node\` on an empty file ${sm('node empty.mjs').toFixed(0)} ms.`);
  const tr = doc.triage;
  const tw = median(tr.samples.map((s) => s.wallMs));
  out.push(`\`clawfix triage --log\` on ${(tr.bytes / 1048576).toFixed(0)} MB (${tr.lines} JSON lines, tslog format): ${sec(tw)} s (${sec(Math.min(...tr.samples.map((s) => s.wallMs)))}–${sec(Math.max(...tr.samples.map((s) => s.wallMs)))}), ${(tr.bytes / 1048576 / (tw / 1000)).toFixed(0)} MB/s, CPU ${sec(median(tr.samples.map((s) => s.cpuMs)))} s, peak RSS ${median(tr.samples.map((s) => s.maxRssMb)).toFixed(0)} MB, verdict \`${tr.samples[0].verdict}\`.`);
  out.push('');
  // goals
  out.push('Goals of the issue, as measured in this run:');
  out.push('');
  const goals = [];
  const check = (label, ok, detail) => goals.push(`- ${ok == null ? '➖' : ok ? '✅' : '❌'} ${label}: ${detail}`);
  for (const rtt of [50, 200]) {
    const c = get('clawfix', 1, rtt);
    const s = get('ssh', 1, rtt);
    const sc = get('ssh-curve', 1, rtt);
    if (c && s) check(`one host at ${rtt} ms no slower than one \`ssh host probe\``, c.wall <= s.wall, `clawfix ${sec(c.wall)} s vs ssh ${sec(s.wall)} s${sc ? ` (curve25519 ${sec(sc.wall)} s)` : ''}`);
  }
  for (const [rtt, n, probe] of points) {
    if (n === 1) continue;
    const c = get('clawfix', n, rtt, probe);
    const b = get('ssh2', n, rtt, probe);
    if (c && b) check(`N=${n} at ${rtt} ms (${probe} probe) within 1.2× of the bare ssh2 fan-out`, c.wall <= 1.2 * b.wall, `${x(c.wall / b.wall)} (${sec(c.wall)} s vs ${sec(b.wall)} s)`);
  }
  const c50 = get('clawfix', 50, 200);
  if (c50) check('50 hosts at 200 ms within 1.2× of one host', c50.ratioTo1 <= 1.2, `${x(c50.ratioTo1)} (${sec(c50.wall)} s vs ${sec(get('clawfix', 1, 200)?.wall)} s); bare ssh2: ${x(get('ssh2', 50, 200)?.ratioTo1)}`);
  for (const [rtt, n, probe] of points) {
    const c = get('clawfix', n, rtt, probe);
    if (!c || n < 10 || probe !== 'replay') continue;
    for (const p of ['pssh-curve', 'pssh']) {
      const o = get(p, n, rtt);
      if (o) check(`N=${n} at ${rtt} ms faster than ${LABELS[p]}`, c.wall < o.wall, `${sec(c.wall)} s vs ${sec(o.wall)} s (${x(o.wall / c.wall)} faster)`);
    }
    for (const p of ['ansible-curve', 'ansible']) {
      const o = get(p, n, rtt);
      if (o) check(`N=${n} at ${rtt} ms at least 3× faster than ${LABELS[p]}`, o.wall >= 3 * c.wall, `${x(o.wall / c.wall)} (${sec(c.wall)} s vs ${sec(o.wall)} s)`);
    }
  }
  const big = rows.filter((r) => r.tool.startsWith('clawfix') && r.n === Math.max(...rows.map((q) => q.n)));
  if (big.length) {
    const rss = Math.max(...big.map((r) => r.rss));
    check(`peak RSS ≤ 120 MB at ${big[0].n} hosts`, big[0].n >= 200 ? rss <= 120 : null, `${rss.toFixed(0)} MB`);
  }
  check('`clawfix --version` ≤ 150 ms', sm('--version') <= 150, `${sm('--version').toFixed(0)} ms`);
  out.push(...goals);
  out.push('');
  return out.join('\n');
}
