import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quote, sh } from '../../src/shell.js';
import { stripControl } from '../../src/ui/printable.js';

const echo = (command: string) => execFileSync('sh', ['-c', command], { encoding: 'utf8' });

describe('quote', () => {
  it('leaves safe words alone and quotes everything else', () => {
    expect(quote('/home/claw/.openclaw')).toBe('/home/claw/.openclaw');
    expect(quote('a b')).toBe("'a b'");
    expect(quote('')).toBe("''");
  });

  it('survives a real shell, whatever the value', () => {
    for (const value of ["it's", '$(id)', '`id`', 'a;b', 'x\ny', '"', "'\\''", '*', '-n', '~root']) {
      expect(echo(`printf %s ${quote(value)}`)).toBe(value);
    }
  });

  it('quotes every interpolation of the sh template, arrays as several words', () => {
    const dir = "/tmp/it's $(reboot)";
    expect(sh`ls -d ${dir}`.text).toBe(`ls -d '/tmp/it'\\''s $(reboot)'`);
    expect(echo(sh`printf '%s|' ${['a b', 'c']}`.text)).toBe('a b|c|');
    const inner = sh`echo ${'x y'}`;
    expect(sh`sudo -n sh -c ${inner.text}`.text).toBe(`sudo -n sh -c 'echo '\\''x y'\\'''`);
  });
});

describe('stripControl', () => {
  it('removes cursor movement, titles, hyperlinks and other controls but keeps text', () => {
    const hostile = 'ok\x1b[2J\x1b[H\x1b]0;pwned\x07 line\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x07\x08 end\x9b31m\ttab\n';
    expect(stripControl(hostile)).toBe('ok linelink end\ttab\n');
  });
  it('removes escapes with intermediate bytes (charset selection) and resets whole', () => {
    expect(stripControl('a\x1b(Bb\x1b)0c\x1bcd\x1b7e\x1bXsos\x1b\\f')).toBe('abcdef');
  });
  it('removes colours', () => {
    expect(stripControl('\x1b[31mred\x1b[0m')).toBe('red');
  });
});
