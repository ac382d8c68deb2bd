import { InvalidArgumentError } from 'commander';

/**
 * A commander argument parser for counts and durations: a whole number from 1 to `max`, or a usage
 * error naming the option. The upper bound is part of the contract: past it a value is a mistake
 * (Node's timers overflow past 2^31-1 ms and fire at once; a million workers or lines is no plan).
 */
export function boundedInt(label: string, max: number) {
  return (value: string): number => {
    const number = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < 1 || number > max) {
      throw new InvalidArgumentError(`${label} must be a whole number from 1 to ${max}`);
    }
    return number;
  };
}

/** Upper bounds of the numeric options (documented in the README). */
export const LIMITS = {
  /** One day: below the 2^31-1 ms a Node timer can hold. */
  connectTimeoutSeconds: 86_400,
  concurrency: 1024,
  logLines: 100_000,
} as const;
