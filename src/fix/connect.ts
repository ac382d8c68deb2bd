/**
 * One host for the single-host commands (backup, backups, restore, logs): resolved from the hosts
 * file, connected and probed once, with a RemoteHost on the same connection.
 */
import type { CommandContext } from '../context.js';
import { diagnoseHost, type HostDiagnosis } from '../diagnose/host.js';
import { ClawfixError, ExitCode, UsageError } from '../errors.js';
import { fleetExitCode } from '../fleet/exit-code.js';
import { openConnection } from '../fleet/connect.js';
import { loadInventory } from '../inventory/index.js';
import type { ResolvedHost } from '../inventory/types.js';
import { dim } from '../ui/style.js';
import { RemoteHost } from './remote.js';
import { fixTarget } from './target.js';

export interface HostSession {
  host: ResolvedHost;
  diagnosis: HostDiagnosis;
  remote: RemoteHost;
  close(): Promise<void>;
}

export async function selectOneHost(target: string, ctx: CommandContext): Promise<ResolvedHost> {
  const inventory = await loadInventory(ctx.options, [target]);
  const host = inventory.selected[0];
  if (!host || inventory.selected.length !== 1) {
    throw new UsageError(`this command works on one host at a time; "${target}" selects ${inventory.selected.map((h) => h.name).join(', ') || 'none'}`);
  }
  return host;
}

export async function openHost(target: string, ctx: CommandContext, options: { showNumbers?: boolean; account?: string } = {}): Promise<HostSession> {
  const host = await selectOneHost(target, ctx);
  if (!ctx.options.quiet) ctx.stderr.write(dim(`${host.name}: connecting…\n`));
  const { diagnosis, transport } = await diagnoseHost(host, ctx, { keepOpen: true });
  if (!transport) {
    throw new ClawfixError('HOST_UNREACHABLE', `${host.name}: ${diagnosis.error ?? diagnosis.status}`, {
      ...(diagnosis.hint ? { hint: diagnosis.hint } : {}),
      exitCode: fleetExitCode([diagnosis.condition]),
    });
  }
  const t = fixTarget(host, diagnosis, options.account ?? host.openclaw.account);
  if (!t) {
    await transport.close();
    throw new ClawfixError('NO_STATE_DIR', `${host.name}: ${diagnosis.error ?? 'no OpenClaw state dir found'}`, {
      ...(diagnosis.hint ? { hint: diagnosis.hint } : {}),
      exitCode: ExitCode.NEEDS_ATTENTION,
    });
  }
  const remote = new RemoteHost(transport, t, {
    reconnect: async () => (await openConnection(host, ctx)).transport,
    ...(ctx.options.verbose ? { onCommand: (text: string) => ctx.stderr.write(dim(`$ ${text}\n`)) } : {}),
    ...(options.showNumbers ? { showNumbers: true } : {}),
  });
  const close = async () => {
    await remote.connection.close();
    await transport.close();
  };
  return { host, diagnosis, remote, close };
}
