// What a user sees when the browser refuses: a full storage quota.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, withBrowser, byTestId, createTopic } from './harness.mjs';

let server;
before(async () => { server = await serveDist(); });
after(() => server.close());

/** Text that IndexedDB cannot compress (Chromium compresses large values): seeded, so runs repeat. */
function noise(n, seed) {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return String.fromCharCode(33 + (s >>> 24) % 89);
  }).join('');
}

test('a full storage quota stops the producer with a clear error, keeps the log, and says how to free space', async (t) => withBrowser(t, async ({ context, page, errors }) => {
  await page.goto(server.url);
  // Chromium's DevTools protocol lowers this origin's quota to 3 MB.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url.replace(/\/$/, ''), quotaSize: 3_000_000 });
  await createTopic(page, 'big', 1, 'kafka');
  const end = async () => Number(await page.locator('[data-testid="partition-row"]').first().getAttribute('data-log-end-offset'));
  let acked = 0;
  let refused = '';
  for (let i = 0; i < 20 && !refused; i++) {
    await byTestId(page, 'produce-key').fill(`k${i}`);
    await byTestId(page, 'produce-value').fill(noise(400_000, i + 1));
    await byTestId(page, 'produce-count').fill('1');
    await byTestId(page, 'produce-submit').click();
    await page.waitForFunction((n) => $lab('[data-testid="error-message"]')
      || Number($lab('[data-testid="partition-row"]')?.dataset.logEndOffset) > n, acked);
    if (await page.locator('[data-testid="error-message"]').count()) {
      refused = await page.locator('[data-testid="error-message"]').innerText();
    } else {
      acked += 1;
    }
  }
  assert.match(refused, /append to partition 0 failed: storage failed: the browser's storage quota is full; delete topics or shorten retention to free space$/);
  assert.ok(acked >= 3, `${acked} records fitted before the quota`);
  // The refused record is not in the log: it holds exactly the acknowledged ones.
  await page.waitForTimeout(300);
  assert.equal(await end(), acked);
  const alert = byTestId(page, 'storage-full');
  await alert.waitFor();
  assert.match(await alert.innerText(), /This site's IndexedDB uses [0-9.]+ MB of its .* quota .* To free space: delete topics you no longer need \(Delete topic\), or set a shorter retention and press Apply retention now/);
  const usage = page.locator('[data-testid="storage-usage"][data-full="true"]');
  assert.ok(Number(await usage.getAttribute('data-used')) > 1_000_000);

  // Freeing space works as it says: delete the topic, and writes go through again.
  await byTestId(page, 'topic-delete').click();
  await byTestId(page, 'topic-delete-confirm').click();
  await page.locator('[data-testid="topic-item"][data-topic="big"]').waitFor({ state: 'detached' });
  await createTopic(page, 'small', 1, 'kafka');
  await byTestId(page, 'produce-key').fill('k');
  await byTestId(page, 'produce-value').fill(noise(400_000, 99));
  await byTestId(page, 'produce-submit').click();
  await page.locator('[data-testid="produce-result"][data-offset="0"]').waitFor();
  assert.deepEqual(errors, []);
}));

test('a Kinesis stream named "." lists beside Kafka topics after a reload; a damaged topic row hides nothing else', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await createTopic(page, '.', 2, 'kinesis');
  await createTopic(page, 'orders', 3, 'kafka');
  const listed = () => page.locator('[data-testid="topic-item"]').evaluateAll((items) => items.map((i) => i.dataset.topic));
  await page.reload();
  await page.locator('[data-testid="topic-item"][data-topic="orders"]').waitFor();
  assert.deepEqual(await listed(), ['.', 'orders']);
  // A Kafka topic may not be named ".": the Kafka form still refuses it, under Kafka's rules.
  await byTestId(page, 'topic-create-name').fill('.');
  await byTestId(page, 'topic-create-mode').selectOption('kafka');
  await byTestId(page, 'topic-create-submit').click();
  assert.match(await byTestId(page, 'error-message').innerText(), /'\.' is not a legal Kafka topic name/);

  // A row this code never writes (a Kafka topic named "..", as a damaged or foreign write would
  // leave it) is listed as damaged with what is wrong; the other topics stay listed and open.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('streamlab');
    open.onsuccess = () => {
      const tx = open.result.transaction('topics', 'readwrite');
      tx.objectStore('topics').put({ name: '..', mode: 'kafka', partitionCount: 1, maxRecordBytes: 1048576 }, '..');
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
    open.onerror = () => reject(open.error);
  }));
  await page.reload();
  const damaged = page.locator('[data-testid="topic-damaged"][data-topic=".."]');
  await damaged.waitFor();
  assert.match(await damaged.innerText(), /stored topic is malformed: illegal name: '\.\.' is not a legal Kafka topic name/);
  assert.deepEqual(await listed(), ['.', 'orders']);
  await page.locator('[data-testid="topic-item"][data-topic="."]').click();
  await page.locator('[data-testid="partition-row"]').nth(1).waitFor();
  await damaged.locator('[data-testid="topic-damaged-delete"]').click();
  await damaged.waitFor({ state: 'detached' });
  await page.reload();
  await page.locator('[data-testid="topic-item"][data-topic="orders"]').waitFor();
  assert.equal(await page.locator('[data-testid="topic-damaged"]').count(), 0);
  assert.deepEqual(await listed(), ['.', 'orders']);
  assert.deepEqual(errors, []);
}));

test('a lab that stores data asks for persistent storage and says what the browser granted', async (t) => withBrowser(t, async ({ context, page, errors }) => {
  await page.goto(server.url);
  const usage = page.locator('[data-testid="storage-usage"][data-persisted]');
  const granted = async () => {
    await usage.waitFor();
    return [await usage.getAttribute('data-persisted'), await usage.innerText()];
  };
  await createTopic(page, 'kept', 1, 'kafka');
  // Whatever this profile was granted, the line says it, and the page's own answer agrees.
  const [first, text] = await granted();
  assert.equal(first, String(await page.evaluate(() => navigator.storage.persisted())));
  assert.match(text, first === 'true'
    ? /Persistent: the browser keeps it until you \(or the site's settings\) delete it\.$/
    : /Best-effort: when the device runs short of space the browser may delete this site's data, every topic at once, without asking; export the topics you want to keep\.$/);
  // A browser that grants it when asked (headless Chromium does not, so the answer is given
  // here): the lab asks once it stores data, and says it is kept.
  const page2 = await context.newPage();
  await page2.addInitScript(() => {
    window.__persistAsked = 0;
    StorageManager.prototype.persisted = () => Promise.resolve(false);
    StorageManager.prototype.persist = () => { window.__persistAsked += 1; return Promise.resolve(true); };
  });
  await page2.goto(server.url);
  await page2.locator('[data-testid="topic-item"][data-topic="kept"]').click();
  const kept = page2.locator('[data-testid="storage-usage"][data-persisted="true"]');
  await kept.waitFor();
  assert.match(await kept.innerText(), /Persistent: the browser keeps it until you \(or the site's settings\) delete it\.$/);
  assert.equal(await page2.evaluate(() => window.__persistAsked), 1);
  assert.deepEqual(errors, []);
}));
