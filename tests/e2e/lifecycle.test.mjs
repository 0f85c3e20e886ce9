// What happens to a log over time, from the dashboard: Kinesis resharding with lineage, adding
// Kafka partitions, compaction and the table view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serveDist, withBrowser, artifactsDir } from './harness.mjs';

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function createTopic(page, name, partitions, mode, { cleanup } = {}) {
  await byTestId(page, 'topic-create-name').fill(name);
  await byTestId(page, 'topic-create-partitions').fill(String(partitions));
  await byTestId(page, 'topic-create-mode').selectOption(mode);
  if (cleanup) {
    await page.locator('.sl-more summary').click();
    await byTestId(page, 'topic-create-cleanup').selectOption(cleanup);
  }
  await byTestId(page, 'topic-create-submit').click();
}

// Produces one record and waits until the partition grid shows it (the results panel keeps only
// the latest eight); returns the newest result.
async function produce(page, key, value) {
  const totalEnd = (expected) => [...$$lab('[data-testid="partition-row"]')]
    .reduce((n, r) => n + Number(r.dataset.logEndOffset), 0) === expected;
  const before = await page.locator('[data-testid="partition-row"]').evaluateAll((rows) =>
    rows.reduce((n, r) => n + Number(r.dataset.logEndOffset), 0));
  await byTestId(page, 'produce-key').fill(key);
  await byTestId(page, 'produce-value').fill(value);
  await byTestId(page, 'produce-submit').click();
  await page.waitForFunction(totalEnd, before + 1);
  return byTestId(page, 'produce-result').last();
}

const shards = (page) => page.locator('[data-testid="partition-row"]').evaluateAll((rows) => rows.map((r) => ({
  id: r.dataset.shardId, state: r.dataset.state, parents: r.dataset.parents,
  start: BigInt(r.dataset.startingHashKey), end: BigInt(r.dataset.endingHashKey),
})));

test('splitting and merging shards keeps lineage and routes only to open shards', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'payments', 2, 'kinesis');
  await page.locator('[data-testid="partition-row"]').nth(1).waitFor();
  await produce(page, 'before-split', 'v');
  const [parent] = await shards(page);

  await byTestId(page, 'shard-split').first().click();
  await page.locator('[data-testid="partition-row"]').nth(3).waitFor();
  let rows = await shards(page);
  assert.equal(rows[0].state, 'CLOSED');
  assert.deepEqual([rows[2].parents, rows[3].parents], ['0', '0']);
  assert.equal(rows[2].start, parent.start);
  assert.equal(rows[3].end, parent.end);
  assert.equal(rows[2].end + 1n, rows[3].start);
  assert.ok(rows[2].start < rows[2].end && rows[3].start <= rows[3].end);

  // Keys in the closed parent's range now land in its children.
  for (let i = 0; i < 12; i++) {
    const key = `user-${i}`;
    const hash = BigInt('0x' + createHash('md5').update(key).digest('hex'));
    const result = await produce(page, key, 'after');
    const owner = rows.find((s) => s.state === 'OPEN' && s.start <= hash && hash <= s.end);
    assert.equal(await result.getAttribute('data-shard-id'), owner.id, key);
  }

  // The right child touches shard 1: merge them.
  await page.locator('[data-testid="partition-row"][data-partition="3"] [data-testid="shard-merge"]').click();
  await page.locator('[data-testid="partition-row"]').nth(4).waitFor();
  rows = await shards(page);
  assert.deepEqual(rows.map((s) => s.state), ['CLOSED', 'CLOSED', 'OPEN', 'CLOSED', 'OPEN']);
  assert.equal(rows[4].parents, '3,1');
  assert.equal(rows[4].start, rows[3].start);
  assert.equal(rows[4].end, (1n << 128n) - 1n);
  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, 'dashboard-reshard.png'), fullPage: true });
  assert.deepEqual(errors, []);
}));

test('kafka topics grow by partitions; compaction keeps the newest value per key', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'grow', 2, 'kafka');
  await page.locator('[data-testid="partition-row"]').nth(1).waitFor();
  await byTestId(page, 'partition-add').click();
  await page.locator('[data-testid="partition-row"]').nth(2).waitFor();
  assert.equal(await page.locator('[data-testid="partition-row"]').count(), 3);

  // A setting of the other system is refused with a message.
  await createTopic(page, 'bad-compact', 1, 'kinesis', { cleanup: 'compact' });
  await byTestId(page, 'error-message').getByText('cleanup.policy=compact is a kafka setting').waitFor();
  await byTestId(page, 'topic-create-error-cleanup').getByText('cleanup.policy=compact is a kafka setting').waitFor();

  await byTestId(page, 'topic-create-mode').selectOption('kafka');
  await byTestId(page, 'topic-create-name').fill('prices');
  await byTestId(page, 'topic-create-partitions').fill('1');
  await byTestId(page, 'topic-create-submit').click();
  await page.locator('[data-testid="topic-item"][data-topic="prices"]').waitFor();
  for (const [key, value] of [['apple', '1.00'], ['pear', '2.00'], ['apple', '1.10'], ['apple', '1.20']]) {
    await produce(page, key, value);
  }
  await page.locator('[data-testid="table-row"][data-key="apple"][data-value="1.20"]').waitFor();
  assert.equal(await page.locator('[data-testid="table-row"]').count(), 2);
  await page.locator('[data-testid="record-row"][data-key="apple"]').nth(2).waitFor();

  await byTestId(page, 'topic-clean').click();
  await byTestId(page, 'cleanup-result').waitFor();
  assert.match(await byTestId(page, 'cleanup-result').textContent(), /rewritten/);
  // Only the newest apple is left, at its original offset; the table is unchanged.
  await page.waitForFunction(() => $$lab('[data-testid="record-row"][data-key="apple"]').length === 1);
  assert.equal(await page.locator('[data-testid="record-row"][data-key="apple"]').getAttribute('data-offset'), '3');
  assert.equal(await page.locator('[data-testid="table-row"][data-key="apple"]').getAttribute('data-value'), '1.20');
  assert.deepEqual(errors, []);
}));

test('deleting a topic removes it and its records; the name starts over empty', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'scratch', 1, 'kafka');
  await page.locator('[data-testid="partition-row"]').first().waitFor();
  await produce(page, 'a', 'one');
  await produce(page, 'b', 'two');
  await byTestId(page, 'consumer-start').click();
  await page.waitForFunction(() => $lab('[data-testid="consumer-row"]')?.dataset.consumed === '2');

  await byTestId(page, 'topic-delete').click();
  await byTestId(page, 'topic-delete-confirm').click();
  await page.getByText('Create a topic to begin').waitFor();
  assert.equal(await page.locator('[data-testid="topic-item"][data-topic="scratch"]').count(), 0);
  assert.equal(await byTestId(page, 'error-message').count(), 0);

  // Deleted for good: after a reload it is still gone, and the name starts from offset 0.
  await page.reload();
  await byTestId(page, 'topic-create-name').waitFor();
  assert.equal(await byTestId(page, 'topic-item').count(), 0);
  await createTopic(page, 'scratch', 1, 'kafka');
  await page.locator('[data-testid="partition-row"]').first().waitFor();
  const result = await produce(page, 'c', 'three');
  assert.equal(await result.getAttribute('data-offset'), '0');
  assert.equal(await page.locator('[data-testid="record-row"]').count(), 1);
  assert.deepEqual(errors, []);
}));
