/** The README's hosts-file reference and hosts.example.yaml are checked against the schema, so they never drift. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostSchema, openclawSchema } from '../../src/inventory/schema.js';

const schemaFields = [
  ...Object.keys(hostSchema.shape).filter((key) => key !== 'openclaw'),
  ...Object.keys(openclawSchema.shape).map((key) => `openclaw.${key}`),
].sort();

describe('documentation of the hosts file', () => {
  it('the README table names exactly the fields of the schema', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## The hosts file'), readme.indexOf('\n## ', readme.indexOf('## The hosts file') + 1));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const documented = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([\w.]+)`/g)].map((m) => m[1]!)).sort();
    expect(documented).toEqual(schemaFields);
  });

  it('hosts.example.yaml uses every field', () => {
    const example = readFileSync('hosts.example.yaml', 'utf8');
    for (const field of schemaFields) expect(example, field).toMatch(new RegExp(`^\\s*(- )?${field.split('.').pop()}:`, 'm'));
  });
});
