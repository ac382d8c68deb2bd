// Copies the non-TypeScript files the CLI reads at run time (the remote probe script) into dist/.
import { cpSync } from 'node:fs';

for (const file of ['probe/probe.sh']) cpSync(new URL(`../src/${file}`, import.meta.url), new URL(`../dist/${file}`, import.meta.url));
