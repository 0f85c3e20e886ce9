// Bundle size, run by `make bench`: the gzipped size of what a page loads from the release build
// in dist/ (the loader, the lab's script, wasm and css before the first interaction, then the
// worker bundle), as rows of the one `make bench` table, against the goals in BENCHMARKS.md.
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
// The scripting API (window.streamlab) is fetched only when a script asks for it.
const isScripting = (f) => /^streamlab-script[._]/.test(f);
// A lab on a Kinesis endpoint loads this bundle instead of the lab's.
const isRemote = (f) => /^streamlab-remote[._]/.test(f);
// The streaming-SQL processor worker starts only when a page runs SQL.
const isProcessor = (f) => /^streamlab-processor[._]/.test(f);
// The Streams panel is fetched only by a lab whose database has statements or whose user opens it.
const isSql = (f) => /^streamlab-sql[._]/.test(f);
const bundled = files.filter((f) => /\.(js|wasm|css)$/.test(f));
const main = await Promise.all(bundled.filter((f) => !isWorker(f) && !isScripting(f) && !isRemote(f) && !isProcessor(f) && !isSql(f)).map(size));
const sqlPanel = await Promise.all(bundled.filter(isSql).map(size));
const processor = await Promise.all(bundled.filter(isProcessor).map(size));
const remote = await Promise.all(bundled.filter(isRemote).map(size));
const workers = await Promise.all(bundled.filter(isWorker).map(size));
const scripting = await Promise.all(bundled.filter(isScripting).map(size));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const sum = (list, key) => list.reduce((n, f) => n + f[key], 0);
// Rows of the one `make bench` table: | benchmark | records | result | vs baseline | goal |
for (const f of [...main, ...workers]) console.log(`| bundle: ${f.name}, gzip -9 (raw ${kb(f.raw)}) | – | ${kb(f.gz)} | – | – |`);
const before = sum(main, 'gz');
const all = before + sum(workers, 'gz');
console.log(`| bundle: **before the first interaction** (loader, script, wasm, css; raw ${kb(sum(main, 'raw'))}) | – | ${kb(before)} | – | ≤ 250 KB: ${before <= 250 * 1024 ? 'met' : '**missed**'} |`);
console.log(`| bundle: **with the worker bundle** (raw ${kb(sum(main, 'raw') + sum(workers, 'raw'))}) | – | ${kb(all)} | – | ≤ 400 KB: ${all <= 400 * 1024 ? 'met' : '**missed**'} |`);
for (const f of sqlPanel) console.log(`| bundle: ${f.name}, gzip -9 (raw ${kb(f.raw)}), the Streams panel, fetched only by a lab whose database has statements or whose user opens it | – | ${kb(f.gz)} | – | – |`);
for (const f of processor) console.log(`| bundle: ${f.name}, gzip -9 (raw ${kb(f.raw)}), the streaming-SQL processor worker, started only when a page runs SQL | – | ${kb(f.gz)} | – | – |`);
for (const f of scripting) console.log(`| bundle: ${f.name}, gzip -9 (raw ${kb(f.raw)}), the scripting API, fetched only when a script asks for it | – | ${kb(f.gz)} | – | – |`);
const shell = main.filter((f) => f.name === 'stream-lab.js' || f.name === 'streamlab.css');
const onEndpoint = sum(shell, 'gz') + sum(remote, 'gz');
for (const f of remote) console.log(`| bundle: ${f.name}, gzip -9 (raw ${kb(f.raw)}), a lab on a Kinesis endpoint, loaded instead of the lab's | – | ${kb(f.gz)} | – | – |`);
console.log(`| bundle: a lab on a Kinesis endpoint, before the first interaction (loader, css, endpoint bundle) | – | ${kb(onEndpoint)} | – | – |`);
