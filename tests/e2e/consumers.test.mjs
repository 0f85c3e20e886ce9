// Consumers as a user drives them: each is a Web Worker that reads the log from a position,
// follows new records as producers append them, replays on demand, and with a group resumes from
// its commit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serveDist, withBrowser, artifactsDir, produceOne } from './harness.mjs';

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

const produce = produceOne;

async function startConsumer(page, position, value = '', group = '') {
  const before = await byTestId(page, 'consumer-row').count();
  await byTestId(page, 'consumer-position').selectOption(position);
  await byTestId(page, 'consumer-offset').fill(value);
  await byTestId(page, 'consumer-group').fill(group);
  await byTestId(page, 'consumer-start').click();
  const row = byTestId(page, 'consumer-row').nth(before);
  await row.waitFor();
  return row;
}

const consumed = (page, row, n) => page.waitForFunction(
  ([id, n]) => $lab(`[data-testid="consumer-row"][data-consumer="${id}"]`)?.dataset.consumed === String(n),
  [row, n]);

test('consumers follow the log live, start anywhere, replay, and resume from a group commit', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await byTestId(page, 'topic-create-name').fill('events');
  await byTestId(page, 'topic-create-partitions').fill('2');
  await byTestId(page, 'topic-create-submit').click();
  await page.locator('[data-testid="partition-row"]').nth(1).waitFor();
  for (const key of ['a', 'b', 'c']) await produce(page, key, `v-${key}`);

  // From the beginning: the three records already there.
  const first = await startConsumer(page, 'earliest');
  const id1 = await first.getAttribute('data-consumer');
  await consumed(page, id1, 3);
  // New records reach it without a reload: producers announce appends on a BroadcastChannel.
  await produce(page, 'd', 'v-d');
  await produce(page, 'e', 'v-e');
  await consumed(page, id1, 5);
  // The grid refreshes on its own schedule; wait until it shows all five records.
  await page.waitForFunction(() => [...$$lab('[data-testid="partition-row"]')]
    .reduce((n, r) => n + Number(r.dataset.logEndOffset), 0) === 5);
  const ends = await page.locator('[data-testid="partition-row"]').evaluateAll((rows) =>
    rows.map((r) => [r.dataset.partition, Number(r.dataset.logEndOffset)]));
  assert.equal(await first.getAttribute('data-position'), ends.map(([p, end]) => `${p}:${end}`).join(','));

  // From offset 1 in every partition.
  const second = await startConsumer(page, 'offset', '1');
  // The form keeps the user's choice when the new consumer appears.
  assert.equal(await byTestId(page, 'consumer-position').inputValue(), 'offset');
  const expected = ends.reduce((n, [, end]) => n + Math.max(0, end - 1), 0);
  await consumed(page, await second.getAttribute('data-consumer'), expected);

  // Replay: the same records flow again.
  await first.locator('[data-testid="consumer-replay"]').click();
  await consumed(page, id1, 10);
  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, 'dashboard-consumers.png'), fullPage: true });

  // A bad position is refused with a message.
  await byTestId(page, 'consumer-position').selectOption('offset');
  await byTestId(page, 'consumer-offset').fill('abc');
  await byTestId(page, 'consumer-start').click();
  await page.getByText("'abc' is not an offset").waitFor();

  // A group member commits; the next member of the group resumes after the commit.
  const member = await startConsumer(page, 'earliest', '', 'billing');
  const memberId = await member.getAttribute('data-consumer');
  await consumed(page, memberId, 5);
  await member.locator('[data-testid="consumer-commit"]').click();
  await page.waitForFunction((id) => $lab(`[data-testid="consumer-row"][data-consumer="${id}"]`)?.textContent.includes('committed'), memberId);
  await member.locator('[data-testid="consumer-stop"]').click();
  const next = await startConsumer(page, 'earliest', '', 'billing');
  const nextId = await next.getAttribute('data-consumer');
  await produce(page, 'f', 'v-f');
  await consumed(page, nextId, 1);
  assert.match(await next.textContent(), /v-f/);
  assert.deepEqual(errors, []);
}));

test('a Kinesis consumer started AT_SEQUENCE_NUMBER reads that shard from it and the other shards from TRIM_HORIZON', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await byTestId(page, 'topic-create-name').fill('clicks');
  await byTestId(page, 'topic-create-partitions').fill('2');
  await byTestId(page, 'topic-create-mode').selectOption('kinesis');
  await byTestId(page, 'topic-create-submit').click();
  await page.locator('[data-testid="partition-row"]').nth(1).waitFor();
  await page.evaluate(() => window.streamlab.produce('streamlab', 'clicks',
    Array.from({ length: 12 }, (_, i) => ({ key: `user-${i}`, value: `click-${i}` }))));
  await page.waitForFunction(() => [...$$lab('[data-testid="partition-row"]')]
    .reduce((n, r) => n + Number(r.dataset.logEndOffset), 0) === 12);
  await page.waitForFunction(() => $$lab('[data-testid="record-row"]').length === 12);
  const rows = await page.locator('[data-testid="record-row"]').evaluateAll((rs) =>
    rs.map((r) => ({ partition: Number(r.dataset.partition), offset: Number(r.dataset.offset), sequence: r.dataset.sequenceNumber })));
  assert.equal(rows.length, 12);
  const inShard = (p) => rows.filter((r) => r.partition === p).sort((a, b) => a.offset - b.offset);
  const [zero, one] = [inShard(0), inShard(1)];
  assert.ok(zero.length >= 3 && one.length >= 3, `both shards hold records: ${zero.length} and ${one.length}`);
  // Shard 1's third record's sequence number: shard 1 from it, shard 0 from its beginning.
  const at = one[2];
  const row = await startConsumer(page, 'AT_SEQUENCE_NUMBER', `shardId-000000000001:${at.sequence}`);
  const id = await row.getAttribute('data-consumer');
  await consumed(page, id, zero.length + one.length - 2);
  assert.equal(await row.getAttribute('data-position'), `0:${zero.length},1:${one.length}`);
  // AFTER_SEQUENCE_NUMBER of the same record skips it too.
  const after = await startConsumer(page, 'AFTER_SEQUENCE_NUMBER', `1:${at.sequence}`);
  await consumed(page, await after.getAttribute('data-consumer'), zero.length + one.length - 3);
  // The same number in shard 0, where it is not one of the records: shard 0 starts at the first
  // record after it, shard 1 at its beginning.
  const zeroFirst = Number(zero[0].sequence);
  if (Number(at.sequence) > zeroFirst && Number(at.sequence) < Number(zero.at(-1).sequence)) {
    const other = await startConsumer(page, 'AT_SEQUENCE_NUMBER', `0:${at.sequence}`);
    const expected = zero.filter((r) => BigInt(r.sequence) >= BigInt(at.sequence)).length + one.length;
    await consumed(page, await other.getAttribute('data-consumer'), expected);
  }
  assert.deepEqual(errors, []);
}));
