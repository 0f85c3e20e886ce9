// IndexedDB is the broker: producers in several workers and several pages append to one
// partition at once, and every offset is assigned exactly once with each producer's order kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, withBrowser } from './harness.mjs';

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });

const WORKERS_PER_PAGE = 2;
const REQUESTS = 150;

test('four workers in two pages append to one partition: every offset once, order kept', async (t) => withBrowser(t, async ({ context, page, errors }) => {
  const second = await context.newPage();
  for (const p of [page, second]) {
    await p.goto(server.url);
    await p.waitForFunction(() => window.streamlab?.produce_with_workers);
  }
  await page.evaluate(() => window.streamlab.create_topic('concurrency', 'shared', 1, 'kafka'));

  const produce = (p, tag) => p.evaluate(
    ([w, r, tag]) => window.streamlab.produce_with_workers('concurrency', 'shared', w, r, tag),
    [WORKERS_PER_PAGE, REQUESTS, tag]);
  const acked = await Promise.all([produce(page, 'A'), produce(second, 'B')]);
  assert.deepEqual(acked, [WORKERS_PER_PAGE * REQUESTS, WORKERS_PER_PAGE * REQUESTS]);

  const rows = await second.evaluate(() => window.streamlab.read_partition('concurrency', 'shared', 0));
  const total = 2 * WORKERS_PER_PAGE * REQUESTS;
  assert.equal(rows.length, total);
  assert.deepEqual(rows.map(([offset]) => offset), [...Array(total).keys()], 'offsets 0..n-1, each once');

  const byProducer = new Map();
  for (const [, key, value] of rows) {
    const n = Number(value.split('-').pop());
    byProducer.set(key, [...(byProducer.get(key) ?? []), n]);
  }
  assert.equal(byProducer.size, 2 * WORKERS_PER_PAGE);
  for (const [key, sequence] of byProducer) {
    assert.deepEqual(sequence, [...Array(REQUESTS).keys()], `${key} kept its order`);
  }
  // The appends really interleaved: producers did not simply run one after another.
  const switches = rows.filter((row, i) => i > 0 && row[1] !== rows[i - 1][1]).length;
  console.log(`concurrency: ${total} records from ${byProducer.size} producers in 2 pages, ${switches} producer switches, 0 lost, 0 duplicated`);
  assert.ok(switches > byProducer.size, `appends interleaved (${switches} switches)`);
  assert.deepEqual(errors, []);
}));
