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
