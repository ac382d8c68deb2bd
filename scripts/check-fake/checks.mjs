// Every `openclaw …` command clawfix sends to a host, and the ones it tells users to run, each run by
// both CLIs on the same prepared state (states.mjs) and compared (compare.mjs). `from` names where the
// command is sent from; test/unit/check-fake-commands.test.ts fails when src/ sends one not listed here.
//
// A check: { name, from[], args, state, gateway?, before?, out?, err?, masks?, poll?, files?, timeoutMs?, slow?, skip? }
//   state     the prepared state (states.mjs), fresh for each check
//   gateway   true: run, in order, against the gateway of GATEWAY (one per CLI), on its state;
//             stops: the check is expected to stop that gateway
//   before    commands run first by the same CLI, not compared ({archive} = newest file in BACKUP_DIR)
//   out, err  how a stream is compared (compare.mjs): 'exact' | 'masked' (default: timestamps, durations,
//             pids masked) | { json: { depth, values[], except[] } } | { lines: RegExp } | { ignore: 'why' };
//             masks: the check's own [RegExp, replacement] pairs, applied after those
//   poll      rerun (up to 3 times, 5 s apart) while stdout matches it, as clawfix polls
//   files     the tree diff of HOME (paths and types; tree.mjs leaves out noise), compared unless { ignore: 'why' };
//             the exit code is always compared; timeoutMs: default 120 s
//   slow      run only with CHECK_FAKE_SLOW=1: the real CLI spends 15-40 s of CPU on it, and clawfix
//             does not send it (the default run must stay within ~5 min on 2 cores)
//   skip      listed, never run (why)
import { HELP_TEXTS } from '../../docker/openclaw/lib/node_modules/openclaw/fake/help-texts.mjs';
import { BACKUP_DIR, LEGACY_BACKUP_DIR } from './states.mjs';

const webLogin = (method, params, timeoutMs) => ['gateway', 'call', method, '--params', JSON.stringify({ channel: 'whatsapp', accountId: 'default', ...params }), '--json', '--timeout', String(timeoutMs)];
const statusJson = { json: { depth: 3, values: ['gatewayReachable', 'error', 'configOnly', 'config', 'configuredChannels'] } };
// against a gateway whose WhatsApp has failed to connect twice (GATEWAY.settled): reconnecting, with a status issue
const liveStatusJson = {
  out: {
    json: {
      depth: 3,
      // the gateway's CPU figures: which ones the real reports varies from call to call
      except: ['eventLoop.cpuBreakdown'],
      values: [
        'channelOrder', 'channels.whatsapp.configured', 'channels.whatsapp.statusState', 'channels.whatsapp.linked', 'channels.whatsapp.running',
        'channels.whatsapp.connected', 'channels.whatsapp.self', 'channels.whatsapp.healthState', 'channels.whatsapp.lifecycle',
        'channels.whatsapp.lastDisconnect.status', 'channels.whatsapp.lastDisconnect.error', 'channels.whatsapp.lastError',
        'channelAccounts.whatsapp.0.accountId', 'channelAccounts.whatsapp.0.dmPolicy', 'channelAccounts.whatsapp.0.allowFrom', 'statusIssues',
      ],
    },
  },
  masks: [[/reconnectAttempts=\d+/g, 'reconnectAttempts=<n>']],
  // a real gateway busy starting up may not answer in time; clawfix polls the same way (src/fix/verify.ts)
  poll: /"gatewayReachable": false/,
};
// against the running gateway: what it writes meanwhile (its databases, minutes after start) is not the command's
const live = { gateway: true, files: { ignore: 'the running gateway writes in the background; gateway-run compares its own files' } };
const pidMask = [/(process on port \d+): \d+/g, '$1: <pid>'];
const offline = 'needs the npm registry (see docker/openclaw/README.md, Known divergences)';
// how long the real CLI waited (elapsed, not --timeout) and which of its two reasons it gives varies with load
const waited = [/after waiting \d+ s\.\\n(waiting for managed service|Gateway readiness budget exhausted\.)/g, 'after waiting <n> s.\\n<reason>'];

/** Whether this run runs a check (see `slow` and `skip` above). */
export const runs = (check) => !check.skip && (!check.slow || process.env.CHECK_FAKE_SLOW === '1');

/** The gateway both CLIs run once (bare, as clawfix starts it), for the checks marked `gateway`. */
export const GATEWAY = {
  name: 'gateway-run',
  from: ['src/fix/commands.ts:startProcess'],
  args: ['gateway', 'run'],
  state: 'linked',
  // start-up and shutdown lines differ in number and wording, and clawfix discards them (stdout to /dev/null);
  // how many reconnects are logged depends on how long it ran
  out: { lines: /\[gateway\] (ready|received SIG[A-Z0-9]+;)/ },
  err: { lines: /Retry 1\/12 in/ },
  /** the checks start once WhatsApp's second connection attempt failed (both log it on stderr) */
  settled: /Retry 2\/12/,
};

export const CHECKS = [
  { name: 'version', from: ['src/probe/probe.sh (when package.json is missing)'], args: ['--version'], state: 'configured', out: 'exact', err: 'exact' },

  // verify (src/fix/verify.ts) polls this while the gateway is still starting, or when it did not start
  { name: 'status-no-gateway', from: ['src/fix/commands.ts:channelsStatus'], args: ['channels', 'status', '--json', '--timeout', '5000'], state: 'configured', out: statusJson, masks: [waited] },
  { name: 'status-no-gateway-not-configured', from: ['src/fix/commands.ts:channelsStatus'], args: ['channels', 'status', '--json', '--timeout', '5000'], state: 'not-configured', out: statusJson, masks: [waited] },

  {
    name: 'backup-create',
    from: ['src/fix/backup.ts:backup'],
    args: ['backup', 'create', '--verify', '--json', '--output', `${BACKUP_DIR}/`],
    state: 'linked',
    out: { json: { depth: 3, values: ['dryRun', 'includeWorkspace', 'onlyConfig', 'verified', 'assets', 'agentRoots', 'skipped', 'skippedVolatileCount'] } },
  },
  {
    name: 'backup-create-inside-state-dir',
    from: ['src/fix/backup.ts:backup (where clawfix wrote backups before 2026-12)'],
    args: ['backup', 'create', '--verify', '--json', '--output', `${LEGACY_BACKUP_DIR}/`],
    state: 'linked',
  },
  {
    name: 'backup-verify',
    from: ['test/integration/real-openclaw.test.ts (the downloaded archive)'],
    before: [['backup', 'create', '--json', '--output', `${BACKUP_DIR}/`]],
    args: ['backup', 'verify', '--json', '{archive}'],
    state: 'linked',
    out: { json: { depth: 1, values: ['ok', 'archivePath', 'archiveRoot', 'runtimeVersion', 'assetCount'] } },
  },

  // controlCommand for a systemd user unit on a host where systemd is not running: OpenClaw's own service commands
  { name: 'gateway-start', from: ['src/fix/commands.ts:controlCommand'], args: ['gateway', 'start'], state: 'configured' },
  { name: 'gateway-stop-force', from: ['src/fix/commands.ts:controlCommand'], args: ['gateway', 'stop', '--force'], state: 'configured' },
  { name: 'gateway-restart', from: ['src/fix/commands.ts:controlCommand'], args: ['gateway', 'restart'], state: 'configured' },

  // both fetch from the npm registry, out of reach in the sandbox: offline the real CLI retries for minutes
  { name: 'doctor-fix', from: ['src/fix/commands.ts:repairPlugin'], args: ['doctor', '--fix', '--non-interactive'], skip: offline },
  { name: 'plugins-install', from: ['src/fix/commands.ts:repairPlugin'], args: ['plugins', 'install', '@openclaw/whatsapp'], skip: offline },

  { name: 'login-offline', from: ['src/fix/commands.ts:loginCommand'], args: ['channels', 'login', '--channel', 'whatsapp', '--account', 'default'], state: 'configured' },

  { name: 'web-login-no-gateway', from: ['src/fix/web-login.ts:webLoginCall'], args: webLogin('web.login.start', { timeoutMs: 3000 }, 3000), state: 'configured' },

  // against the running gateway, in this order; the last one stops it
  { name: 'probe-status', ...live, from: ['src/probe/probe.sh'], args: ['channels', 'status', '--json', '--timeout', '8000'], ...liveStatusJson },
  { name: 'probe-status-deep', ...live, from: ['src/probe/probe.sh (--deep)'], args: ['channels', 'status', '--json', '--timeout', '8000', '--probe'], ...liveStatusJson },
  { name: 'verify-status', ...live, from: ['src/fix/commands.ts:channelsStatus'], args: ['channels', 'status', '--json', '--timeout', '5000'], ...liveStatusJson },
  { name: 'web-login-wait-idle', ...live, from: ['src/fix/web-login.ts:webLoginCall'], args: webLogin('web.login.wait', { timeoutMs: 2000 }, 10_000) },
  { name: 'logs-running', ...live, from: ['src/triage/rules.ts (remedy)'], args: ['logs', '--limit', '200'], out: { lines: /^(Local Gateway RPC unavailable|Log file:)/ } },
  { name: 'gateway-status-deep', ...live, from: ['src/triage/rules.ts (remedy)'], args: ['gateway', 'status', '--deep'], masks: [[/^(CLI version: \S+) \(.*\)$/m, '$1 (<entry>)']] },
  { name: 'gateway-restart-running', ...live, from: ['src/fix/commands.ts:controlCommand (verify restarts half way)'], args: ['gateway', 'restart'], masks: [pidMask], timeoutMs: 240_000 },
  {
    name: 'gateway-stop-force-running',
    ...live,
    stops: true,
    from: ['src/fix/commands.ts:controlCommand'],
    args: ['gateway', 'stop', '--force'],
    masks: [pidMask],
  },

  // what clawfix tells users to run (remedies, README) and what the fake's README claims as verified
  { name: 'channels-status-probe-text', slow: true, from: ['src/triage/rules.ts (remedy)'], args: ['channels', 'status', '--probe', '--timeout', '3000'], state: 'configured' },
  { name: 'logs-no-gateway', from: ['src/triage/rules.ts (remedy)'], args: ['logs', '--limit', '200'], state: 'configured' },
  { name: 'channels-logout', slow: true, from: ['src/triage/rules.ts (remedy)'], args: ['channels', 'logout', '--channel', 'whatsapp', '--account', 'default'], state: 'linked' },
  { name: 'doctor-json', slow: true, from: ['README.md (doctor)'], args: ['doctor', '--json'], state: 'configured', out: { json: { depth: 3, values: ['schemaVersion', 'ok'] } } },
  { name: 'plugins-list', from: ['src/triage/rules.ts (remedy)'], args: ['plugins', 'list'], state: 'configured', out: { ignore: 'a short list, not the real table (README, Known divergences)' } },
  { name: 'config-get', from: ['issue 11'], args: ['config', 'get', 'channels.whatsapp', '--json'], state: 'configured', out: { json: { depth: 2, values: ['dmPolicy', 'allowFrom'] } } },
  { name: 'unknown-command', slow: true, from: ['clawfix recognises it (src/fix/backup.ts)'], args: ['frobnicate'], state: 'configured', out: 'exact', err: 'exact' },
  { name: 'container-missing', from: ['hosts file openclaw.container'], args: ['--container', 'clawfix-no-such-container', 'status'], state: 'configured', err: 'exact' },
];

/** The longest command of the fake's help texts that `args` start with ('gateway call' for a call). */
const commandOf = (args) => Object.keys(HELP_TEXTS).filter((k) => k && `${args.join(' ')} `.startsWith(`${k} `)).sort((a, b) => b.length - a.length)[0];

/**
 * The help of every command checked above: its option list drives the fake's option parser. Slow for
 * the commands clawfix does not send itself (from src/triage, README…).
 */
const sentByClawfix = (c) => c.from.some((f) => /^src\/(fix|probe)\//.test(f));
const helpKeys = (checks) => new Set(checks.map((c) => commandOf(c.args)).filter(Boolean));
const sentKeys = helpKeys([GATEWAY, ...CHECKS].filter(sentByClawfix));
export const HELP_CHECKS = [...helpKeys([GATEWAY, ...CHECKS])].map((key) => ({
  name: `help-${key.replace(/ /g, '-')}`,
  ...(sentKeys.has(key) ? {} : { slow: true }),
  from: ['docker/openclaw fake/help-texts.mjs'],
  args: [...key.split(' '), '--help'],
  state: 'configured',
  out: 'help',
  files: { ignore: 'help writes nothing' },
}));
