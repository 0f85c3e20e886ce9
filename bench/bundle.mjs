// Bundle size, run by `make bench`: the gzipped size of what a page loads from the release build
// in dist/ (the loader, the lab's script, wasm and css before the first interaction, then the worker bundle), in
// one Markdown table, against the goals in BENCHMARKS.md.
import { readdir, readFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const files = await readdir(dist);
const size = async (name) => {
  const bytes = await readFile(join(dist, name));
  return { name, raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
};
const isWorker = (f) => /^streamlab-worker[._]/.test(f);
const main = await Promise.all(files.filter((f) => /\.(js|wasm|css)$/.test(f) && !isWorker(f)).map(size));
const workers = await Promise.all(files.filter((f) => /\.(js|wasm)$/.test(f) && isWorker(f)).map(size));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const sum = (list, key) => list.reduce((n, f) => n + f[key], 0);
console.log('\nBundle (release build in dist/, gzip -9)\n');
console.log('| file | raw | gzipped |');
console.log('|---|---:|---:|');
for (const f of [...main, ...workers]) console.log(`| ${f.name.replace(/-[0-9a-f]{16}/, '-<hash>')} | ${kb(f.raw)} | ${kb(f.gz)} |`);
const before = sum(main, 'gz');
const all = before + sum(workers, 'gz');
console.log(`| **before the first interaction** (page script, wasm, css) | ${kb(sum(main, 'raw'))} | ${kb(before)} (goal ≤ 250 KB: ${before <= 250 * 1024 ? 'met' : '**missed**'}) |`);
console.log(`| **with the worker bundle** (producer and consumer) | ${kb(sum(main, 'raw') + sum(workers, 'raw'))} | ${kb(all)} (goal ≤ 400 KB: ${all <= 400 * 1024 ? 'met' : '**missed**'}) |`);
