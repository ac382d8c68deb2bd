/*
 * Command-line wiring only: options are declared here and each command's module is imported when
 * it runs, so `clawfix --version` and `--help` never load ssh2. process.exit is called here alone.
 */
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { LIMITS, boundedInt } from './cli-args.js';
import type { CommandContext, GlobalOptions } from './context.js';
import { ExitCode, ExitError, isClawfixError } from './errors.js';
import { registerDemoCommand } from './demo/cli.js';
import { registerFixCommands } from './fix/cli.js';
import { printable } from './ui/printable.js';
import { setColor } from './ui/style.js';

export const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const interrupt = new AbortController();
// Each connection in flight listens for Ctrl-C; a large fleet means many listeners, by design.
setMaxListeners(0, interrupt.signal);
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts += 1;
  if (interrupts > 1) process.exit(ExitCode.INTERRUPTED);
  process.stderr.write('\nclawfix: interrupted, finishing up (Ctrl-C again to quit at once)\n');
  interrupt.abort(new Error('interrupted'));
});

const program = new Command('clawfix')
  .description("Diagnose and fix OpenClaw's WhatsApp channel on your servers, over SSH.")
  .version(version, '-V, --version')
  .option('--hosts <file>', 'hosts file (default: $CLAWFIX_HOSTS, ./hosts.yaml, ~/.config/clawfix/hosts.yaml)')
  .option('-F, --ssh-config <file>', 'ssh config file to honour (default: ~/.ssh/config)')
  .addOption(
    new Option('--host-key-policy <policy>', 'unknown host keys: accept-new records them, strict refuses them')
      .choices(['accept-new', 'strict']),
  )
  .option('--connect-timeout <seconds>', 'give up connecting to a host after this long', boundedInt('--connect-timeout', LIMITS.connectTimeoutSeconds), 10)
  .option('-c, --concurrency <n>', 'hosts worked on at once', boundedInt('--concurrency', LIMITS.concurrency), 16)
  .option('--no-color', 'no colours (also NO_COLOR)')
  .option('-v, --verbose', 'show each remote command as it runs', false)
  .option('-q, --quiet', 'print only results and errors', false)
  .showHelpAfterError('(run clawfix --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text) })
  .exitOverride();

program.addHelpText(
  'after',
  `
Exit codes: 0 ok, 1 internal error, 2 usage or hosts-file error, 3 host unreachable or
authentication failed, 4 a host needs attention, 5 a host key changed, 130 interrupted.

Examples:
  clawfix hosts                    list the hosts in the hosts file, resolved
  clawfix hosts --check @prod      connect to every host tagged prod
`,
);

function context(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  setColor(options.color && Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb');
  return { options, signal: interrupt.signal, stdout: process.stdout, stderr: process.stderr };
}

program
  .command('hosts')
  .description('list the hosts (after defaults and ~/.ssh/config), or check that each is reachable')
  .argument('[targets...]', 'host names, globs (web-*) or tags (@prod); none means all')
  .option('--check', 'connect to each host and report reachability, authentication and host key', false)
  .option('--json', 'print JSON', false)
  .addHelpText('after', '\nExamples:\n  clawfix hosts --json\n  clawfix hosts --check web-* @prod\n')
  .action(async (targets: string[], options: { check: boolean; json: boolean }, command: Command) => {
    const { hosts } = await import('./commands/hosts.js');
    process.exitCode = await hosts(targets, options, context(command));
  });

program
  .command('diagnose')
  .description('gather evidence on each host (read-only) and give every WhatsApp account a verdict')
  .argument('[targets...]', 'host names, globs (web-*) or tags (@prod); none means all')
  .option('--json', 'print one JSON document (schema in the README)', false)
  .option('--deep', 'also ask the gateway to probe the channel (channels status --probe)', false)
  .option('--show-numbers', 'do not mask phone numbers and WhatsApp ids', false)
  .addHelpText('after', '\nExamples:\n  clawfix diagnose\n  clawfix diagnose @prod --json > report.json\n  clawfix diagnose web-1 --deep\n')
  .action(async (targets: string[], options: { json: boolean; deep: boolean; showNumbers: boolean }, command: Command) => {
    const { diagnose } = await import('./commands/diagnose.js');
    process.exitCode = await diagnose(targets, options, context(command));
  });

program
  .command('triage')
  .description('judge a pasted log excerpt or status output with the diagnose engine (no SSH)')
  .option('--log <file>', 'log excerpt: JSON lines, console output or journalctl (- for stdin)')
  .option('--status <file>', 'output of openclaw channels status [--json]')
  .option('--openclaw-version <version>', 'OpenClaw version the text comes from (some signs depend on it)')
  .option('--json', 'print JSON: { verdict, summary, evidence, remedy }', false)
  .option('--show-numbers', 'do not mask phone numbers and WhatsApp ids', false)
  .addHelpText('after', '\nExamples:\n  openclaw logs --limit 500 | clawfix triage\n  clawfix triage --log gateway.log --status status.json --openclaw-version 2026.3.13\n')
  .action(async (options: { log?: string; status?: string; openclawVersion?: string; json: boolean; showNumbers: boolean }, command: Command) => {
    const { triageCommand } = await import('./commands/triage.js');
    process.exitCode = await triageCommand(options, context(command));
  });

registerFixCommands(program, context);
registerDemoCommand(program, context);

async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = report(error);
  }
}

/** Turns any failure into an exit code; a stack trace is printed for bugs only. */
function report(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  }
  if (error instanceof ExitError) return error.exitCode;
  if (isClawfixError(error)) {
    // A message may quote what a host said (a lock's holder, a refused probe line): through the edge.
    process.stderr.write(`clawfix: ${printable(error.message)}\n`);
    if (error.hint) process.stderr.write(`  hint: ${printable(error.hint)}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `clawfix: internal error (this is a bug; please report it with the lines below)\n${(error as Error)?.stack ?? String(error)}\n`,
  );
  return ExitCode.INTERNAL;
}

export { main };
