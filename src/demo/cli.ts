/** Wiring of `clawfix demo` into the program; the command's module loads only when it runs. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export function registerDemoCommand(program: Command, context: (command: Command) => CommandContext): void {
  program
    .command('demo')
    .description('start a simulated fleet on this machine (no Docker, no VPS) and diagnose it')
    .option('-y, --yes', 'fix the logged-out host without asking; the simulated phone scans by itself (the default without a terminal)', false)
    .option('--keep', 'leave the fleet running after diagnose and print the commands to try, until Ctrl-C', false)
    .option('--json', "print diagnose's JSON document on stdout (demo messages go to stderr)", false)
    .addHelpText('after', '\nExamples:\n  clawfix demo\n  clawfix demo --keep\n  clawfix demo --yes --json > report.json\n')
    .action(async (options: { yes: boolean; keep: boolean; json: boolean }, command: Command) => {
      const { demo } = await import('../commands/demo.js');
      process.exitCode = await demo(options, context(command));
    });
}
