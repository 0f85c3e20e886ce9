// The dashboard driving a Kinesis endpoint (kinesalite: the one make test started, named in
// STREAMLAB_KINESALITE, or one of this file's own): switch the backend, connect, create a stream
// of 4 shards, put keyed records and see them land on the shards the in-browser log picked for
// the same keys, split a shard, and replay the closed parent to its end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { serveDist, withBrowser, byTestId, artifactsDir, createTopic } from './harness.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
let server;
let endpoint = process.env.STREAMLAB_KINESALITE;
let own;

before(async () => {
  server = await serveDist();
  if (!endpoint) {
    own = spawn('node', [join(root, 'tests', 'kinesis', 'kinesalite.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = await createInterface({ input: own.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value]);
    endpoint = line.split(' ')[1];
  }
});
after(() => {
  server.close();
  own?.kill();
});

const KEYS = Array.from({ length: 12 }, (_, n) => `customer-${n}`);

/** key → shard id, from the produce results shown. */
const placements = (page) => byTestId(page, 'produce-result')
  .evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.dataset.key, r.dataset.shardId])));

test('the dashboard drives a Kinesis endpoint: same routing as the in-browser log, a split, a replay to the end of the closed shard', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  // The in-browser log: a Kinesis stream of 4 shards in IndexedDB, one record per key.
  await createTopic(page, 'orders', 4, 'kinesis');
  // (The dashboard lists only its last 8 results: read each one as it comes.)
  const inBrowser = {};
  for (const key of KEYS) {
    await byTestId(page, 'produce-key').fill(key);
    await byTestId(page, 'produce-value').fill(`order ${key}`);
    await byTestId(page, 'produce-count').fill('1');
    await byTestId(page, 'produce-submit').click();
    inBrowser[key] = await page.locator(`[data-testid="produce-result"][data-key="${key}"]`).getAttribute('data-shard-id');
  }
  assert.equal(Object.keys(inBrowser).length, KEYS.length);

  // Switch the backend and connect; the keys are typed, never put in the page's address.
  await byTestId(page, 'backend-kinesis').click();
  await byTestId(page, 'kinesis-endpoint').fill(endpoint);
  await byTestId(page, 'kinesis-region').fill('us-east-1');
  await byTestId(page, 'kinesis-access-key').fill('AKIDEXAMPLE');
  await byTestId(page, 'kinesis-secret-key').fill('kinesalite-accepts-any-key');
  await byTestId(page, 'kinesis-connect').click();
  await page.locator(`[data-testid="kinesis-connection"][data-endpoint="${endpoint}"]`).waitFor();

  const stream = `orders-${Date.now()}`;
  await byTestId(page, 'topic-create-name').fill(stream);
  await byTestId(page, 'topic-create-partitions').fill('4');
  await byTestId(page, 'topic-create-submit').click();
  await page.locator('[data-testid="stream-status"][data-status="ACTIVE"]').waitFor();
  const rows = () => byTestId(page, 'partition-row');
  assert.equal(await rows().count(), 4);

  // PutRecords with the same keys: every record lands on the shard the in-browser log chose.
  await byTestId(page, 'produce-key').fill('customer-${n}');
  await byTestId(page, 'produce-value').fill('order customer-${n}');
  await byTestId(page, 'produce-count').fill(String(KEYS.length));
  await byTestId(page, 'produce-submit').click();
  await byTestId(page, 'produce-result').nth(KEYS.length - 1).waitFor();
  const remote = await placements(page);
  assert.deepEqual(remote, inBrowser);

  // SplitShard: shard 0 closes, two children take its hash keys.
  await page.locator('[data-testid="partition-row"][data-shard-id="shardId-000000000000"] [data-testid="shard-split"]').click();
  await page.locator('[data-testid="partition-row"][data-shard-id="shardId-000000000000"][data-state="CLOSED"]').waitFor();
  const children = await page.locator('[data-testid="partition-row"][data-parent="shardId-000000000000"]')
    .evaluateAll((rs) => rs.map((r) => [r.dataset.shardId, r.dataset.startingHashKey, r.dataset.endingHashKey]));
  assert.equal(children.length, 2);
  const parent = await page.locator('[data-testid="partition-row"][data-shard-id="shardId-000000000000"]')
    .evaluate((r) => [r.dataset.startingHashKey, r.dataset.endingHashKey]);
  assert.equal(children[0][1], parent[0]);
  assert.equal(children[1][2], parent[1]);
  assert.equal(BigInt(children[1][1]), BigInt(children[0][2]) + 1n);

  // Replay the closed parent from TRIM_HORIZON: its records, then its end and its children.
  await byTestId(page, 'records-shard').selectOption('shardId-000000000000');
  await byTestId(page, 'records-from').selectOption('TRIM_HORIZON');
  await byTestId(page, 'records-read').click();
  await page.locator('[data-testid="records-end"][data-ended="true"]').waitFor();
  const replayed = await byTestId(page, 'record-row').evaluateAll((rs) => rs.map((r) => r.dataset.key));
  const expected = KEYS.filter((k) => inBrowser[k] === 'shardId-000000000000');
  assert.deepEqual(replayed, expected);
  const ends = await byTestId(page, 'records-end').getAttribute('data-children');
  assert.deepEqual(ends.split(',').sort(), children.map((c) => c[0]).sort());

  // A consumer application reads every record once, parents before children, and checkpoints
  // in this browser's IndexedDB.
  const consume = async () => {
    const shown = byTestId(page, 'kinesis-consumed');
    const run = (await shown.count()) === 0 ? 0 : Number(await shown.getAttribute('data-run'));
    await byTestId(page, 'kinesis-application').fill('billing');
    await byTestId(page, 'kinesis-consume').click();
    await page.locator(`[data-testid="kinesis-consumed"][data-run="${run + 1}"]`).waitFor();
    return Number(await shown.getAttribute('data-count'));
  };
  assert.equal(await consume(), KEYS.length);
  const leases = await byTestId(page, 'lease-row').evaluateAll((rs) => Object.fromEntries(rs.map((r) => [r.dataset.shardId, r.dataset.checkpoint])));
  assert.equal(leases['shardId-000000000000'], 'SHARD_END');
  assert.equal(await consume(), 0);
  await byTestId(page, 'produce-key').fill('late-${n}');
  await byTestId(page, 'produce-value').fill('late ${n}');
  await byTestId(page, 'produce-count').fill('4');
  await byTestId(page, 'produce-submit').click();
  await page.locator('[data-testid="produce-result"][data-key="late-3"]').waitFor();
  assert.equal(await consume(), 4);

  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, 'dashboard-kinesis-endpoint.png'), fullPage: true });

  // After a reload the checkpoints are still there: the application reads nothing old.
  await page.reload();
  await byTestId(page, 'backend-kinesis').click();
  await byTestId(page, 'kinesis-endpoint').fill(endpoint);
  await byTestId(page, 'kinesis-access-key').fill('AKIDEXAMPLE');
  await byTestId(page, 'kinesis-secret-key').fill('kinesalite-accepts-any-key');
  await byTestId(page, 'kinesis-connect').click();
  await page.locator(`[data-testid="topic-item"][data-topic="${stream}"]`).click();
  await byTestId(page, 'kinesis-consumer').waitFor();
  assert.equal(await consume(), 0);

  // Back to the browser's own log, which still holds its stream.
  await byTestId(page, 'backend-browser').first().click();
  await page.locator('[data-testid="topic-item"][data-topic="orders"]').waitFor();
  assert.deepEqual(errors, []);
}));

test('each bad input on a Kinesis endpoint is refused with the message in the bad-input table', async (t) => withBrowser(t, async ({ page }) => {
  const documented = await readFile(join(root, 'docs', 'BAD-INPUT.md'), 'utf8');
  let last = '';
  /** Runs `act` and checks the new error message against the table's row. */
  const refused = async (what, input, act) => {
    await act();
    await page.waitForFunction((before) => {
      const e = document.querySelector('stream-lab').shadowRoot.querySelector('[data-testid="error-message"]');
      return e && e.textContent.trim() !== before;
    }, last);
    last = (await byTestId(page, 'error-message').innerText()).trim();
    const row = `| ${what} | ${input} | ${last} |`;
    assert.ok(documented.includes(row), `docs/BAD-INPUT.md lists ${row}`);
  };
  const connect = (url, secret) => async () => {
    await byTestId(page, 'kinesis-endpoint').fill(url);
    await byTestId(page, 'kinesis-access-key').fill('AKIDEXAMPLE');
    await byTestId(page, 'kinesis-secret-key').fill(secret);
    await byTestId(page, 'kinesis-connect').click();
  };
  await page.goto(server.url);
  await byTestId(page, 'backend-kinesis').click();
  await refused('endpoint', '`kinesis.amazonaws.com`', connect('kinesis.amazonaws.com', 's'));
  await refused('endpoint', '`http://127.0.0.1:9` (nothing there)', connect('http://127.0.0.1:9', 's'));
  await refused('secret access key', 'empty', connect(endpoint, ''));
  await connect(endpoint, 'kinesalite-accepts-any-key')();
  await byTestId(page, 'kinesis-connection').waitFor();

  await refused('shard count', '`0`', async () => {
    await byTestId(page, 'topic-create-name').fill('never');
    await byTestId(page, 'topic-create-partitions').fill('0');
    await byTestId(page, 'topic-create-submit').click();
  });
  const stream = `bad-${Date.now()}`;
  await byTestId(page, 'topic-create-name').fill(stream);
  await byTestId(page, 'topic-create-partitions').fill('1');
  await byTestId(page, 'topic-create-submit').click();
  await page.locator('[data-testid="stream-status"][data-status="ACTIVE"]').waitFor();
  const put = (count, hash) => async () => {
    await byTestId(page, 'produce-key').fill('k');
    await byTestId(page, 'produce-value').fill('v');
    await byTestId(page, 'produce-count').fill(count);
    await byTestId(page, 'produce-target').fill(hash);
    await byTestId(page, 'produce-submit').click();
  };
  await refused('PutRecords count', '`501`', put('501', ''));
  await refused('explicit hash key', '`abc`', put('1', 'abc'));
  const read = (from, value) => async () => {
    await byTestId(page, 'records-from').selectOption(from);
    await byTestId(page, 'records-value').fill(value);
    await byTestId(page, 'records-read').click();
  };
  await refused('GetRecords AT_SEQUENCE_NUMBER', '`twelve`', read('AT_SEQUENCE_NUMBER', 'twelve'));
  await refused('GetRecords AT_TIMESTAMP', '`yesterday`', read('AT_TIMESTAMP', 'yesterday'));
  // Nothing was put by the refused requests.
  await byTestId(page, 'produce-target').fill('');
  await read('TRIM_HORIZON', '')();
  await page.locator('[data-testid="records-end"]').waitFor();
  assert.equal(await byTestId(page, 'record-row').count(), 0);
}));
