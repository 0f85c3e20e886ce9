// The walking skeleton's user path, as a user clicks it: create a topic with 3 partitions, produce
// a keyed record through the producer worker, see it in the records table with its partition and
// offset, reload, and see it still there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serveDist, withBrowser, artifactsDir, byTestId, createTopic } from './harness.mjs';

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });



async function produce(page, key, value, count = 1) {
  const before = await byTestId(page, 'produce-result').count();
  await byTestId(page, 'produce-key').fill(key);
  await byTestId(page, 'produce-value').fill(value);
  await byTestId(page, 'produce-count').fill(String(count));
  await byTestId(page, 'produce-submit').click();
  return before;
}

// Kafka's murmur2 (Utils.murmur2) in JavaScript, to check the page independently of the Rust code.
function murmur2(bytes) {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ bytes.length) | 0;
  const len4 = bytes.length & ~3;
  for (let i = 0; i < len4; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, m); k ^= k >>> 24; k = Math.imul(k, m);
    h = Math.imul(h, m); h ^= k;
  }
  switch (bytes.length % 4) {
    case 3: h ^= bytes[len4 + 2] << 16; // falls through
    case 2: h ^= bytes[len4 + 1] << 8; // falls through
    case 1: h ^= bytes[len4]; h = Math.imul(h, m);
  }
  h ^= h >>> 13; h = Math.imul(h, m); h ^= h >>> 15;
  return h | 0;
}
const kafkaPartition = (key, n) => (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % n;

test('a produced record shows its partition and offset and survives a reload', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'orders', 3, 'kafka');
  const rows = page.locator('[data-testid="partition-row"]');
  assert.equal(await rows.count(), 3);

  const expected = String(kafkaPartition('alice', 3));
  for (const [i, value] of ['{"amount": 12}', '{"amount": 30}'].entries()) {
    const before = await produce(page, 'alice', value);
    const result = byTestId(page, 'produce-result').nth(before);
    await result.waitFor();
    assert.equal(await result.getAttribute('data-key'), 'alice');
    assert.equal(await result.getAttribute('data-partition'), expected);
    assert.equal(await result.getAttribute('data-offset'), String(i));
  }
  // murmur2 sends "carol" elsewhere: toPositive(271431602) % 3 = 2.
  assert.notEqual(String(kafkaPartition('carol', 3)), expected);
  await produce(page, 'carol', 'hi');
  const carol = byTestId(page, 'produce-result').nth(2);
  await carol.waitFor();
  assert.equal(await carol.getAttribute('data-partition'), String(kafkaPartition('carol', 3)));
  assert.equal(await carol.getAttribute('data-offset'), '0');
  // N records in one click; the typed count stays for the next click.
  await produce(page, 'dave', 'twice', 2);
  await byTestId(page, 'produce-result').nth(4).waitFor();
  assert.equal(await byTestId(page, 'produce-count').inputValue(), '2');

  const record = page.locator(`[data-testid="record-row"][data-key="alice"][data-offset="1"]`);
  await record.waitFor();
  assert.equal(await record.getAttribute('data-partition'), expected);
  assert.match(await record.textContent(), /"amount": 30/);
  const partitionRow = page.locator(`[data-testid="partition-row"][data-partition="${expected}"]`);
  await page.waitForFunction(
    (p) => Number($lab(`[data-testid="partition-row"][data-partition="${p}"]`)
      ?.getAttribute('data-log-end-offset')) === 2, expected);
  assert.equal(await partitionRow.getAttribute('data-log-start-offset'), '0');

  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, 'dashboard-kafka.png'), fullPage: true });

  await page.reload();
  await page.locator('[data-testid="topic-item"][data-topic="orders"]').click();
  const persisted = page.locator('[data-testid="record-row"][data-key="alice"]');
  await persisted.nth(1).waitFor();
  assert.equal(await persisted.count(), 2);
  assert.deepEqual(
    await persisted.evaluateAll((els) => els.map((e) => [e.dataset.partition, e.dataset.offset])),
    [[expected, '0'], [expected, '1']]);
  assert.equal(await partitionRow.getAttribute('data-log-end-offset'), '2');
  assert.deepEqual(errors, []);
}));

test('bad input is refused with a message and stores nothing', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await byTestId(page, 'topic-create-name').fill('bad name!');
  await byTestId(page, 'topic-create-submit').click();
  await byTestId(page, 'error-message').waitFor();
  assert.match(await byTestId(page, 'error-message').textContent(), /' ' is not allowed/);
  // The same words next to the field that is wrong.
  assert.match(await byTestId(page, 'topic-create-error-name').textContent(), /' ' is not allowed/);
  assert.equal(await byTestId(page, 'topic-item').count(), 0);

  await byTestId(page, 'topic-create-name').fill('p0');
  await byTestId(page, 'topic-create-partitions').fill('0');
  await byTestId(page, 'topic-create-submit').click();
  await byTestId(page, 'topic-create-error-partitions').getByText('0 is not a valid number of partitions').waitFor();
  await byTestId(page, 'topic-create-partitions').fill('1');
  await page.locator('.sl-more summary').click();
  await byTestId(page, 'topic-create-max-record-bytes').fill('0');
  await byTestId(page, 'topic-create-submit').click();
  await byTestId(page, 'topic-create-error-max-record-bytes').getByText('the record size limit must be 1 to 8388608 bytes in kafka mode').waitFor();
  assert.equal(await byTestId(page, 'topic-item').count(), 0);
  // A topic with a small record limit refuses a larger record, by size.
  await byTestId(page, 'topic-create-max-record-bytes').fill('8');
  await byTestId(page, 'topic-create-name').fill('tiny');
  await byTestId(page, 'topic-create-submit').click();
  await page.locator('[data-testid="topic-item"][data-topic="tiny"]').waitFor();
  await byTestId(page, 'produce-key').fill('k');
  await byTestId(page, 'produce-value').fill('far more than eight bytes');
  await byTestId(page, 'produce-submit').click();
  await page.waitForFunction(() => /record 0 is 26 bytes; the limit is 8 bytes/.test($lab('[data-testid="error-message"]')?.innerText ?? ''));
  await byTestId(page, 'topic-create-max-record-bytes').fill('');

  await createTopic(page, 'clicks', 2, 'kinesis');
  await produce(page, '', 'no key');
  await page.getByText('a partition key is required').waitFor();
  assert.equal(await byTestId(page, 'record-row').count(), 0);

  // A value that looks like markup is shown as text, never parsed.
  await produce(page, 'k', '<img src=x onerror="window.__xss=1">');
  const row = page.locator('[data-testid="record-row"][data-key="k"]');
  await row.waitFor();
  assert.match(await row.textContent(), /<img src=x/);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(errors, []);
}));

test('kinesis records go to the shard whose hash-key range holds MD5(partition key)', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'payments', 4, 'kinesis');
  // The form keeps its mode after the new stream appears, ready for the next one.
  assert.equal(await byTestId(page, 'topic-create-mode').inputValue(), 'kinesis');
  const shards = await page.locator('[data-testid="partition-row"]').evaluateAll((els) =>
    els.map((e) => ({ id: e.dataset.shardId, start: e.dataset.startingHashKey, end: e.dataset.endingHashKey, state: e.dataset.state })));
  assert.deepEqual(shards.map((s) => s.id),
    ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003']);
  assert.equal(shards[3].end, ((1n << 128n) - 1n).toString());
  assert.ok(shards.every((s) => s.state === 'OPEN'));

  const lastSequence = new Map();
  for (const [i, key] of ['user-1', 'user-2', 'user-3', 'user-1'].entries()) {
    await produce(page, key, `v${i}`);
    const result = byTestId(page, 'produce-result').nth(i);
    await result.waitFor();
    const hashKey = BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex'));
    const owner = shards.find((s) => BigInt(s.start) <= hashKey && hashKey <= BigInt(s.end));
    assert.equal(await result.getAttribute('data-shard-id'), owner.id, key);
    // Sequence numbers are decimal strings that strictly increase within a shard.
    const sequence = BigInt(await result.getAttribute('data-sequence-number'));
    assert.ok(sequence > (lastSequence.get(owner.id) ?? -1n), `${key}: ${sequence}`);
    lastSequence.set(owner.id, sequence);
  }
  assert.equal(lastSequence.size >= 2, true, 'the keys spread over at least two shards');
  const rows = page.locator('[data-testid="record-row"]');
  await rows.nth(3).waitFor();
  assert.deepEqual(
    await rows.evaluateAll((els) => els.map((e) => e.dataset.sequenceNumber).every((s) => /^[0-9]+$/.test(s))),
    true);
  assert.deepEqual(errors, []);
  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, 'dashboard-kinesis.png'), fullPage: true });
}));
