import { InvalidArgumentError } from 'commander';

/** A commander argument parser for counts and durations: a whole number ≥ 1, or a usage error naming the option. */
export function positiveInt(label: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`${label} must be a whole number ≥ 1`);
    return number;
  };
}
