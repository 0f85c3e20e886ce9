// The records table as a user browses it: one partition page by page, jumps to an offset, a
// key search, values as text, JSON or hex, and values always shown as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, withBrowser, byTestId, createTopic, produceOne } from './harness.mjs';

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });

const offsets = (page) => page.locator('[data-testid="record-row"]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.offset)));

const produce = produceOne;

test('a partition pages, jumps to an offset, and searches by key', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'pages', 2, 'kafka');
  // 120 records with one key, so one partition holds them all.
  await page.evaluate(() => window.streamlab.produce_with_workers('streamlab', 'pages', 1, 120, 'p'));
  const lengths = await page.evaluate(async () => [0, 1].map(async (p) => (await window.streamlab.read_partition('streamlab', 'pages', p)).length)).then((ps) => Promise.all(ps));
  const partition = lengths[0] === 120 ? 0 : 1;
  await byTestId(page, 'records-partition').selectOption(String(partition));
  // Live: the newest page.
  await page.waitForFunction(() => $$lab('[data-testid="record-row"]').length === 50 && $lab('[data-testid="record-row"]').dataset.offset === '70');
  assert.match(await byTestId(page, 'records-range').innerText(), /offsets 70–119 of 0–119\s+live/);
  await byTestId(page, 'records-first').click();
  await page.waitForFunction(() => $lab('[data-testid="record-row"]')?.dataset.offset === '0');
  assert.deepEqual(await offsets(page), Array.from({ length: 50 }, (_, i) => i));
  await byTestId(page, 'records-next').click();
  await page.waitForFunction(() => $lab('[data-testid="record-row"]')?.dataset.offset === '50');
  // Jump to an offset; one outside the log is an error in words.
  await byTestId(page, 'records-jump-value').fill('7');
  await byTestId(page, 'records-jump-submit').click();
  await page.waitForFunction(() => $lab('[data-testid="record-row"]')?.dataset.offset === '7');
  await byTestId(page, 'records-jump-value').fill('500');
  await byTestId(page, 'records-jump-submit').click();
  await byTestId(page, 'error-message').waitFor();
  assert.match(await byTestId(page, 'error-message').innerText(), /offset 500 is out of range/);
  await byTestId(page, 'records-jump-kind').selectOption('sequence');
  await byTestId(page, 'records-jump-value').fill('twelve');
  await byTestId(page, 'records-jump-submit').click();
  await page.waitForFunction(() => /not a sequence number/.test($lab('[data-testid="error-message"]')?.innerText ?? ''));
  // Back to the newest, live: a new record shows up without a click.
  await byTestId(page, 'records-tail').click();
  await produce(page, 'p-0', 'the newest');
  await page.waitForFunction(() => [...$$lab('[data-testid="record-row"]')].some((r) => r.dataset.offset === '120'));
  // Search by key, across every partition.
  await byTestId(page, 'records-partition').selectOption('');
  await produce(page, 'needle-1', '{"amount": 12}');
  await byTestId(page, 'records-search').fill('needle');
  await byTestId(page, 'records-search-submit').click();
  await page.waitForFunction(() => $$lab('[data-testid="record-row"]').length === 1);
  assert.equal(await byTestId(page, 'record-row').getAttribute('data-key'), 'needle-1');
  assert.deepEqual(errors, []);
}));

test('values show as text, pretty JSON or hex, and markup in a value stays text', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'shapes', 1, 'kafka');
  await produce(page, 'json', '{"amount": 12, "items": [1, 2]}');
  await produce(page, 'html', '<img src=x onerror="window.injected=1"><b>bold</b>');
  const value = (key) => page.locator(`[data-testid="record-row"][data-key="${key}"] [data-testid="record-value"]`);
  await value('html').waitFor();
  assert.equal(await value('html').innerText(), '<img src=x onerror="window.injected=1"><b>bold</b>');
  assert.equal(await page.locator('.sl-records img, .sl-records b').count(), 0, 'no markup was created');
  assert.equal(await page.evaluate(() => window.injected), undefined);
  await byTestId(page, 'records-format').selectOption('json');
  await page.waitForFunction(() => $lab('[data-testid="record-row"][data-key="json"] pre'));
  assert.equal(await value('json').innerText(), '{\n  "amount": 12,\n  "items": [\n    1,\n    2\n  ]\n}');
  assert.match(await value('html').innerText(), /\(not JSON\)/);
  await byTestId(page, 'records-format').selectOption('hex');
  await page.waitForFunction(() => /^7b 22 61 6d/.test($lab('[data-testid="record-row"][data-key="json"] pre')?.innerText ?? ''));
  assert.deepEqual(errors, []);
}));

test('records carry headers, and go to an explicit partition or hash key when asked', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'routed', 3, 'kafka');
  await byTestId(page, 'produce-headers').fill('trace=abc, source=web');
  await byTestId(page, 'produce-target').fill('2');
  await produce(page, 'anything', 'v1');
  assert.equal(await byTestId(page, 'produce-result').last().getAttribute('data-partition'), '2');
  const row = page.locator('[data-testid="record-row"][data-key="anything"]');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-partition'), '2');
  assert.match(await row.innerText(), /trace=abc, source=web/);
  // A partition that does not exist, or a header without '=', is refused with a message.
  await byTestId(page, 'produce-target').fill('9');
  await byTestId(page, 'produce-submit').click();
  await page.waitForFunction(() => /partition 9 does not exist/.test($lab('[data-testid="error-message"]')?.innerText ?? ''));
  await byTestId(page, 'produce-target').fill('');
  await byTestId(page, 'produce-headers').fill('oops');
  await byTestId(page, 'produce-submit').click();
  await page.waitForFunction(() => /header 'oops' is not name=value/.test($lab('[data-testid="error-message"]')?.innerText ?? ''));

  // Kinesis: an explicit hash key picks the shard whose range holds it, whatever the key.
  await createTopic(page, 'hashed', 2, 'kinesis');
  await byTestId(page, 'produce-headers').fill('');
  await byTestId(page, 'produce-target').fill('0');
  await produce(page, 'same-key', 'low');
  assert.equal(await byTestId(page, 'produce-result').last().getAttribute('data-shard-id'), 'shardId-000000000000');
  // The grid shows the shard's first and last sequence numbers: here, that one record's.
  const seq = await byTestId(page, 'produce-result').last().getAttribute('data-sequence-number');
  await page.waitForFunction((seq) => $lab('[data-testid="partition-row"][data-partition="0"] [data-testid="sequence-range"]')?.innerText.replace(/\s+/g, ' ').trim() === `${seq} … ${seq}`, seq);
  await byTestId(page, 'produce-target').fill('340282366920938463463374607431768211455');
  await produce(page, 'same-key', 'high');
  assert.equal(await byTestId(page, 'produce-result').last().getAttribute('data-shard-id'), 'shardId-000000000001');
  await byTestId(page, 'produce-target').fill('340282366920938463463374607431768211456');
  await byTestId(page, 'produce-submit').click();
  await page.waitForFunction(() => /explicit hash key/.test($lab('[data-testid="error-message"]')?.innerText ?? ''));
  assert.deepEqual(errors, []);
}));

test('the Kafka ⇄ Kinesis toggle shows the same data in the other words and keeps the topic\'s rules', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'orders', 2, 'kafka');
  await produce(page, 'alice', 'v1');
  const record = page.locator('[data-testid="record-row"][data-key="alice"]');
  await record.waitFor();
  assert.equal(await byTestId(page, 'mode-toggle').getAttribute('data-mode'), 'kafka');
  assert.equal(await record.getAttribute('data-sequence-number'), null);
  await byTestId(page, 'mode-toggle').click();
  await page.waitForFunction(() => $lab('[data-testid="mode-toggle"]')?.dataset.mode === 'kinesis');
  // The same partitions as shards, the same records with their sequence numbers.
  const rows = await page.locator('[data-testid="partition-row"]').evaluateAll((rs) => rs.map((r) => r.dataset.shardId));
  assert.deepEqual(rows, ['shardId-000000000000', 'shardId-000000000001']);
  assert.match(await record.getAttribute('data-sequence-number'), /^\d{10,}$/);
  assert.match(await page.locator('.sl-records thead').innerText(), /Shard\s+Offset\s+Sequence number\s+Partition key/);
  // The topic keeps Kafka's rules: a keyless record is still fine, and it has no hash-key ranges.
  await produce(page, '', 'no key');
  assert.match(await byTestId(page, 'produce-result').last().getAttribute('data-shard-id'), /^shardId-/);
  assert.match(await page.locator('[data-testid="partition-row"]').first().innerText(), /murmur2/);
  await byTestId(page, 'mode-toggle').click();
  await page.waitForFunction(() => $lab('[data-testid="mode-toggle"]')?.dataset.mode === 'kafka');
  assert.equal(await page.locator('[data-testid="partition-row"]').first().getAttribute('data-shard-id'), null);
  assert.deepEqual(errors, []);
}));

test('the byte inspector labels a stored batch, and a flipped byte fails the CRC check in the demo copy only', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'bytes', 1, 'kafka');
  await byTestId(page, 'produce-count').fill('2');
  await byTestId(page, 'produce-key').fill('k');
  await byTestId(page, 'produce-value').fill('hello');
  await byTestId(page, 'produce-submit').click();
  await page.locator('[data-testid="record-row"][data-offset="1"]').waitFor();
  await page.locator('[data-testid="record-row"][data-offset="1"] [data-testid="record-inspect"]').click();
  const check = byTestId(page, 'byte-check');
  await check.waitFor();
  assert.equal(await check.getAttribute('data-ok'), 'true');
  assert.match(await check.innerText(), /CRC-32C checks out: 2 records, offsets 0–1/);
  const field = (name) => page.locator(`[data-testid="byte-field"][data-field="${name}"]`);
  assert.match(await field('CRC-32C').innerText(), /1–4\s+0x[0-9a-f]{8}/);
  assert.match(await field('base offset').innerText(), /5–12\s+0/);
  assert.match(await field('record count').innerText(), /\s2$/);
  assert.match(await field('record 1 value').innerText(), /hello/);
  // Flip a byte of the first record's value: the copy fails its CRC check, named.
  await byTestId(page, 'byte-flip-index').fill('60');
  await byTestId(page, 'byte-flip-submit').click();
  await page.waitForFunction(() => $lab('[data-testid="byte-check"]')?.dataset.ok === 'false');
  assert.match(await check.innerText(), /Rejected: batch CRC mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/);
  assert.equal(await page.locator('.sl-byte.flipped').count(), 1);
  await byTestId(page, 'byte-reset').click();
  await page.waitForFunction(() => $lab('[data-testid="byte-check"]')?.dataset.ok === 'true');
  // The stored batch never changed.
  const rows = await page.evaluate(() => window.streamlab.read_partition('streamlab', 'bytes', 0));
  assert.deepEqual(rows.map(([o, k, v]) => [o, k, v]), [[0, 'k', 'hello'], [1, 'k', 'hello']]);
  assert.deepEqual(errors, []);
}));

test('a topic exports as JSON Lines and imports again; a bad line is refused by its number', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'source', 2, 'kafka');
  await byTestId(page, 'produce-headers').fill('trace=abc');
  await produce(page, 'alice', '{"amount": 12}');
  await byTestId(page, 'produce-headers').fill('');
  await produce(page, 'bob', 'two');
  await page.locator('[data-testid="record-row"]').nth(1).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'topic-export').click()]);
  assert.equal(download.suggestedFilename(), 'source.jsonl');
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(await download.path(), 'utf8');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  const alice = lines.find((l) => l.key === 'alice');
  assert.deepEqual([alice.value, alice.headers], ['{"amount": 12}', [['trace', 'abc']]]);
  assert.match(await byTestId(page, 'export-result').innerText(), /exported 2 records to source.jsonl/);

  // Into a new topic: same keys, values, headers and partitions; new offsets.
  await createTopic(page, 'copy', 2, 'kafka');
  await byTestId(page, 'topic-import').setInputFiles({ name: 'source.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
  await page.waitForFunction(() => /imported 2 records/.test($lab('[data-testid="import-result"]')?.innerText ?? ''));
  const copied = page.locator('[data-testid="record-row"][data-key="alice"]');
  await copied.waitFor();
  assert.equal(await copied.getAttribute('data-partition'), String(alice.partition));
  assert.match(await copied.innerText(), /trace=abc/);

  // A bad line: refused whole, by its number, and nothing is imported.
  await byTestId(page, 'topic-import').setInputFiles({ name: 'bad.jsonl', mimeType: 'text/plain', buffer: Buffer.from('{"value":"fine"}\n\n{"key":"k","value":7}\n') });
  await page.waitForFunction(() => /bad.jsonl: line 3: "value" must be a string or null, not a number/.test($lab('[data-testid="error-message"]')?.innerText ?? ''));
  const total = () => page.locator('[data-testid="partition-row"]').evaluateAll((rows) => rows.reduce((n, r) => n + Number(r.dataset.logEndOffset), 0));
  assert.equal(await total(), 2);

  // A bigger file shows its progress to the end.
  const many = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ key: `k${i % 50}`, value: `v${i}` })).join('\n');
  await byTestId(page, 'topic-import').setInputFiles({ name: 'many.jsonl', mimeType: 'text/plain', buffer: Buffer.from(many) });
  await page.waitForFunction(() => $lab('[data-testid="import-result"]')?.dataset.done === '3000', null, { timeout: 60_000 });
  assert.equal(await byTestId(page, 'import-progress').getAttribute('value'), '3000');
  await page.waitForFunction(() => [...$$lab('[data-testid="partition-row"]')].reduce((n, r) => n + Number(r.dataset.logEndOffset), 0) === 3002);
  assert.deepEqual(errors, []);
}));

test('a damaged stored batch is reported where it is, the rest still reads, and the log can be truncated there', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, 'damaged', 1, 'kafka');
  // Three batches of two records: offsets 0–1, 2–3, 4–5.
  for (const [i, key] of ['a', 'b', 'c'].entries()) {
    await byTestId(page, 'produce-key').fill(key);
    await byTestId(page, 'produce-value').fill(`value-${key}`);
    await byTestId(page, 'produce-count').fill('2');
    await byTestId(page, 'produce-submit').click();
    await byTestId(page, 'produce-result').nth(2 * i + 1).waitFor();
  }
  await page.locator('[data-testid="record-row"][data-offset="5"]').waitFor();
  // Flip one byte of the stored batch at base offset 2, straight in IndexedDB.
  await page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => { const r = indexedDB.open('streamlab'); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
    const tx = db.transaction('batches', 'readwrite');
    const store = tx.objectStore('batches');
    const key = ['damaged', 0, 2];
    const value = await new Promise((resolve) => { const r = store.get(key); r.onsuccess = () => resolve(r.result); });
    const bytes = new Uint8Array(value);
    bytes[bytes.length - 3] ^= 0x01;
    store.put(bytes, key);
    await new Promise((resolve) => { tx.oncomplete = resolve; });
    db.close();
  });
  await page.reload();
  await page.locator('[data-testid="topic-item"][data-topic="damaged"]').click();
  const banner = byTestId(page, 'corrupt-batch');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('data-base-offset'), '2');
  assert.match(await banner.innerText(), /partition 0: the batch at base offset 2 is damaged \(batch CRC mismatch/);
  // The batches before and after it still read.
  await page.locator('[data-testid="record-row"][data-offset="5"]').waitFor();
  assert.deepEqual(await page.locator('[data-testid="record-row"]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.offset))), [0, 1, 4, 5]);
  // Truncate there: the damaged batch and everything after it go; the next record takes offset 2.
  await byTestId(page, 'truncate-at-bad-batch').click();
  await page.waitForFunction(() => !$lab('[data-testid="corrupt-batch"]'));
  await byTestId(page, 'cleanup-result').getByText('truncated damaged-0 at offset 2: 2 batches removed; the log ends at 2').waitFor();
  await byTestId(page, 'produce-count').fill('1');
  await produce(page, 'd', 'after');
  assert.equal(await byTestId(page, 'produce-result').last().getAttribute('data-offset'), '2');
  assert.deepEqual(errors, []);
}));
