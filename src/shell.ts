/**
 * Everything that reaches a remote shell goes through here. `sh` quotes every interpolated value,
 * so a value can never become shell syntax, whatever the schema let through.
 */

const SAFE_WORD = /^[A-Za-z0-9_\/.,:=+@%-]+$/;

/** POSIX single-quote a value: 'it'\''s' */
export function quote(value: string | number): string {
  const text = String(value);
  if (text === '') return "''";
  if (SAFE_WORD.test(text)) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A fragment that is already shell syntax (built by `sh` itself); it is not quoted again. */
export class ShellFragment {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Interpolated = string | number | ShellFragment | readonly (string | number | ShellFragment)[];

function render(value: Interpolated): string {
  if (value instanceof ShellFragment) return value.text;
  if (Array.isArray(value)) return value.map((v) => render(v as Interpolated)).join(' ');
  return quote(value as string | number);
}

/** Tagged template: sh`ls -l ${dir}` quotes `dir`; arrays become several quoted words. */
export function sh(strings: TemplateStringsArray, ...values: Interpolated[]): ShellFragment {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new ShellFragment(out);
}
