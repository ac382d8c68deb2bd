import type { CommandContext } from '../context.js';
import { ExitCode } from '../errors.js';
import { describeFailure, openConnection, type ConnectionStatus } from '../fleet/connect.js';
import { fleetExitCode, type HostCondition } from '../fleet/exit-code.js';
import { runFleet } from '../fleet/run.js';
import { loadInventory } from '../inventory/index.js';
import type { ResolvedHost } from '../inventory/types.js';
import { Progress } from '../ui/progress.js';
import { bold, dim, green, red, seconds, table, yellow } from '../ui/style.js';

export interface HostsOptions {
  check: boolean;
  json: boolean;
}

interface CheckResult {
  name: string;
  status: ConnectionStatus;
  connectMs: number;
  hostKey?: { status: 'known' | 'accepted'; type: string; fingerprint: string };
  error?: string;
  hint?: string;
}

/** `clawfix hosts`: the resolved hosts, or with --check, whether each one can be reached. */
export async function hosts(targets: string[], options: HostsOptions, ctx: CommandContext): Promise<number> {
  const inventory = await loadInventory(ctx.options, targets);
  if (!options.check) {
    ctx.stdout.write(options.json ? `${JSON.stringify({ file: inventory.path, hosts: inventory.selected.map(publicView) }, null, 2)}\n` : listText(inventory.selected));
    return ExitCode.OK;
  }

  const progress = new Progress(ctx.stderr, { quiet: ctx.options.quiet || options.json });
  const outcomes = await runFleet(inventory.selected, (host) => check(host, ctx, progress), {
    concurrency: ctx.options.concurrency,
    signal: ctx.signal,
    onStart: (host) => progress.update(host.name, 'connecting…'),
  });
  progress.stop();

  const results: CheckResult[] = [];
  const conditions: HostCondition[] = [];
  for (const [name, outcome] of outcomes) {
    if (outcome.status === 'ok') {
      results.push(outcome.value.result);
      conditions.push(outcome.value.condition);
    } else if (outcome.status === 'interrupted') {
      results.push({ name, status: 'error', connectMs: outcome.durationMs, error: 'interrupted' });
      conditions.push('interrupted');
    } else {
      const failure = describeFailure(outcome.error);
      results.push({ name, status: failure.status, connectMs: outcome.durationMs, error: failure.message, hint: failure.hint });
      conditions.push(failure.condition);
    }
  }
  ctx.stdout.write(options.json ? `${JSON.stringify({ hosts: results }, null, 2)}\n` : checkText(results));
  return fleetExitCode(conditions);
}

async function check(host: ResolvedHost, ctx: CommandContext, progress: Progress): Promise<{ result: CheckResult; condition: HostCondition }> {
  const started = performance.now();
  try {
    const connection = await openConnection(host, ctx);
    await connection.transport.close();
    const connectMs = performance.now() - started;
    progress.done(host.name, `${green('reachable')} ${dim(seconds(connectMs))}`);
    const { status, type, fingerprint } = connection.hostKey;
    return { result: { name: host.name, status: 'ok', connectMs, hostKey: { status, type, fingerprint } }, condition: 'ok' };
  } catch (error) {
    const failure = describeFailure(error);
    const connectMs = performance.now() - started;
    progress.done(host.name, `${red(failure.status)} ${dim(seconds(connectMs))}`);
    return {
      result: { name: host.name, status: failure.status, connectMs, error: failure.message, hint: failure.hint },
      condition: failure.condition,
    };
  }
}

function publicView(host: ResolvedHost) {
  return {
    name: host.name,
    hostname: host.hostname,
    port: host.port,
    user: host.user,
    identityFiles: host.identityFiles,
    proxyJump: host.proxyJump.map((hop) => `${hop.user}@${hop.host}:${hop.port}`),
    hostKeyPolicy: host.hostKeyPolicy,
    knownHostsFile: host.knownHostsFiles[0],
    tags: host.tags,
    openclaw: host.openclaw,
    sources: host.sources,
  };
}

function listText(selected: ResolvedHost[]): string {
  const rows = [['NAME', 'ADDRESS', 'USER', 'VIA', 'TAGS', 'OPENCLAW'].map((h) => bold(h))];
  for (const host of selected) {
    const openclaw = [
      host.openclaw.user && `user=${host.openclaw.user}`,
      host.openclaw.stateDir && `stateDir=${host.openclaw.stateDir}`,
      host.openclaw.profile && `profile=${host.openclaw.profile}`,
      host.openclaw.container && `container=${host.openclaw.container}`,
      `account=${host.openclaw.account}`,
    ].filter(Boolean);
    rows.push([
      host.name,
      `${host.hostname}:${host.port}`,
      host.user,
      host.proxyJump.map((hop) => hop.host).join(',') || '-',
      host.tags.map((tag) => `@${tag}`).join(' ') || '-',
      openclaw.join(' '),
    ]);
  }
  return `${table(rows)}\n`;
}

function checkText(results: CheckResult[]): string {
  const rows = [['HOST', 'STATUS', 'TIME', 'DETAIL'].map((h) => bold(h))];
  for (const result of results) {
    const status = result.status === 'ok' ? green('reachable') : result.status === 'host-key-changed' ? red(result.status) : yellow(result.status);
    const detail = result.hostKey
      ? `host key ${result.hostKey.status === 'accepted' ? 'accepted (new) ' : 'known '}${result.hostKey.type} ${result.hostKey.fingerprint}`
      : (result.error ?? '');
    rows.push([result.name, status, seconds(result.connectMs), detail]);
  }
  const hints = results.filter((r) => r.hint).map((r) => `  ${r.name}: ${r.hint}`);
  return `${table(rows)}\n${hints.length ? `\n${dim('hints:')}\n${hints.join('\n')}\n` : ''}`;
}
