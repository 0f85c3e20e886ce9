// The <stream-lab> element on documentation pages: the example page's two lessons, labs sharing
// a database or not, scenarios (and their errors), attributes changing after connection,
// removal ending workers, and the bundle served from a sub-path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { serveDist, withBrowser, artifactsDir, distDir } from './harness.mjs';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
let server;
before(async () => { server = await serveDist({ '/fixtures/': fixtures }); });
after(() => server.close());

/** The element `#id`'s elements with `data-testid="<testId>"` (locators pierce shadow roots). */
const inLab = (page, id, testId) => page.locator(`#${id}`).locator(`[data-testid="${testId}"]`);

/** Log end offsets of every partition the element `#id` shows. */
const ends = (page, id) => inLab(page, id, 'partition-row')
  .evaluateAll((rows) => rows.map((r) => Number(r.dataset.logEndOffset)));

const waitForEnds = (page, id, expected) => page.waitForFunction(([id, expected]) => {
  const rows = [...document.getElementById(id).shadowRoot.querySelectorAll('[data-testid="partition-row"]')];
  return JSON.stringify(rows.map((r) => Number(r.dataset.logEndOffset))) === JSON.stringify(expected);
}, [id, expected]);

async function produceIn(page, id, key, value) {
  const results = inLab(page, id, 'produce-result');
  const before = await results.count();
  await inLab(page, id, 'produce-key').fill(key);
  await inLab(page, id, 'produce-value').fill(value);
  await inLab(page, id, 'produce-submit').click();
  await results.nth(before).waitFor();
}

test('the example page replays both lessons to their declared state, and the labs stay independent', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(`${server.url}docs/`);
  for (const id of ['kafka-lesson', 'kinesis-lesson', 'sql-lesson']) {
    await page.locator(`#${id} [data-testid="scenario-status"][data-state="done"]`).waitFor();
  }
  // SQL: the scenario's CTAS counted 10 orders keyed alice, bob, carol in turn with amounts
  // n + 0.5 (n = 0..9); the lab shows the table's topic with the latest value per key.
  const table = async () => Object.fromEntries(await inLab(page, 'sql-lesson', 'table-row')
    .evaluateAll((rows) => rows.map((r) => [r.dataset.key, JSON.parse(r.dataset.value)])));
  const expected = {};
  for (let n = 0; n < 10; n++) {
    const c = ['alice', 'bob', 'carol'][n % 3];
    expected[c] ??= { ORDERS: 0, TOTAL: 0 };
    expected[c].ORDERS += 1;
    expected[c].TOTAL += n + 0.5;
  }
  await page.waitForFunction(() => document.getElementById('sql-lesson').shadowRoot
    .querySelectorAll('[data-testid="table-row"]').length === 3);
  assert.deepEqual(await table(), expected);
  // Kafka: 12 orders keyed alice/bob/carol over 3 partitions (murmur2: alice and bob → 0,
  // carol → 2); a consumer from offset 2 of each partition, and group billing from the earliest.
  await waitForEnds(page, 'kafka-lesson', [8, 0, 4]);
  const consumed = (id) => inLab(page, id, 'consumer-row').evaluateAll((rows) => rows.map((r) => r.dataset.consumed));
  await page.waitForFunction(() => document.getElementById('kafka-lesson').shadowRoot
    .querySelectorAll('[data-testid="consumer-row"][data-consumed]').length === 2);
  await page.waitForFunction(() => [...document.getElementById('kafka-lesson').shadowRoot
    .querySelectorAll('[data-testid="consumer-row"]')].map((r) => r.dataset.consumed).join() === '8,12');
  // Kinesis: 2 shards, shard 0 split into 2 and 3; 20 records before, 20 after, one reader.
  await waitForEnds(page, 'kinesis-lesson', [10, 20, 5, 5]);
  await page.waitForFunction(() => document.getElementById('kinesis-lesson').shadowRoot
    .querySelector('[data-testid="consumer-row"]')?.dataset.consumed === '40');
  assert.deepEqual(await consumed('kinesis-lesson'), ['40']);

  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, 'embed-docs-page.png'), fullPage: true });

  // Producing in one lesson changes only that lesson's log.
  await produceIn(page, 'kafka-lesson', 'alice', 'one more');
  await waitForEnds(page, 'kafka-lesson', [9, 0, 4]);
  await page.waitForTimeout(500);
  assert.deepEqual(await ends(page, 'kinesis-lesson'), [10, 20, 5, 5]);
  // The page's own styles (pink buttons) do not reach into the labs.
  const background = await inLab(page, 'kafka-lesson', 'produce-submit')
    .evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.notEqual(background, 'rgb(255, 105, 180)');

  // Reloading replays the scenario on an emptied database: the same state again.
  await page.reload();
  await page.locator('#kafka-lesson [data-testid="scenario-status"][data-state="done"]').waitFor();
  await waitForEnds(page, 'kafka-lesson', [8, 0, 4]);
  assert.deepEqual(errors, []);
}));

test('labs naming the same db see each other\'s records; another db does not', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(`${server.url}fixtures/shared.html`);
  for (const id of ['a', 'b', 'c']) await inLab(page, id, 'partition-row').nth(1).waitFor();
  await produceIn(page, 'a', 'k1', 'from a');
  await produceIn(page, 'a', 'k2', 'from a');
  const total = async (id) => (await ends(page, id)).reduce((x, y) => x + y, 0);
  await page.waitForFunction(() => [...document.getElementById('b').shadowRoot
    .querySelectorAll('[data-testid="partition-row"]')].reduce((n, r) => n + Number(r.dataset.logEndOffset), 0) === 2);
  assert.deepEqual(await ends(page, 'b'), await ends(page, 'a'));
  assert.equal(await total('c'), 0);
  // And the other way round.
  await produceIn(page, 'b', 'k3', 'from b');
  await page.waitForFunction(() => [...document.getElementById('a').shadowRoot
    .querySelectorAll('[data-testid="partition-row"]')].reduce((n, r) => n + Number(r.dataset.logEndOffset), 0) === 3);
  assert.equal(await total('c'), 0);
  assert.deepEqual(errors, []);
}));

test('attributes changed after connection take effect, and removing the element ends its workers', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(`${server.url}fixtures/shared.html`);
  await inLab(page, 'c', 'partition-row').nth(1).waitFor();
  // A new topic attribute opens (and creates) that topic with the new partition count.
  await page.evaluate(() => {
    const c = document.getElementById('c');
    c.setAttribute('partitions', '4');
    c.setAttribute('topic', 'payments');
  });
  await page.locator('#c h2', { hasText: 'payments' }).waitFor();
  await inLab(page, 'c', 'partition-row').nth(3).waitFor();
  assert.equal(await inLab(page, 'c', 'partition-row').count(), 4);
  // view: compact → dashboard shows the sidebar; a bad value is an error in words.
  await page.evaluate(() => document.getElementById('c').setAttribute('view', 'dashboard'));
  await inLab(page, 'c', 'topic-item').first().waitFor();
  await page.evaluate(() => document.getElementById('c').setAttribute('view', 'wide'));
  await page.locator('#c [data-testid="error-message"]', { hasText: "attribute view: 'wide' is not dashboard or compact" }).waitFor();
  // height sizes the element.
  await page.evaluate(() => document.getElementById('c').setAttribute('height', '300'));
  assert.equal(await page.locator('#c').evaluate((e) => e.getBoundingClientRect().height), 300);
  // A new db starts the lab over on that database: c now shows what a wrote.
  await produceIn(page, 'a', 'k', 'written in a');
  await page.evaluate(() => {
    const c = document.getElementById('c');
    c.removeAttribute('ephemeral'); // (else it would empty the shared database it moves to)
    c.setAttribute('view', 'compact');
    c.setAttribute('topic', 'orders');
    c.setAttribute('db', 'shared-db');
  });
  await page.waitForFunction(() => [...document.getElementById('c').shadowRoot
    .querySelectorAll('[data-testid="partition-row"]')].reduce((n, r) => n + Number(r.dataset.logEndOffset), 0) === 1);
  assert.deepEqual(await ends(page, 'c'), await ends(page, 'a'));

  // Start a consumer in lab b, then remove every element: every worker ends.
  await inLab(page, 'b', 'consumer-start').click();
  await inLab(page, 'b', 'consumer-row').waitFor();
  assert.ok(page.workers().length >= 4, `workers: ${page.workers().length}`);
  await page.evaluate(() => document.querySelectorAll('stream-lab').forEach((e) => e.remove()));
  for (let i = 0; i < 100 && page.workers().length > 0; i++) await page.waitForTimeout(100);
  assert.equal(page.workers().length, 0);
  assert.deepEqual(errors, []);
}));

test('a bad scenario file is refused whole, with the place of the mistake', async (t) => withBrowser(t, async ({ page }) => {
  await page.goto(`${server.url}fixtures/bad-scenario.html`);
  const bad = page.locator('#bad [data-testid="scenario-status"][data-state="failed"]');
  await bad.waitFor();
  assert.match(await page.locator('#bad [data-testid="error-message"]').innerText(),
    /scenario bad-scenario\.json: steps\[0\]\.produce: topic 'order' is not declared in "topics"/);
  // Nothing ran: not even the topic the file declares.
  assert.equal(await inLab(page, 'bad', 'partition-row').count(), 0);
  await page.locator('#missing [data-testid="scenario-status"][data-state="failed"]').waitFor();
  assert.match(await page.locator('#missing [data-testid="error-message"]').innerText(),
    /scenario no-such-file\.json: could not be fetched: HTTP 404/);
}));

test('the bundle works from a sub-path, workers included', async (t) => {
  // Only /docs/assets/streamlab/ (the release files) and /site/ (the page) exist.
  const subpath = await serveDist({ '/docs/assets/streamlab/': distDir, '/site/': fixtures }, { root: null });
  try {
    await withBrowser(t, async ({ page, errors }) => {
      const failed = [];
      page.on('response', (r) => { if (r.status() >= 400) failed.push(r.url()); });
      await page.goto(`${subpath.url}site/subpath.html`);
      await inLab(page, 'lab', 'partition-row').waitFor();
      await produceIn(page, 'lab', 'k', 'through a worker loaded from the sub-path');
      await waitForEnds(page, 'lab', [1]);
      assert.equal(await inLab(page, 'lab', 'produce-result').first().getAttribute('data-offset'), '0');
      assert.equal(await page.locator('#lab').evaluate((e) => e.getBoundingClientRect().height), 600);
      assert.deepEqual(failed, []);
      assert.deepEqual(errors, []);
    });
  } finally {
    await subpath.close();
  }
});
