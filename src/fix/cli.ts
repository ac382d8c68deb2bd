/**
 * Commander wiring for fix, backup, backups, restore and logs. Options are declared here; each
 * command's module is imported only when it runs. program.ts calls registerFixCommands once.
 */
import type { Command } from 'commander';
import { LIMITS, boundedInt } from '../cli-args.js';
import type { CommandContext } from '../context.js';
import type { FixOptions } from '../commands/fix.js';

type ContextOf = (command: Command) => CommandContext;

export function registerFixCommands(program: Command, context: ContextOf): void {
  program
    .command('fix')
    .description('apply the remedy the diagnosis calls for on one host: plan, confirm, execute, verify (rollback on failure)')
    .argument('<host>', 'host name from the hosts file')
    .option('--account <id>', 'WhatsApp account to work on (default: the one that needs it)')
    .option('--dry-run', 'print the plan and change nothing', false)
    .option('-y, --yes', 'answer yes to the confirmation (needed without a terminal)', false)
    .option('--relink', 'force the relink path (backup, stop, quarantine, start, QR login, verify)', false)
    .option('--no-download', 'keep the backup on the host only')
    .option('--break-lock', 'remove a stale lock left by a run that is gone', false)
    .option('--qr-png <file>', 'also write each link QR to this PNG file (0600)')
    .option('--qr-browser', 'also show the link QR on a local web page (127.0.0.1, random port and token)', false)
    .option('--show-numbers', 'do not mask phone numbers in the output', false)
    .addHelpText(
      'after',
      '\nExamples:\n  clawfix fix web-1 --dry-run\n  clawfix fix web-1\n  clawfix fix web-1 --account work --qr-browser\n  clawfix fix web-1 --yes --no-download\n',
    )
    .action(async (host: string, options: FixOptions, command: Command) => {
      const { fix } = await import('../commands/fix.js');
      process.exitCode = await fix(host, options, context(command));
    });

  program
    .command('backup')
    .description('make a verified backup of the state dir on the host and download it (sha256 checked)')
    .argument('<host>', 'host name from the hosts file')
    .option('--no-download', 'keep the backup on the host only')
    .addHelpText('after', '\nExamples:\n  clawfix backup web-1\n  clawfix backup web-1 --no-download\n\nOn the host, archives go to the OpenClaw user\'s ~/.local/state/clawfix/backups/<state dir>/ (0700, $XDG_STATE_HOME where set),\noutside the state dir. Downloads go to ~/.local/state/clawfix/backups/<host>/ here (mode 0600).\n')
    .action(async (host: string, options: { download: boolean }, command: Command) => {
      const { backup } = await import('../commands/backup.js');
      process.exitCode = await backup(host, options, context(command));
    });

  program
    .command('backups')
    .description('list the backups of a host: on the host and downloaded here')
    .argument('<host>', 'host name from the hosts file')
    .option('--json', 'print JSON', false)
    .addHelpText('after', '\nExamples:\n  clawfix backups web-1\n  clawfix backups web-1 --json\n')
    .action(async (host: string, options: { json: boolean }, command: Command) => {
      const { backups } = await import('../commands/backup.js');
      process.exitCode = await backups(host, options, context(command));
    });

  program
    .command('restore')
    .description('restore a backup: safety backup first, stop, restore, start, verify')
    .argument('<host>', 'host name from the hosts file')
    .argument('<backup>', 'archive path on the host, or a name in its backup dir (else in the legacy <stateDir>/.clawfix/backups/); see clawfix backups')
    .option('-y, --yes', 'answer yes to the confirmation', false)
    .addHelpText('after', '\nExamples:\n  clawfix backups web-1\n  clawfix restore web-1 2026-11-26T18-07-44.760+00-00-openclaw-backup.tar.gz\n')
    .action(async (host: string, archive: string, options: { yes: boolean }, command: Command) => {
      const { restore } = await import('../commands/backup.js');
      process.exitCode = await restore(host, archive, options, context(command));
    });

  program
    .command('logs')
    .description("the gateway's WhatsApp-relevant log lines, readable, numbers masked")
    .argument('<host>', 'host name from the hosts file')
    .option('-f, --follow', 'keep streaming new lines until Ctrl-C', false)
    .option('-n, --lines <n>', 'lines to show', boundedInt('--lines', LIMITS.logLines), 100)
    .option('--all', 'every line, not only the WhatsApp-relevant ones', false)
    .option('--show-numbers', 'do not mask phone numbers', false)
    .addHelpText('after', '\nExamples:\n  clawfix logs web-1\n  clawfix logs web-1 --lines 500 --all\n  clawfix logs web-1 --follow\n')
    .action(async (host: string, options: LogsCliOptions, command: Command) => {
      const { logs } = await import('../commands/logs.js');
      process.exitCode = await logs(host, options, context(command));
    });
}

interface LogsCliOptions {
  follow: boolean;
  lines: number;
  all: boolean;
  showNumbers: boolean;
}
