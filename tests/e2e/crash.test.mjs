// Crashes while records flow, 20 trials: producer workers are terminated, or the page is
// reloaded or closed, at random moments. Afterwards every acknowledged record is stored exactly
// once where its acknowledgement said, offsets are contiguous, no request (one batch) is partly
// stored, and each trial's group consumer resumed from the group's commit. Prints the figures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { serveDist, launchBrowser } from './harness.mjs';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
const TRIALS = 20;
const PER_REQUEST = 5;
const DB = 'crash';
const TOPIC = 'orders';
const GROUP = 'crash-group';

let server;
before(async () => { server = await serveDist({ '/fixtures/': fixtures }); });
after(() => server.close());

/** A small deterministic generator, so a failing run can be repeated with its seed. */
function random(seed) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

const api = (page) => page.evaluate(async () => { window.streamlab = await customElements.get('stream-lab').api; });

test(`${TRIALS} crash trials lose and duplicate no acknowledged record, and consumers resume from commits`, async (t) => {
  const seed = Number(process.env.CRASH_SEED ?? 20261126);
  const rand = random(seed);
  const browser = await launchBrowser();
  const { context } = browser;
  const acks = [];
  await context.exposeBinding('__ack', (_source, ack) => { acks.push(ack); });
  let page = browser.page;
  const open = async () => { await page.goto(`${server.url}fixtures/blank.html`); await api(page); };
  const resumes = { checked: 0, fromCommit: 0 };
  const actions = { kill: 0, reload: 0, close: 0 };
  try {
    await open();
    await page.evaluate(([db, topic]) => window.streamlab.create_topic(db, topic, 2, 'kafka'), [DB, TOPIC]);
    for (let trial = 0; trial < TRIALS; trial++) {
      const committed = new Map(await page.evaluate(([db, topic, group]) =>
        window.streamlab.committed_offsets(db, topic, group), [DB, TOPIC, GROUP]));
      await page.evaluate(([db, topic, group, tag, per]) => {
        window.fleet = window.streamlab.start_producers(db, topic, 2, per, tag, (ack) => window.__ack([tag, ...ack]));
        window.member = window.streamlab.start_consumer(db, topic, group, 'earliest', '');
      }, [DB, TOPIC, GROUP, `t${trial}`, PER_REQUEST]);
      await page.waitForTimeout(300 + Math.floor(rand() * 1200));
      // Members commit every second, so on a slow machine a page may die before any commit;
      // every fifth trial commits on purpose first, so the next one must resume from a commit.
      if (trial % 5 === 1) {
        await page.evaluate(() => window.member.commit());
        await page.waitForFunction(([db, topic, group]) =>
          window.streamlab.committed_offsets(db, topic, group).then((now) => now.length > 0),
        [DB, TOPIC, GROUP], { polling: 100 });
      }
      // The member's first record of each partition: where the group's commit said to start.
      const firsts = await page.evaluate(() => {
        const seen = window.member.received(); // [partition, offset, latency_ms, partition, …]
        const first = new Map();
        for (let i = 0; i + 2 < seen.length; i += 3) if (!first.has(seen[i])) first.set(seen[i], seen[i + 1]);
        return [...first];
      });
      for (const [partition, offset] of firsts) {
        resumes.checked += 1;
        assert.equal(offset, committed.get(partition) ?? 0, `trial ${trial}: partition ${partition} resumed at ${offset}`);
        if (committed.has(partition)) resumes.fromCommit += 1;
      }
      const r = rand();
      if (r < 1 / 3) {
        actions.kill += 1;
        await page.evaluate(() => window.fleet.kill());
        await page.reload();
      } else if (r < 2 / 3) {
        actions.reload += 1;
        await page.reload();
      } else {
        actions.close += 1;
        await page.close();
        page = await context.newPage();
        await page.goto(`${server.url}fixtures/blank.html`);
      }
      await api(page);
    }
    // Let the last page's producers go, then read the log.
    await page.close();
    page = await context.newPage();
    await open();
    const stored = [];
    for (const partition of [0, 1]) {
      const rows = await page.evaluate(([db, topic, p]) => window.streamlab.read_partition(db, topic, p), [DB, TOPIC, partition]);
      assert.deepEqual(rows.map(([o]) => o), rows.map((_, i) => i), `partition ${partition}: offsets contiguous from 0`);
      for (const [offset, , value] of rows) stored.push({ partition, offset, value });
    }
    const where = new Map();
    let duplicated = 0;
    for (const s of stored) {
      if (where.has(s.value)) duplicated += 1;
      where.set(s.value, s);
    }
    let lost = 0;
    let misplaced = 0;
    let acknowledged = 0;
    for (const [tag, worker, request, partition, base, count] of acks) {
      for (let i = 0; i < count; i++) {
        acknowledged += 1;
        const s = where.get(`${tag}-${worker}-${request}-${i}`);
        if (!s) lost += 1;
        else if (s.partition !== partition || s.offset !== base + i) misplaced += 1;
      }
    }
    // A request is one batch (one key, one partition): all of its records or none.
    const perRequest = new Map();
    for (const s of stored) {
      const request = s.value.split('-').slice(0, 3).join('-');
      perRequest.set(request, (perRequest.get(request) ?? 0) + 1);
    }
    const partial = [...perRequest.values()].filter((n) => n !== PER_REQUEST).length;
    const summary = `crash trials: ${TRIALS} (seed ${seed}; ${actions.kill} kills then reload, ${actions.reload} reloads, ${actions.close} closes); ` +
      `acknowledged records: ${acknowledged}, stored: ${stored.length}, lost: ${lost}, duplicated: ${duplicated}, misplaced: ${misplaced}, ` +
      `partial batches: ${partial}; consumer starts checked: ${resumes.checked} (${resumes.fromCommit} from a commit), all at the committed offset`;
    console.log(summary);
    assert.ok(acknowledged > 0, 'records were acknowledged');
    assert.ok(resumes.fromCommit > 0, 'some trial resumed from a commit');
    assert.deepEqual({ lost, duplicated, misplaced, partial }, { lost: 0, duplicated: 0, misplaced: 0, partial: 0 });
  } finally {
    await browser.close();
  }
});
