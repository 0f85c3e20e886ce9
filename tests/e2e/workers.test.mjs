// Producer and consumer Web Workers under load and under attack, driven through the page's
// scripting API (window.streamlab): 100,000 records delivered from a producer worker through
// IndexedDB to a consumer worker, and workers terminated mid-flight.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, withBrowser, byTestId, createTopic } from './harness.mjs';

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });

const ready = (page) => page.waitForFunction(() => window.streamlab?.start_consumer);

/** The log end offset of every partition of `topic`, read from the store. */
const logEnds = (page, db, topic, partitions) => page.evaluate(async ([db, topic, n]) => {
  const ends = [];
  for (let p = 0; p < n; p++) ends.push((await window.streamlab.read_partition(db, topic, p)).length);
  return ends;
}, [db, topic, partitions]);

/** `[partition, offset, latency]` triples as objects. */
const triples = (flat) => {
  const out = [];
  for (let i = 0; i < flat.length; i += 3) out.push({ partition: flat[i], offset: flat[i + 1] });
  return out;
};

test('100,000 records flow from a producer worker to a consumer worker, none lost or repeated', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await ready(page);
  await page.evaluate(() => window.streamlab.create_topic('load', 'stream', 3, 'kafka'));
  // The consumer starts first and follows the log end while the producer writes.
  await page.evaluate(() => { window.consumer = window.streamlab.start_consumer('load', 'stream', '', 'earliest', ''); });
  const [produced] = await page.evaluate(() => window.streamlab.produce_generated('load', 'stream', 100, 1000, 100));
  assert.equal(produced, 100_000);
  await page.waitForFunction(() => window.consumer.received_count() >= 100_000, null, { timeout: 120_000 });
  // Give a straggler a moment to show up if there were one.
  await page.waitForTimeout(500);
  const received = triples(await page.evaluate(() => Array.from(window.consumer.received())));
  assert.equal(received.length, 100_000, 'exactly 100,000 records received');
  const seen = new Set(received.map((r) => `${r.partition}:${r.offset}`));
  assert.equal(seen.size, 100_000, 'no record received twice');
  // Every offset of every partition, in order within each partition.
  const ends = await logEnds(page, 'load', 'stream', 3);
  assert.equal(ends.reduce((a, b) => a + b, 0), 100_000);
  for (let p = 0; p < 3; p++) {
    const offsets = received.filter((r) => r.partition === p).map((r) => r.offset);
    assert.deepEqual(offsets, Array.from({ length: ends[p] }, (_, i) => i), `partition ${p} in order, contiguous`);
  }
  await page.evaluate(() => window.consumer.stop());
  assert.deepEqual(errors, []);
}));

test('a producer terminated mid-flight loses only what it had not acknowledged', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await ready(page);
  await page.evaluate(() => window.streamlab.create_topic('crash', 'orders', 1, 'kafka'));
  // 200 requests of 10 records; the worker is terminated once 50 are acknowledged, while the
  // rest are queued or in flight.
  const acked = await page.evaluate(() => window.streamlab.produce_and_kill('crash', 'orders', 200, 10, 'p', 50));
  assert.ok(acked.length >= 500, `${acked.length} records acknowledged`);
  const stored = await page.evaluate(() => window.streamlab.read_partition('crash', 'orders', 0));
  // Offsets are contiguous from 0; every acknowledged record is stored once, where its ack said.
  assert.deepEqual(stored.map(([o]) => o), stored.map((_, i) => i));
  const byValue = new Map(stored.map(([o, , v]) => [v, o]));
  assert.equal(byValue.size, stored.length, 'no value stored twice');
  for (const [, offset, value] of acked) assert.equal(byValue.get(value), offset, `${value} at ${offset}`);
  // Whole requests only, in the producer's order: the log is a prefix of what was sent.
  assert.equal(stored.length % 10, 0, 'no request half stored');
  const sent = Array.from({ length: stored.length }, (_, i) => `p-${Math.floor(i / 10)}-${i % 10}`);
  assert.deepEqual(stored.map(([, , v]) => v), sent);
  // The store still takes appends at the next offset.
  await page.evaluate(() => window.streamlab.produce_with_workers('crash', 'orders', 1, 1, 'after'));
  const after = await page.evaluate(() => window.streamlab.read_partition('crash', 'orders', 0));
  assert.deepEqual(after.at(-1).slice(0, 1), [stored.length]);
  assert.deepEqual(errors, []);
}));

test('a group consumer terminated mid-stream is resumed from its group commit by the next', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await ready(page);
  await page.evaluate(() => window.streamlab.create_topic('crash', 'events', 2, 'kafka'));
  await page.evaluate(() => window.streamlab.produce_generated('crash', 'events', 10, 100, 50));
  await page.evaluate(() => { window.first = window.streamlab.start_consumer('crash', 'events', 'billing', 'earliest', ''); });
  await page.waitForFunction(() => window.first.received_count() === 1000);
  // Its automatic commit (every second) covers what it read.
  await page.waitForFunction(() => window.first.committed().reduce((n, [, o]) => n + o, 0) === 1000);
  // More records; it reads them, and is killed before it can commit them all.
  await page.evaluate(() => window.streamlab.produce_generated('crash', 'events', 5, 100, 50));
  await page.waitForFunction(() => window.first.received_count() === 1500);
  const committedAtKill = new Map(await page.evaluate(() => { const c = window.first.committed(); window.first.terminate(); return c; }));
  const first = triples(await page.evaluate(() => Array.from(window.first.received())));

  // The next member of the group starts from the group's commits, not from the beginning.
  await page.evaluate(() => { window.second = window.streamlab.start_consumer('crash', 'events', 'billing', 'earliest', ''); });
  const ends = await logEnds(page, 'crash', 'events', 2);
  assert.equal(ends[0] + ends[1], 1500);
  // Once the dead member's session expires (3 s) the new one owns both partitions and reads
  // each to its end.
  await page.waitForFunction(([e0, e1]) => {
    const r = window.second.received();
    const last = [-1, -1];
    for (let i = 0; i < r.length; i += 3) last[r[i]] = Math.max(last[r[i]], r[i + 1]);
    return last[0] === e0 - 1 && last[1] === e1 - 1;
  }, ends, { timeout: 20_000 });
  const second = triples(await page.evaluate(() => Array.from(window.second.received())));
  for (let p = 0; p < 2; p++) {
    const firstOffsets = first.filter((r) => r.partition === p).map((r) => r.offset);
    const secondOffsets = second.filter((r) => r.partition === p).map((r) => r.offset);
    const resumedAt = secondOffsets[0];
    // It resumed at or after the commit the first member reported, and skipped nothing.
    assert.ok(resumedAt >= (committedAtKill.get(p) ?? 0), `partition ${p}: resumed at ${resumedAt}, commit was ${committedAtKill.get(p)}`);
    assert.ok(resumedAt <= Math.max(...firstOffsets) + 1, `partition ${p}: nothing skipped`);
    assert.deepEqual(secondOffsets, Array.from({ length: ends[p] - resumedAt }, (_, i) => resumedAt + i));
    // Repeats are only the records read after the last commit (the at-least-once window).
    const repeated = secondOffsets.filter((o) => firstOffsets.includes(o));
    assert.ok(repeated.every((o) => o >= (committedAtKill.get(p) ?? 0)), `partition ${p}: repeats only past the commit`);
  }
  await page.evaluate(() => window.second.stop());
  assert.deepEqual(errors, []);
}));



const runSent = (page) => byTestId(page, 'run-row').first().evaluate((r) => Number(r.dataset.sent));

test('a producer run sends at its rate, pauses, resumes and stops, acknowledging every batch', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'metrics', 3, 'kafka');
  await byTestId(page, 'run-key-pattern').selectOption('sequential');
  await byTestId(page, 'run-keys').fill('sensor-');
  await byTestId(page, 'run-template').fill('{"reading":${n},"sensor":"${key}"}');
  await byTestId(page, 'run-rate').fill('200');
  await byTestId(page, 'run-batch-size').fill('20');
  await byTestId(page, 'run-linger').fill('50');
  await byTestId(page, 'run-start').click();
  const row = byTestId(page, 'run-row').first();
  await page.waitForFunction(() => Number($lab('[data-testid="run-row"]')?.dataset.sent) >= 100);
  // Paused, it sends nothing more.
  await byTestId(page, 'run-pause').click();
  await page.waitForFunction(() => $lab('[data-testid="run-row"]')?.dataset.status === 'paused');
  const atPause = await runSent(page);
  await page.waitForTimeout(600);
  assert.equal(await runSent(page), atPause, 'nothing sent while paused');
  await byTestId(page, 'run-resume').click();
  await page.waitForFunction((n) => Number($lab('[data-testid="run-row"]')?.dataset.sent) >= n + 60, atPause);
  await byTestId(page, 'run-stop').click();
  await page.waitForFunction(() => $lab('[data-testid="run-row"]')?.dataset.status === 'stopped');
  const sent = await runSent(page);
  // Its batches show where they went.
  const batch = await byTestId(page, 'run-batch').first().evaluate((b) => ({ ...b.dataset }));
  assert.ok(Number(batch.count) >= 1 && Number(batch.count) <= 20, `a batch of ${batch.count}`);
  // Everything acknowledged is in the log exactly once, values from the template, in run order
  // within each partition, and each key where murmur2 puts it.
  const rows = await page.evaluate(async () => {
    const all = [];
    for (let p = 0; p < 3; p++) for (const [offset, key, value] of await window.streamlab.read_partition('streamlab', 'metrics', p)) all.push({ p, offset, key, value });
    return all;
  });
  assert.equal(rows.length, sent);
  const numbers = rows.map((r) => JSON.parse(r.value).reading);
  assert.deepEqual([...numbers].sort((a, b) => a - b), Array.from({ length: sent }, (_, i) => i));
  for (const r of rows) {
    const value = JSON.parse(r.value);
    assert.equal(value.sensor, r.key);
    assert.equal(r.key, `sensor-${value.reading}`, 'sequential keys');
  }
  for (let p = 0; p < 3; p++) {
    const inPartition = rows.filter((r) => r.p === p).map((r) => JSON.parse(r.value).reading);
    assert.deepEqual(inPartition, [...inPartition].sort((a, b) => a - b), `partition ${p} keeps run order`);
  }
  assert.equal(await row.getAttribute('data-status'), 'stopped');
  assert.deepEqual(errors, []);
}));

test('kinesis consumers read parents before children across a split while a producer keeps writing', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'clicks', 2, 'kinesis');
  await page.evaluate(() => { window.reader = window.streamlab.start_consumer('streamlab', 'clicks', '', 'TRIM_HORIZON', ''); });
  await byTestId(page, 'run-key-pattern').selectOption('random');
  await byTestId(page, 'run-keys').fill('a, b, c, d, e, f, g, h');
  await byTestId(page, 'run-template').fill('{"n":${n},"user":"${key}"}');
  await byTestId(page, 'run-rate').fill('300');
  await byTestId(page, 'run-batch-size').fill('10');
  await byTestId(page, 'run-linger').fill('20');
  await byTestId(page, 'run-start').click();
  await page.waitForFunction(() => Number($lab('[data-testid="run-row"]')?.dataset.sent) >= 150);
  // Split shard 0 while records keep flowing.
  await byTestId(page, 'shard-split').first().click();
  await page.locator('[data-testid="partition-row"]').nth(3).waitFor();
  // The grid draws the lineage: shard 0 is the parent of shards 2 and 3.
  const depths = await page.locator('[data-testid="lineage-tree"] text').evaluateAll((ts) => Object.fromEntries(ts.map((t) => [t.dataset.shard, t.dataset.depth])));
  assert.deepEqual(depths, { 0: '0', 1: '0', 2: '1', 3: '1' });
  // While the producer runs, the grid shows appends per second on the open shards.
  await page.waitForFunction(() => [...$$lab('[data-testid="partition-throughput"]')].some((c) => Number(c.dataset.rate) > 0));
  const atSplit = await runSent(page);
  await page.waitForFunction((n) => Number($lab('[data-testid="run-row"]')?.dataset.sent) >= n + 300, atSplit);
  await byTestId(page, 'run-stop').click();
  await page.waitForFunction(() => $lab('[data-testid="run-row"]')?.dataset.status === 'stopped');
  const sent = await runSent(page);
  await page.waitForFunction((n) => window.reader.received_count() >= n, sent, { timeout: 20_000 });
  await page.waitForTimeout(300);
  const records = (await page.evaluate(() => window.reader.records())).map(([partition, offset, key, value]) => ({ partition, offset, key, n: JSON.parse(value).n }));
  // None lost, none twice.
  assert.equal(records.length, sent);
  assert.deepEqual(records.map((r) => r.n).sort((a, b) => a - b), Array.from({ length: sent }, (_, i) => i));
  // The children received records, and the closed parent got none after the split.
  assert.ok(records.some((r) => r.partition >= 2), 'records reached the child shards');
  // Every partition key's records arrive in the order they were produced, across the split.
  for (const key of 'abcdefgh') {
    const ns = records.filter((r) => r.key === key).map((r) => r.n);
    assert.ok(ns.length > 0, `key ${key} was produced`);
    assert.deepEqual(ns, [...ns].sort((a, b) => a - b), `key ${key} in order`);
  }
  await page.evaluate(() => window.reader.stop());
  assert.deepEqual(errors, []);
}));

test("resetting a group's offsets replays its records, and is refused while the group is active", async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'ledger', 2, 'kafka');
  await page.evaluate(() => window.streamlab.produce_generated('streamlab', 'ledger', 1, 20, 30));
  const ends = await logEnds(page, 'streamlab', 'ledger', 2);
  const consume = async (n) => {
    await page.evaluate(() => { window.member = window.streamlab.start_consumer('streamlab', 'ledger', 'audit', 'earliest', ''); });
    await page.waitForFunction((n) => window.member.received_count() >= n, n);
    return triples(await page.evaluate(() => Array.from(window.member.received())));
  };
  const first = await consume(20);
  assert.equal(first.length, 20);
  // Active: the reset is refused with a message, and nothing changes.
  await byTestId(page, 'reset-group').fill('audit');
  await byTestId(page, 'reset-target').selectOption('earliest');
  await byTestId(page, 'reset-submit').click();
  await byTestId(page, 'error-message').waitFor();
  assert.match(await byTestId(page, 'error-message').innerText(), /active member/);
  // Stopped (it commits and leaves): reset to earliest, and a new member reads everything again.
  await page.evaluate(() => window.member.stop());
  await byTestId(page, 'reset-submit').click();
  await byTestId(page, 'reset-result').waitFor();
  assert.match(await byTestId(page, 'reset-result').innerText(), /group audit now starts at 0 → 0, 1 → 0/);
  const again = await consume(20);
  assert.deepEqual(again.map((r) => `${r.partition}:${r.offset}`).sort(), first.map((r) => `${r.partition}:${r.offset}`).sort());
  await page.evaluate(() => window.member.stop());
  // Per partition: partition 0 from offset 3; partition 1 keeps its commit (its end).
  await byTestId(page, 'reset-target').selectOption('offset');
  await byTestId(page, 'reset-value').fill('0:3');
  await byTestId(page, 'reset-submit').click();
  await page.waitForFunction(() => /0 → 3/.test($lab('[data-testid="reset-result"]')?.textContent ?? ''));
  const third = await consume(ends[0] - 3);
  await page.waitForTimeout(300);
  const latest = triples(await page.evaluate(() => Array.from(window.member.received())));
  assert.deepEqual(latest.map((r) => `${r.partition}:${r.offset}`), Array.from({ length: ends[0] - 3 }, (_, i) => `0:${i + 3}`));
  assert.equal(third.length, ends[0] - 3);
  await page.evaluate(() => window.member.stop());
  assert.deepEqual(errors, []);
}));

test('the charts show produce and consume throughput and lag while a producer runs', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'charted', 2, 'kafka');
  await byTestId(page, 'consumer-start').click();
  await byTestId(page, 'run-rate').fill('200');
  await byTestId(page, 'run-start').click();
  const chart = () => page.locator('[data-testid="throughput-chart"]').evaluate((c) => ({ ...c.dataset }));
  await page.waitForFunction(() => {
    const c = $lab('[data-testid="throughput-chart"]')?.dataset;
    return c && Number(c.samples) >= 3 && Number(c.producedPerS) > 0 && Number(c.consumedPerS) > 0;
  }, null, { timeout: 15_000 });
  // Rates are figures, not asserted: the machine is shared. Only that they move.
  const running = await chart();
  assert.ok(Number(running.producedPerS) > 0 && Number(running.consumedPerS) > 0);
  const points = await page.locator('.sl-chart polyline.produced').getAttribute('points');
  assert.ok(points.split(' ').length >= 3, 'the line has points');
  await byTestId(page, 'run-stop').click();
  await page.waitForFunction(() => $lab('[data-testid="throughput-chart"]')?.dataset.producedPerS === '0', null, { timeout: 10_000 });
  assert.deepEqual(errors, []);
}));
