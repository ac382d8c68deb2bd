// Property-based fuzzing of the hosts-file loader (issue 12): whatever text it is given, it returns
// a config the schema accepts, or throws a ClawfixError (one line, exit 2). Any other exception
// (a TypeError, a RangeError, the yaml package's own errors) would be printed as an internal error.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ClawfixError } from '../../src/errors.js';
import { parseHostsFile } from '../../src/inventory/load.js';
import { noSshConfig, resolveHosts } from '../../src/inventory/resolve.js';
import { hostsFileSchema } from '../../src/inventory/schema.js';

const RUNS = Number(process.env.CLAWFIX_FUZZ_RUNS) || 10_000;

/** Scalars a hosts file may hold, valid and hostile: path tricks, control and shell characters, huge numbers. */
const scalar = fc.oneof(
  fc.constantFrom('.', '..', '...', 'web-1', '~/x', '/srv/oc', '../../etc', 'a b', '$(id)', '\u001b]52;c;x\u0007', '', '*', '&a', '!!js/function', '0x1F', '1e400', 'null', '~'),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer({ min: -70_000, max: 70_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const key = fc.constantFrom('name', 'host', 'port', 'user', 'identityFile', 'proxyJump', 'tags', 'openclaw', 'stateDir', 'profile', 'container', 'account', 'defaults', 'hosts', 'prot', '__proto__', 'constructor');

/** Documents shaped like hosts files (so the schema, not only the YAML parser, is exercised). */
const shaped = fc
  .letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('value'), { maxLength: 4 }),
    map: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  }))
  .value.map((value) => ({ hosts: [value], defaults: value }))
  .chain((doc) => fc.constantFrom<unknown>(doc, { hosts: doc.hosts }, doc.hosts, doc.defaults))
  .map((doc) => stringify(doc));

/** Valid files, then cut or spliced at a random place: the text a hand edit leaves half done. */
const mutated = fc
  .tuple(
    fc.array(fc.record({ name: fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/), port: fc.integer({ min: 1, max: 65535 }) }), { minLength: 1, maxLength: 4 }),
    fc.nat(),
    fc.string({ maxLength: 8 }),
  )
  .map(([hosts, at, insert]) => {
    const text = stringify({ defaults: { user: 'claw' }, hosts });
    const cut = at % (text.length + 1);
    return text.slice(0, cut) + insert + text.slice(cut);
  });

/** YAML features that have broken parsers: anchors and aliases, merge keys, tags, flow nesting, directives. */
const yamlish = fc
  .array(fc.constantFrom('hosts:', '  - name: a', '  - &x {name: b}', '  - *x', '  - <<: *x', '- *y', 'defaults: &y', '  port: 22', '!!binary aGk=', '%YAML 1.2', '---', '...', '[[[[', ']]]]', '{a: *x}', '? complex', ': value', '  openclaw: {account: ../../v}', '\t- tab', '"\\u0000"'), { maxLength: 12 })
  .map((lines) => lines.join('\n'));

const anyText = fc.oneof(shaped, mutated, yamlish, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }));

describe('hosts-file loader, fuzzed', () => {
  it(`returns a valid config or throws a ClawfixError, never anything else (${RUNS} runs)`, () => {
    let accepted = 0;
    let refused = 0;
    const started = performance.now();
    fc.assert(
      fc.property(anyText, (text) => {
        let file;
        try {
          file = parseHostsFile(text, 'fuzz.yaml');
        } catch (error) {
          if (!(error instanceof ClawfixError)) throw error;
          expect(error.exitCode).toBe(2);
          expect(error.message).not.toMatch(/^\s+at /m);
          refused += 1;
          return;
        }
        expect(hostsFileSchema.safeParse(file).success).toBe(true);
        expect(new Set(file.hosts.map((h) => h.name)).size).toBe(file.hosts.length);
        for (const host of file.hosts) expect(host.name).not.toMatch(/^\.+$|\//);
        // what the rest of clawfix does with it next must not throw either
        expect(resolveHosts(file, { sshConfig: noSshConfig, home: '/home/u' })).toHaveLength(file.hosts.length);
        accepted += 1;
      }),
      { numRuns: RUNS },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`hosts-file fuzz: ${RUNS} runs (${accepted} accepted, ${refused} refused, 0 crashes) in ${seconds.toFixed(1)} s`);
    expect(accepted + refused).toBe(RUNS);
    // the generators must reach both outcomes, or the property proves little
    expect(accepted).toBeGreaterThan(RUNS / 100);
    expect(refused).toBeGreaterThan(RUNS / 10);
  }, 300_000);
});
