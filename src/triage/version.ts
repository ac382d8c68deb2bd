/**
 * OpenClaw versions are calendar versions: `2026.3.13`, `2026.3.23-2`, `2026.04.29`, `2026.6.6-beta.1`,
 * or the whole `openclaw --version` line `OpenClaw 2026.9.6 (eb377ac)`.
 */

export interface OpenclawVersion {
  year: number;
  month: number;
  day: number;
  /** The `-N` re-release suffix (0 when absent); a prerelease (`-beta.1`) counts as -1. */
  patch: number;
}

/** Inclusive bounds; a bound without a `-N` suffix covers every re-release of that day. */
export interface VersionRange {
  min?: string;
  max?: string;
}

const VERSION_RE = /(\d{4})\.(\d{1,2})\.(\d{1,2})(?:-(\d+)|-([a-z]+)[.\d]*)?/i;

export function parseVersion(text: string | null | undefined): OpenclawVersion | null {
  if (!text) return null;
  const m = VERSION_RE.exec(text);
  if (!m) return null;
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    patch: m[4] !== undefined ? Number(m[4]) : m[5] !== undefined ? -1 : 0,
  };
}

function compareDay(a: OpenclawVersion, b: OpenclawVersion): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export function compareVersions(a: OpenclawVersion, b: OpenclawVersion): number {
  return compareDay(a, b) || a.patch - b.patch;
}

function hasPatch(bound: string): boolean {
  return /\d{4}\.\d{1,2}\.\d{1,2}-/.test(bound);
}

/**
 * Whether a known version lies in the range. An unknown version answers `unknownAnswer`
 * (callers decide whether a sign applies when the version could not be read).
 */
export function versionInRange(version: string | null | undefined, range: VersionRange, unknownAnswer = true): boolean {
  const v = parseVersion(version);
  if (!v) return unknownAnswer;
  const min = range.min === undefined ? null : parseVersion(range.min);
  const max = range.max === undefined ? null : parseVersion(range.max);
  if (min && (range.min && hasPatch(range.min) ? compareVersions(v, min) : compareDay(v, min)) < 0) return false;
  if (max && (range.max && hasPatch(range.max) ? compareVersions(v, max) : compareDay(v, max)) > 0) return false;
  return true;
}

export function formatRange(range: VersionRange): string {
  if (range.min && range.max) return range.min === range.max ? range.min : `${range.min}–${range.max}`;
  if (range.min) return `≥ ${range.min}`;
  if (range.max) return `≤ ${range.max}`;
  return 'all versions';
}
