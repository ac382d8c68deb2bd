#!/usr/bin/env node
/*
 * Delaying TCP relay: the fleet's "network". One process serves every host: it listens on
 * <listenHost>:<listenPort> and forwards to <targetHost>:<targetPort>; every chunk is held RTT/2 in
 * each direction, and the TCP handshake is emulated (one RTT before the first byte can reach the
 * other side), so a client sees a host RTT ms away while the rest of loopback stays fast.
 *
 * It also counts, per connection, the client's turns: a chunk from the client that follows server
 * data delivered to it since its previous chunk. That is the number of times the client waited to
 * hear from the server before speaking again — SSH round trips, exactly and cheaply.
 *
 * Run as a child process with an IPC channel; messages (all answered with { id, ... }):
 *   { op: 'listen', routes: [{ listen: [host, port], target: [host, port] }] }
 *   { op: 'rtt', ms }            set the delay (new and live connections)
 *   { op: 'reset' }              clear the statistics
 *   { op: 'stats' }              { connections: [{ route, turns, serverTurns, up, down, ms }], lag, cpu }
 *   { op: 'close' }              close everything and exit
 * Only loopback addresses are accepted, on both sides.
 */
import net from 'node:net';

let rtt = 0;
const servers = [];
const live = new Set();
let finished = [];
let lags = [];
let cpuAtReset = process.cpuUsage();
let resetAt = performance.now();

function loopbackOnly(host) {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new Error(`relay: ${host} is not a loopback address`);
}

/** One direction of one connection: chunks wait in a FIFO until due; one timer per direction. */
class Pipe {
  constructor(to, onDeliver) {
    this.to = to;
    this.onDeliver = onDeliver;
    this.queue = [];
    this.timer = null;
    this.notBefore = 0;
  }
  push(chunk, now) {
    const due = Math.max(now + rtt / 2, this.notBefore);
    if (rtt === 0 && this.queue.length === 0 && this.ready) return this.deliver(chunk, due, now);
    this.queue.push({ chunk, due });
    if (!this.timer && this.ready) this.arm();
  }
  arm() {
    if (this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0].due - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }
  flush() {
    this.timer = null;
    const now = performance.now();
    while (this.queue.length && this.queue[0].due <= now + 0.5) {
      const { chunk, due } = this.queue.shift();
      this.deliver(chunk, due, now);
    }
    this.arm();
  }
  deliver(chunk, due, now) {
    if (chunk === null) {
      if (!this.to.destroyed) this.to.end();
      return;
    }
    if (lags.length < 2_000_000) lags.push(now - due);
    if (!this.to.destroyed) this.to.write(chunk);
    this.onDeliver();
  }
  start() {
    this.ready = true;
    this.arm();
  }
}

function handle(client, route) {
  const acceptedAt = performance.now();
  const conn = { route: route.name, turns: 0, serverTurns: 0, up: 0, down: 0, start: acceptedAt, end: 0 };
  live.add(conn);
  let deliveredToClient = 0;
  let deliveredToClientAtLastTurn = -1;
  let deliveredToServer = 0;
  let deliveredToServerAtLastTurn = -1;
  client.setNoDelay(true);
  const server = new net.Socket({ allowHalfOpen: true });
  server.setNoDelay(true);
  const up = new Pipe(server, () => deliveredToServer++);
  const down = new Pipe(client, () => deliveredToClient++);
  // TCP handshake: the client's first bytes could not have left before one RTT (SYN, SYN-ACK);
  // the server "accepts" RTT/2 after the SYN and its first bytes take RTT/2 more.
  const connectRtt = rtt;
  up.notBefore = acceptedAt + 1.5 * connectRtt;
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    conn.end = performance.now();
    live.delete(conn);
    finished.push(conn);
  };
  client.on('data', (chunk) => {
    if (deliveredToClient !== deliveredToClientAtLastTurn) {
      conn.turns++;
      deliveredToClientAtLastTurn = deliveredToClient;
    }
    conn.up += chunk.length;
    up.push(chunk, performance.now());
  });
  server.on('data', (chunk) => {
    if (deliveredToServer !== deliveredToServerAtLastTurn) {
      conn.serverTurns++;
      deliveredToServerAtLastTurn = deliveredToServer;
    }
    conn.down += chunk.length;
    down.push(chunk, performance.now());
  });
  // A FIN travels like data: after what was sent before it, RTT/2 later.
  client.on('end', () => up.push(null, performance.now()));
  server.on('end', () => down.push(null, performance.now()));
  let closes = 0;
  const onClose = () => {
    if (++closes === 2) finish();
  };
  client.on('close', onClose);
  server.on('close', onClose);
  // Once one side is gone, the other gets a grace period for what is still queued towards it.
  client.on('close', () => setTimeout(() => server.destroy(), rtt + 1000).unref());
  server.on('close', () => setTimeout(() => client.destroy(), rtt + 1000).unref());
  const kill = () => {
    client.destroy();
    server.destroy();
  };
  client.on('error', kill);
  server.on('error', kill);
  const connect = () => {
    if (client.destroyed) return void server.destroy();
    server.connect(route.target[1], route.target[0], () => {
      up.start();
      down.start();
    });
  };
  if (connectRtt > 0) setTimeout(connect, connectRtt);
  else connect();
}

function listen(routes) {
  return Promise.all(
    routes.map(
      (r) =>
        new Promise((resolve, reject) => {
          loopbackOnly(r.listen[0]);
          loopbackOnly(r.target[0]);
          const route = { name: `${r.listen[0]}:${r.listen[1]}`, target: r.target };
          const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => handle(socket, route));
          server.maxConnections = 10000;
          server.once('error', reject);
          server.listen({ host: r.listen[0], port: r.listen[1], backlog: 1024 }, () => resolve());
          servers.push(server);
        }),
    ),
  );
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats() {
  const sorted = Float64Array.from(lags).sort();
  const cpu = process.cpuUsage(cpuAtReset);
  return {
    rtt,
    connections: finished.map((c) => ({ route: c.route, turns: c.turns, serverTurns: c.serverTurns, up: c.up, down: c.down, ms: Math.round(c.end - c.start) })),
    open: live.size,
    lag: { chunks: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : 0 },
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - resetAt,
  };
}

process.on('message', async (m) => {
  const reply = (body) => process.send({ id: m.id, ...body });
  try {
    if (m.op === 'listen') {
      await listen(m.routes);
      reply({ ok: true });
    } else if (m.op === 'rtt') {
      rtt = Number(m.ms);
      reply({ ok: true });
    } else if (m.op === 'reset') {
      finished = [];
      lags = [];
      cpuAtReset = process.cpuUsage();
      resetAt = performance.now();
      reply({ ok: true });
    } else if (m.op === 'stats') {
      reply(stats());
    } else if (m.op === 'close') {
      for (const s of servers) s.close();
      reply({ ok: true });
      setTimeout(() => process.exit(0), 50);
    }
  } catch (error) {
    reply({ error: String(error?.message ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
