// Every kind of bad input a user can give, through the dashboard, with the error the user sees.
// The table of these messages in docs/BAD-INPUT.md must list each one word for word, so the
// documentation and the product cannot drift apart; the run also writes the table it saw to
// target/e2e/bad-input.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDist, withBrowser, byTestId, createTopic, artifactsDir } from './harness.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const fixtures = join(root, 'tests', 'e2e', 'fixtures');
let server;
before(async () => { server = await serveDist({ '/fixtures/': fixtures }); });
after(() => server.close());

test('each bad input is refused with the message in the bad-input table, and stores nothing', async (t) => withBrowser(t, async ({ page, errors }) => {
  const rows = [];
  /** Runs `act`, waits for the error banner, records its text, and dismisses it. */
  const refused = async (what, input, act) => {
    await act();
    const banner = byTestId(page, 'error-message');
    await banner.waitFor();
    const message = (await banner.innerText()).trim();
    rows.push([what, input, message]);
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await banner.waitFor({ state: 'detached' });
  };
  const create = (name, partitions, mode) => async () => {
    await byTestId(page, 'topic-create-name').fill(name);
    await byTestId(page, 'topic-create-partitions').fill(String(partitions));
    await byTestId(page, 'topic-create-mode').selectOption(mode);
    await byTestId(page, 'topic-create-submit').click();
  };
  const produce = (key, value, { count = '1', target = '', headers = '' } = {}) => async () => {
    await byTestId(page, 'produce-key').fill(key);
    await byTestId(page, 'produce-value').fill(value);
    await byTestId(page, 'produce-count').fill(count);
    await byTestId(page, 'produce-target').fill(target);
    await byTestId(page, 'produce-headers').fill(headers);
    await byTestId(page, 'produce-submit').click();
  };
  const total = () => page.locator('[data-testid="partition-row"]')
    .evaluateAll((rs) => rs.reduce((n, r) => n + Number(r.dataset.logEndOffset), 0));

  await page.goto(server.url);
  await refused('Kafka topic name', '`bad name!`', create('bad name!', 1, 'kafka'));
  await refused('Kafka topic name', '250 × `a`', create('a'.repeat(250), 1, 'kafka'));
  await refused('Kafka topic name', '`..`', create('..', 1, 'kafka'));
  await refused('Kinesis stream name', '`a/b`', create('a/b', 1, 'kinesis'));
  await refused('partitions', '`0`', create('p', 0, 'kafka'));
  await refused('partitions', '`5000`', create('p', 5000, 'kafka'));
  assert.equal(await byTestId(page, 'topic-item').count(), 0, 'no topic was created');

  await createTopic(page, 'orders', 2, 'kafka');
  await refused('Kafka partition', '`9` (of 2)', produce('k', 'v', { target: '9' }));
  await refused('header', '`oops`', produce('k', 'v', { headers: 'oops' }));
  await refused('record count', '`0`', produce('k', 'v', { count: '0' }));
  await refused('record count', '`10001`', produce('k', 'v', { count: '10001' }));
  await byTestId(page, 'records-partition').selectOption('0');
  await refused('records jump: offset', '`500` (log has none)', async () => {
    await byTestId(page, 'records-jump-kind').selectOption('offset');
    await byTestId(page, 'records-jump-value').fill('500');
    await byTestId(page, 'records-jump-submit').click();
  });
  await refused('records jump: sequence number', '`twelve`', async () => {
    await byTestId(page, 'records-jump-kind').selectOption('sequence');
    await byTestId(page, 'records-jump-value').fill('twelve');
    await byTestId(page, 'records-jump-submit').click();
  });
  await refused('records jump: sequence number', '`123` (log has none)', async () => {
    await byTestId(page, 'records-jump-kind').selectOption('sequence');
    await byTestId(page, 'records-jump-value').fill('123');
    await byTestId(page, 'records-jump-submit').click();
  });
  await refused('consumer start offset', '`-1`', async () => {
    await page.locator('[data-testid="consumer-position"]').selectOption('offset');
    await byTestId(page, 'consumer-offset').fill('-1');
    await byTestId(page, 'consumer-start').click();
  });
  await refused('consumer group', 'a control character', async () => {
    await page.locator('[data-testid="consumer-position"]').selectOption('earliest');
    await byTestId(page, 'consumer-offset').fill('');
    await byTestId(page, 'consumer-group').fill('g\u0007');
    await byTestId(page, 'consumer-start').click();
  });
  await byTestId(page, 'consumer-group').fill('');
  await refused('JSON Lines import', 'line 3 `{"key":"k","value":7}`', () => byTestId(page, 'topic-import').setInputFiles({
    name: 'bad.jsonl', mimeType: 'text/plain', buffer: Buffer.from('{"value":"fine"}\n\n{"key":"k","value":7}\n') }));
  await refused('JSON Lines import', 'line 1 `not json`', () => byTestId(page, 'topic-import').setInputFiles({
    name: 'worse.jsonl', mimeType: 'text/plain', buffer: Buffer.from('not json\n') }));
  assert.equal(await total(), 0, 'nothing was stored in orders');

  await createTopic(page, 'limits', 1, 'kafka');
  // (The size limit is a create option; a default topic takes 1 MiB.)
  await refused('oversize record', 'key `k` and a 1,048,577-byte value', produce('k', 'x'.repeat(1_048_577)));
  assert.equal(await total(), 0, 'nothing was stored in limits');

  await createTopic(page, 'clicks', 2, 'kinesis');
  await refused('Kinesis partition key', 'empty', produce('', 'v'));
  await refused('Kinesis partition key', '257 × `k`', produce('k'.repeat(257), 'v'));
  await refused('explicit hash key', '`2^128`', produce('k', 'v', { target: '340282366920938463463374607431768211456' }));
  await refused('explicit hash key', '`abc`', produce('k', 'v', { target: 'abc' }));
  await refused('PutRecords request', '501 records', produce('k', 'v', { count: '501' }));
  const startAt = (value) => async () => {
    await page.locator('[data-testid="consumer-position"]').selectOption('AT_SEQUENCE_NUMBER');
    await byTestId(page, 'consumer-offset').fill(value);
    await byTestId(page, 'consumer-start').click();
  };
  await refused('consumer start sequence number', '`AT_SEQUENCE_NUMBER 1:x`', startAt('1:x'));
  await refused('consumer start sequence number', '`AT_SEQUENCE_NUMBER 42` (no shard)', startAt('42'));
  await refused('consumer start sequence number', '`AT_SEQUENCE_NUMBER 7:0` (of 2 shards)', startAt('7:0'));
  await refused('consumer start sequence number', '`AT_SEQUENCE_NUMBER 1:5` (never assigned)', startAt('1:5'));
  assert.equal(await total(), 0, 'nothing was stored in clicks');

  // Markup in a value is stored and shown as text, never run.
  await produce('k', '<script>window.__ran=1</script><img src=x onerror="window.__ran=2">')();
  const row = page.locator('[data-testid="record-row"][data-key="k"]');
  await row.waitFor();
  assert.match(await row.innerText(), /<script>window.__ran=1<\/script><img src=x onerror="window.__ran=2">/);
  assert.equal(await page.evaluate(() => window.__ran), undefined);

  // A scenario file with a mistake, on an embedding page.
  await page.goto(`${server.url}fixtures/bad-scenario.html`);
  const bad = page.locator('#bad [data-testid="error-message"]');
  await bad.waitFor();
  rows.push(['scenario file', 'a step naming an undeclared topic', (await bad.innerText()).trim()]);

  const table = ['| what | input | the error the user sees |', '|---|---|---|',
    ...rows.map(([w, i, m]) => `| ${w} | ${i} | ${m.replaceAll('|', '\\|')} |`)].join('\n');
  await mkdir(artifactsDir, { recursive: true });
  await writeFile(join(artifactsDir, 'bad-input.md'), `${table}\n`);
  const documented = await readFile(join(root, 'docs', 'BAD-INPUT.md'), 'utf8');
  for (const [w, i, m] of rows) {
    assert.ok(documented.includes(`| ${w} | ${i} | ${m.replaceAll('|', '\\|')} |`), `docs/BAD-INPUT.md lists: ${w} ${i} → ${m}`);
  }
  console.log(`bad input: ${rows.length} cases refused with the documented message`);
  assert.deepEqual(errors, []);
}));
