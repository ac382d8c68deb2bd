import type { CommandContext } from '../context.js';
import { diagnoseHost, type HostDiagnosis } from '../diagnose/host.js';
import { fleetExitCode } from '../fleet/exit-code.js';
import { runFleet } from '../fleet/run.js';
import { loadInventory } from '../inventory/index.js';
import { printableDeep } from '../ui/printable.js';
import { Progress } from '../ui/progress.js';
import { renderDiagnoses, toJson } from '../ui/diagnosis.js';
import { dim, red, yellow } from '../ui/style.js';

export interface DiagnoseOptions {
  json: boolean;
  deep: boolean;
  showNumbers: boolean;
}

/** `clawfix diagnose`: evidence from every selected host in parallel, a verdict per account. */
export async function diagnose(targets: string[], options: DiagnoseOptions, ctx: CommandContext): Promise<number> {
  const inventory = await loadInventory(ctx.options, targets);
  const progress = new Progress(ctx.stderr, { quiet: ctx.options.quiet });

  const outcomes = await runFleet(
    inventory.selected,
    async (host) => {
      const { diagnosis } = await diagnoseHost(host, ctx, {
        deep: options.deep,
        onStep: (text) => progress.update(host.name, text),
      });
      progress.done(host.name, diagnosis.status === 'ok' ? verdictColour(diagnosis) : red(diagnosis.status));
      return diagnosis;
    },
    { concurrency: ctx.options.concurrency, signal: ctx.signal },
  );
  progress.stop();

  const diagnoses: HostDiagnosis[] = [...outcomes].map(([name, outcome]) => {
    if (outcome.status === 'ok') return outcome.value;
    const interrupted = outcome.status === 'interrupted';
    return {
      name,
      status: 'error',
      verdict: interrupted ? 'interrupted' : 'error',
      condition: interrupted ? 'interrupted' : 'needs-attention',
      error: interrupted ? 'interrupted before it finished' : String((outcome.error as Error)?.message ?? outcome.error),
      accounts: [],
      timings: { connectMs: outcome.durationMs, probeMs: 0 },
    };
  });
  const clean = sanitise(diagnoses, options.showNumbers);
  ctx.stdout.write(options.json ? `${JSON.stringify(toJson(clean), null, 2)}\n` : renderDiagnoses(clean, ctx.stdout.isTTY ? ctx.stdout.columns || 80 : Infinity));
  return fleetExitCode(clean.map((d) => d.condition));
}

function verdictColour(diagnosis: HostDiagnosis): string {
  return diagnosis.condition === 'ok' ? diagnosis.verdict : yellow(diagnosis.verdict) + dim(' (needs attention)');
}

/**
 * Everything shown of a diagnosis goes through the output edge (src/ui/printable.ts): account ids,
 * summaries, evidence, remedies, errors, the state dir and user. The full evidence is not shown.
 */
export function sanitise(diagnoses: HostDiagnosis[], showNumbers: boolean): HostDiagnosis[] {
  return diagnoses.map(({ evidence: _evidence, ...shown }) => printableDeep(shown, { showNumbers }));
}
