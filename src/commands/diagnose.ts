import type { CommandContext } from '../context.js';
import { diagnoseHost, type HostDiagnosis } from '../diagnose/host.js';
import { fleetExitCode } from '../fleet/exit-code.js';
import { runFleet } from '../fleet/run.js';
import { loadInventory } from '../inventory/index.js';
import { maskNumbers } from '../mask.js';
import { stripControl } from '../shell.js';
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

/** Text from a host reaches the terminal without control sequences, and numbers masked unless asked. */
function sanitise(diagnoses: HostDiagnosis[], showNumbers: boolean): HostDiagnosis[] {
  const clean = (text: string) => (showNumbers ? stripControl(text) : maskNumbers(stripControl(text)));
  return diagnoses.map((d) => ({
    ...d,
    error: d.error === undefined ? undefined : clean(d.error),
    accounts: d.accounts.map((a) => ({
      ...a,
      summary: clean(a.summary),
      evidence: a.evidence.map((e) => ({ ...e, text: clean(e.text) })),
    })),
  }));
}
