import { ClawfixError, ExitCode } from '../errors.js';

export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Asks for a key's passphrase on the terminal; the answer is never echoed or logged. */
export async function askPassphrase(keyPath: string): Promise<string> {
  if (!interactive()) {
    throw new ClawfixError('PASSPHRASE_NEEDED', `the key ${keyPath} is encrypted and there is no terminal to ask for its passphrase`, {
      hint: 'load it into ssh-agent first (ssh-add), or run clawfix from a terminal',
      exitCode: ExitCode.UNREACHABLE,
    });
  }
  const { default: prompts } = await import('prompts');
  let cancelled = false;
  const answer = await prompts(
    { type: 'password', name: 'passphrase', message: `Passphrase for ${keyPath}` },
    { onCancel: () => (cancelled = true) },
  );
  if (cancelled || typeof answer.passphrase !== 'string') {
    throw new ClawfixError('PASSPHRASE_CANCELLED', `no passphrase given for ${keyPath}`, { exitCode: ExitCode.INTERRUPTED });
  }
  return answer.passphrase;
}

/** One yes/no question; without a terminal the caller must have decided already (--yes). */
export async function confirm(message: string, initial = false): Promise<boolean> {
  const { default: prompts } = await import('prompts');
  let cancelled = false;
  const answer = await prompts({ type: 'confirm', name: 'ok', message, initial }, { onCancel: () => (cancelled = true) });
  return !cancelled && answer.ok === true;
}
