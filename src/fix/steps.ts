/**
 * The plan's step ids turned into executable steps: each `run` does one thing on the host and
 * records what a rollback needs in the journal; each `undo` looks at the host before acting.
 */
import type { ExecStep } from './apply.js';
import { createBackup } from './backup.js';
import { disableLinger, enableLinger, gatewayAlive, gatewayCommands, repairPlugin, type GatewayVerb } from './commands.js';
import type { Journal } from './journal.js';
import type { Plan, Step } from './plan.js';
import { quarantinePaths, quarantineScript, restoreScript, stamp } from './quarantine.js';
import { stageScript, swapScript, unswapScript } from './restore.js';
import { runLogin, type LoginOptions, type LoginResult } from './relink.js';
import { StepFailed, type RemoteHost } from './remote.js';
import { verifyConnected } from './verify.js';

export interface FixSession {
  remote: RemoteHost;
  plan: Plan;
  journal: Journal;
  download: boolean;
  onLine: (line: string) => void;
  qr: Omit<LoginOptions, 'signal' | 'onLine' | 'hostName'>;
  verifyTimeoutMs?: number;
  login?: LoginResult;
  /** Set when the link was verified but the host cannot reach WhatsApp (why, as the gateway said). */
  offline?: string;
}

export async function isGatewayAlive(remote: RemoteHost): Promise<boolean> {
  const result = await remote.runRecovering({ as: 'service', script: gatewayAlive(remote.target).text, timeoutMs: 30_000 });
  return result.exitCode === 0;
}

async function gateway(s: FixSession, verb: GatewayVerb, signal?: AbortSignal): Promise<void> {
  for (const command of gatewayCommands(s.remote.target, verb)) {
    await s.remote.ok(command, `${verb} the gateway`, { onLine: s.onLine, ...(signal ? { signal } : {}) });
  }
}

/** Rollback: the gateway back to running if it was running before the fix and is not now. */
async function restartIfItWasRunning(s: FixSession): Promise<string | undefined> {
  if (!s.journal.gatewayWasRunning || (await isGatewayAlive(s.remote))) return undefined;
  let why = '';
  for (const command of gatewayCommands(s.remote.target, 'start')) {
    const result = await s.remote.runRecovering(command, { onLine: s.onLine });
    if (result.exitCode !== 0 || result.timedOut) {
      why = s.remote.describe(result);
      break;
    }
  }
  if (!(await isGatewayAlive(s.remote))) throw new StepFailed(`the gateway was running before and does not start again${why ? ` (${why})` : ''}`);
  return 'gateway started again (it was running before)';
}

export function execSteps(session: FixSession, steps: readonly Step[] = session.plan.steps): ExecStep[] {
  return steps.map((step) => ({ id: step.id, title: step.title, ...(step.skip ? { skip: step.skip } : {}), ...implementation(session, step) }));
}

function implementation(s: FixSession, step: Step): Pick<ExecStep, 'run' | 'undo'> {
  const t = s.remote.target;
  const { journal } = s;
  switch (step.id) {
    case 'backup':
      return {
        async run(signal) {
          journal.backup = await createBackup(s.remote, { tool: s.plan.backupTool, download: s.download, onLine: s.onLine, ...(signal ? { signal } : {}) });
          const b = journal.backup;
          return `${b.remotePath} (${Math.round(b.sizeBytes / 1024)} KiB, sha256 ${b.sha256.slice(0, 12)}…)${b.localPath ? `, downloaded to ${b.localPath}` : ''}`;
        },
      };
    case 'stop-gateway':
      return {
        async run(signal) {
          await gateway(s, 'stop', signal);
          if (await isGatewayAlive(s.remote)) throw new StepFailed('the gateway is still running after the stop');
          return 'stopped';
        },
        undo: () => restartIfItWasRunning(s),
      };
    case 'quarantine':
      return {
        async run() {
          if (!journal.backup) throw new StepFailed('no backup, no purge: the credentials stay where they are');
          if (await isGatewayAlive(s.remote)) throw new StepFailed('the gateway is running: the credentials are not moved while it may write them');
          journal.quarantine = quarantinePaths(t.stateDir, t.account, journal.stamp);
          await s.remote.ok({ as: 'service', script: quarantineScript(t.stateDir, journal.quarantine).text, timeoutMs: 60_000 }, 'the quarantine', { onLine: s.onLine });
          return journal.quarantine.moved;
        },
        async undo() {
          const q = journal.quarantine;
          if (!q) return undefined;
          if (await isGatewayAlive(s.remote)) throw new StepFailed('the gateway is running; the credentials are left in quarantine');
          const result = await s.remote.runRecovering({ as: 'service', script: restoreScript(q, stamp()).text, timeoutMs: 60_000 }, { onLine: s.onLine });
          if (result.exitCode !== 0) throw new StepFailed(`putting the credentials back failed: ${s.remote.describe(result)}`);
          return /^restored /m.test(result.stdout) ? `credentials back in ${q.source}` : undefined;
        },
      };
    case 'start-gateway':
      return {
        async run(signal) {
          if (await isGatewayAlive(s.remote)) return 'already running';
          await gateway(s, 'start', signal);
          return 'running';
        },
        async undo() {
          if (!(await isGatewayAlive(s.remote))) return undefined;
          for (const command of gatewayCommands(t, 'stop')) await s.remote.runRecovering(command, { onLine: s.onLine });
          return 'gateway stopped again';
        },
      };
    case 'restart-gateway':
      return { run: async (signal) => (await gateway(s, 'restart', signal), 'restarted'), undo: () => restartIfItWasRunning(s) };
    case 'enable-linger':
      return {
        run: async (signal) => (await s.remote.ok(enableLinger(t), 'enabling linger', { onLine: s.onLine, ...(signal ? { signal } : {}) }), 'linger on'),
        async undo() {
          if (journal.lingerWasEnabled !== false) return undefined;
          await s.remote.runRecovering(disableLinger(t), { onLine: s.onLine });
          return 'linger off again';
        },
      };
    case 'repair-plugin':
      return { run: async (signal) => void (await s.remote.ok(repairPlugin(t), 'the plugin repair', { onLine: s.onLine, ...(signal ? { signal } : {}) })) };
    case 'login':
      return {
        async run(signal) {
          s.login = await runLogin(s.remote, { ...s.qr, hostName: t.host.name, onLine: s.onLine, ...(signal ? { signal } : {}) });
          return 'linked';
        },
      };
    case 'restore':
      return {
        async run(signal) {
          const p = journal.restore;
          if (!p) throw new StepFailed('no archive to restore');
          if (!journal.backup) throw new StepFailed('no safety backup, no restore');
          if (await isGatewayAlive(s.remote)) throw new StepFailed('the gateway is running: nothing is restored under it');
          const opts = { onLine: s.onLine, ...(signal ? { signal } : {}) };
          await s.remote.ok({ as: 'service', script: stageScript(t.stateDir, p), timeoutMs: 900_000 }, 'unpacking the backup', opts);
          await s.remote.ok({ as: 'service', script: swapScript(t.stateDir, p), timeoutMs: 300_000 }, 'the restore', opts);
          return `restored; what it replaced is in ${p.aside}`;
        },
        async undo() {
          const p = journal.restore;
          if (!p) return undefined;
          if (await isGatewayAlive(s.remote)) throw new StepFailed('the gateway is running; the restore is left in place');
          const result = await s.remote.runRecovering({ as: 'service', script: unswapScript(t.stateDir, p), timeoutMs: 300_000 }, { onLine: s.onLine });
          if (result.exitCode !== 0) throw new StepFailed(`undoing the restore failed: ${s.remote.describe(result)}`);
          return /^restored /m.test(result.stdout) ? `the state from before the restore is back (the restored one is in ${p.stage}/undone)` : undefined;
        },
      };
    case 'verify':
      return {
        async run(signal) {
          const linking = s.plan.kind === 'relink' || s.plan.kind === 'link';
          const verified = await verifyConnected(s.remote, {
            restartOnce: linking,
            acceptOffline: true,
            onLine: s.onLine,
            ...(s.verifyTimeoutMs ? { timeoutMs: s.verifyTimeoutMs } : {}),
            ...(signal ? { signal } : {}),
          });
          if (!verified.connected) s.offline = verified.offline;
          return verified.note;
        },
      };
  }
}
