#!/usr/bin/env node
// Entry point. `--version` is answered before anything else loads, so scripts that call it stay fast;
// everything else goes through the commander wiring in program.ts.
import { createRequire } from 'node:module';

// A reader that goes away (`clawfix diagnose | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
  process.stdout.write(`${version}\n`);
} else {
  const { main } = await import('./program.js');
  await main();
}
