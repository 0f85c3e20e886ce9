// Streaming SQL benchmarks, run by `make bench` (never by `make test`): the processor worker's
// throughput against the same run's producer append rate, and its memory holding a large table.
// Prints rows of the one `make bench` table (see BENCHMARKS.md).
//
// 1,000,000 JSON records of 100 B ({"n":N,"pad":"xx…"}, keys key-0 … key-999) are appended by a
// producer worker in 1,000-record batches (the baseline: the log's own append rate, measured
// here); then each query is started over them from the earliest offset and timed until it has
// read them all, every update emitted (the record cache is off, as in ksqlDB's tests): a
// filter-and-project (CSAS … WHERE), and a GROUP BY … COUNT(*) (CTAS). Each result is checked
// (records in and out, a pull query's count) before its figure is printed.
import { serveDist, launchBrowser } from '../tests/e2e/harness.mjs';

const server = await serveDist();
const browser = await launchBrowser();
const { page } = browser;
page.setDefaultTimeout(1_800_000);

const RECORDS = 1_000_000;
const KEYS = 100_000;
const row = (name, records, result, vs = '–', goal = '–') => console.log(`| ${name} | ${records} | ${result} | ${vs} | ${goal} |`);
const fmt = (r) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : `${Math.round(r / 1000)} k/s`);
const met = (ok) => (ok ? 'met' : '**missed**');

try {
  await page.goto(server.url);
  await page.waitForFunction(() => window.streamlab?.processor_memory_bytes);
  const version = await browser.context.browser()?.version?.() ?? 'chromium';

  const [appended, appendMs] = await page.evaluate(async (n) => {
    await window.streamlab.create_topic('bench-sql', 'sql-in', 1, 'kafka');
    return window.streamlab.produce_generated('bench-sql', 'sql-in', n / 1000, 1000, 100);
  }, RECORDS);
  const append = appended / (appendMs / 1000);
  row(`browser (${version}): producer worker append, 1,000-record batches, 100 B JSON values (the SQL rows' baseline)`, appended.toLocaleString('en'), fmt(append), 'baseline');

  /** Runs `statement` (a persistent query over sql-in) and times it until it has read everything. */
  const timed = (statement) => page.evaluate(async (statement) => {
    const s = window.streamlab;
    const started = performance.now();
    const [result] = await s.sql('bench-sql', statement);
    if (!result.ok) throw new Error(result.message);
    const queries = await s.await_queries('bench-sql');
    const ms = performance.now() - started;
    const q = queries.find((q) => q.query_id === result.query_id);
    const [end] = await s.sql('bench-sql', `TERMINATE ${result.query_id};`);
    if (!end.ok) throw new Error(end.message);
    return { ms, records_in: q.records_in, records_out: q.records_out, skipped: q.records_skipped };
  }, statement);

  const declared = await page.evaluate(() => window.streamlab.sql('bench-sql',
    "CREATE STREAM src (k STRING KEY, n BIGINT, pad STRING) WITH (kafka_topic='sql-in', value_format='JSON');"));
  if (!declared[0].ok) throw new Error(declared[0].message);

  const filter = await timed('CREATE STREAM evens AS SELECT k, n, n * 2 AS doubled FROM src WHERE n % 2 = 0 EMIT CHANGES;');
  if (filter.records_in !== appended || filter.records_out !== appended / 2 || filter.skipped !== 0) {
    throw new Error(`filter-and-project read ${filter.records_in}, wrote ${filter.records_out}, skipped ${filter.skipped}`);
  }
  const filterRate = appended / (filter.ms / 1000);
  row(`browser (${version}): SQL filter-and-project (CSAS … WHERE n % 2 = 0) in the processor worker, from the earliest offset until read to the end`, appended.toLocaleString('en'),
    fmt(filterRate), `${(filterRate / append).toFixed(2)}× append`, `≥ 0.5× append: ${met(filterRate / append >= 0.5)}`);

  const count = await timed('CREATE TABLE counts AS SELECT k, COUNT(*) AS c FROM src GROUP BY k EMIT CHANGES;');
  if (count.records_in !== appended || count.records_out !== appended || count.skipped !== 0) {
    throw new Error(`GROUP BY read ${count.records_in}, wrote ${count.records_out}, skipped ${count.skipped}`);
  }
  const [pull] = await page.evaluate(() => window.streamlab.sql('bench-sql', "SELECT * FROM counts WHERE k = 'key-7';"));
  if (!pull.ok || pull.rows?.[0]?.C !== appended / 1000) throw new Error(`pull query: ${JSON.stringify(pull)}`);
  const countRate = appended / (count.ms / 1000);
  row(`browser (${version}): SQL GROUP BY k, COUNT(*) over 1,000 keys (CTAS, every update emitted) in the processor worker`, appended.toLocaleString('en'),
    fmt(countRate), `${(countRate / append).toFixed(2)}× append`, `≥ 0.5× append: ${met(countRate / append >= 0.5)}`);

  // Memory: a table of 100,000 keys in a processor of its own (a database of its own), after
  // it has read every record; the worker's WebAssembly memory (it only grows, so this is its peak).
  const memory = await page.evaluate(async (keys) => {
    const s = window.streamlab;
    await s.create_topic('bench-sql-memory', 'customers', 1, 'kafka');
    for (let from = 0; from < keys; from += 10_000) {
      const records = Array.from({ length: 10_000 }, (_, i) => ({ key: `customer-${from + i}`, value: JSON.stringify({ amount: (from + i) % 97 }) }));
      await s.produce('bench-sql-memory', 'customers', records);
    }
    const results = await s.sql('bench-sql-memory', `CREATE STREAM orders (customer STRING KEY, amount BIGINT) WITH (kafka_topic='customers', value_format='JSON');
      CREATE TABLE totals AS SELECT customer, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY customer EMIT CHANGES;`);
    if (!results.every((r) => r.ok)) throw new Error(JSON.stringify(results));
    const bytes = await s.processor_memory_bytes('bench-sql-memory');
    const [q] = await s.await_queries('bench-sql-memory');
    return { bytes, records_out: q.records_out };
  }, KEYS);
  if (memory.records_out !== KEYS) throw new Error(`the 100,000-key table wrote ${memory.records_out}`);
  const mb = memory.bytes / 1e6;
  row(`browser (${version}): processor worker's WebAssembly memory holding a table of 100,000 keys (COUNT and SUM per key)`, KEYS.toLocaleString('en'),
    `${mb.toFixed(1)} MB`, '–', `≤ 64 MB: ${met(mb <= 64)}`);
} finally {
  await browser.close();
  await server.close();
}
