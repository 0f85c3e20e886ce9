// Consumer groups across workers: members share the partitions, rebalance when one joins or
// leaves, and the partitions of a member that leaves go on from its commits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, withBrowser } from './harness.mjs';

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server?.close(); });

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function startMember(page, group) {
  const before = await byTestId(page, 'consumer-row').count();
  await byTestId(page, 'consumer-position').selectOption('earliest');
  await byTestId(page, 'consumer-group').fill(group);
  await byTestId(page, 'consumer-start').click();
  const row = byTestId(page, 'consumer-row').nth(before);
  await row.waitFor();
  return row.getAttribute('data-consumer');
}

// Waits until the running members' assignments have the given sizes and together cover every
// partition exactly once; returns them.
async function assignmentsSettle(page, sizes) {
  await page.waitForFunction((sizes) => {
    const rows = [...$$lab('[data-testid="consumer-row"][data-running="true"]')];
    const assigned = rows.map((r) => (r.dataset.assigned ?? '').split(',').filter(Boolean));
    const all = assigned.flat().sort();
    return JSON.stringify(assigned.map((a) => a.length).sort()) === JSON.stringify([...sizes].sort())
      && new Set(all).size === all.length && all.length === sizes.reduce((a, b) => a + b, 0);
  }, sizes, { timeout: 20_000 });
  return page.locator('[data-testid="consumer-row"][data-running="true"]').evaluateAll((rows) =>
    rows.map((r) => r.dataset.assigned));
}

test('three members share three partitions, rebalance on join and leave, and skip nothing', async (t) => withBrowser(t, async ({ page, errors }) => {
  await page.goto(server.url);
  await page.waitForFunction(() => window.streamlab?.create_topic);
  await page.evaluate(() => window.streamlab.create_topic('streamlab', 'orders', 3, 'kafka'));
  // 600 records from two producer workers, spread over the three partitions by key.
  await page.evaluate(() => window.streamlab.produce_with_workers('streamlab', 'orders', 2, 300, 'k'));
  await page.reload();
  await page.locator('[data-testid="topic-item"][data-topic="orders"]').click();
  await page.locator('[data-testid="partition-row"]').nth(2).waitFor();

  await startMember(page, 'billing');
  assert.deepEqual(await assignmentsSettle(page, [3]), ['0,1,2']);
  await startMember(page, 'billing');
  await assignmentsSettle(page, [2, 1]);
  const third = await startMember(page, 'billing');
  await assignmentsSettle(page, [1, 1, 1]);

  // The third member leaves: its partition goes to one of the others.
  await page.locator(`[data-testid="consumer-row"][data-consumer="${third}"] [data-testid="consumer-stop"]`).click();
  await assignmentsSettle(page, [2, 1]);

  // New records reach whoever owns their partition, and every partition is read to its end.
  await page.evaluate(() => window.streamlab.produce_with_workers('streamlab', 'orders', 1, 60, 'late'));
  await page.waitForFunction(() => {
    const ends = Object.fromEntries([...$$lab('[data-testid="partition-row"]')]
      .map((r) => [r.dataset.partition, Number(r.dataset.logEndOffset)]));
    const total = Object.values(ends).reduce((a, b) => a + b, 0);
    if (total !== 660) return false;
    const positions = [...$$lab('[data-testid="consumer-row"][data-running="true"]')]
      .flatMap((r) => (r.dataset.position ?? '').split(',').filter(Boolean).map((pair) => pair.split(':')));
    return positions.length === 3 && positions.every(([p, o]) => Number(o) === ends[p]);
  }, null, { timeout: 20_000 });
  // Everything was delivered at least once (the group is at-least-once: a handed-over partition
  // may repeat records read after its last commit).
  const consumed = await byTestId(page, 'consumer-row').evaluateAll((rows) =>
    rows.reduce((n, r) => n + Number(r.dataset.consumed), 0));
  assert.ok(consumed >= 660, `consumed ${consumed}`);
  console.log(`groups: 3 members, rebalanced on 3 joins and 1 leave; ${consumed} records delivered for 660 produced`);
  assert.deepEqual(errors, []);
}));
