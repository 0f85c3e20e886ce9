// IndexedDB is the broker: producers in several workers and several pages append to one
// partition at once, and every offset is assigned exactly once with each producer's order kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { serveDist, withBrowser } from './harness.mjs';

let server;
const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
before(async () => { server = await serveDist({ '/fixtures/': fixtures }); });
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

test('group members in two pages never read one partition at once: no record reaches both, none is skipped', async (t) => withBrowser(t, async ({ context, page, errors }) => {
  const second = await context.newPage();
  for (const p of [page, second]) {
    await p.goto(`${server.url}fixtures/blank.html`);
    await p.evaluate(async () => { window.streamlab = await customElements.get('stream-lab').api; });
  }
  await page.evaluate(() => window.streamlab.create_topic('groups', 'orders', 4, 'kafka'));
  // Records flow the whole time: 2 producer workers, 4 keys each → all four partitions.
  await page.evaluate(() => {
    window.fleet = window.streamlab.start_producers('groups', 'orders', 4, 5, 'p', () => {});
    window.member = window.streamlab.start_consumer('groups', 'orders', 'g', 'earliest', '');
  });
  await page.waitForTimeout(1500);
  // A second member joins from the other page: partitions move to it while both read.
  await second.evaluate(() => { window.member = window.streamlab.start_consumer('groups', 'orders', 'g', 'earliest', ''); });
  await page.waitForFunction(() => window.member.assigned().length === 2);
  await second.waitForFunction(() => window.member.assigned().length === 2);
  await page.waitForTimeout(1500);
  // The first member leaves: the second takes every partition, from the first one's commits.
  await page.evaluate(() => window.member.stop());
  await second.waitForFunction(() => window.member.assigned().length === 4);
  await page.waitForTimeout(1000);
  await page.evaluate(() => window.fleet.kill());
  // Let the second member catch up with the log's end, then compare.
  const ends = await page.evaluate(async () => {
    const out = [];
    for (let p = 0; p < 4; p++) out.push((await window.streamlab.read_partition('groups', 'orders', p)).length);
    return out;
  });
  await second.waitForFunction((ends) => {
    const seen = window.member.received();
    const last = new Map();
    for (let i = 0; i + 2 < seen.length; i += 3) last.set(seen[i], seen[i + 1]);
    return ends.every((end, p) => end === 0 || last.get(p) === end - 1);
  }, ends, { timeout: 15_000 });
  const received = async (p) => p.evaluate(() => {
    const seen = window.member.received();
    const out = [];
    for (let i = 0; i + 2 < seen.length; i += 3) out.push([seen[i], seen[i + 1]]);
    return out;
  });
  const [first, other] = [await received(page), await received(second)];
  let both = 0;
  for (let p = 0; p < 4; p++) {
    const a = first.filter(([q]) => q === p).map(([, o]) => o);
    const b = other.filter(([q]) => q === p).map(([, o]) => o);
    const inA = new Set(a);
    both += b.filter((o) => inA.has(o)).length;
    // Between them, every offset once, in order within each member.
    assert.deepEqual([...a, ...b].sort((x, y) => x - y), Array.from({ length: ends[p] }, (_, i) => i), `partition ${p}: every offset, once`);
  }
  console.log(`groups: ${ends.reduce((x, y) => x + y, 0)} records in 4 partitions, members in 2 pages read ${first.length} + ${other.length}; read by both: ${both}`);
  assert.equal(both, 0);
  assert.ok(first.length > 0 && other.length > 0, 'both members read');
  assert.deepEqual(errors, []);
}));
