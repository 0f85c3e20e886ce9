// Renders per component, run by `make bench`: while a consumer in a group reads a topic's
// records and commits, nothing else changes, so only what draws consumers (the consumer panel,
// the charts' consumed and lag figures) and the lab that holds the
// state should render. Each component counts its renders into `globalThis.__streamlabRenders`
// (crates/ui/src/renders.rs); the rows are the counts during that flow, and the last row's goal
// is that every other component renders zero times.
import { serveDist, launchBrowser, byTestId, createTopic } from '../tests/e2e/harness.mjs';

const RECORDS = 300;
// Components whose data a consumer's events change.
const DRAWS_CONSUMERS = new Set(['Lab', 'ConsumerPanel', 'Charts']);

const server = await serveDist();
const browser = await launchBrowser();
const { page } = browser;
page.setDefaultTimeout(120_000);
try {
  await page.addInitScript(() => { globalThis.__streamlabRenders = {}; });
  await page.goto(server.url);
  await createTopic(page, 'renders', 3, 'kafka');
  await byTestId(page, 'produce-key').fill('');
  await byTestId(page, 'produce-value').fill('v');
  await byTestId(page, 'produce-count').fill(String(RECORDS));
  await byTestId(page, 'produce-submit').click();
  await page.waitForFunction((n) => $$lab('[data-testid="partition-row"]')
    .reduce((sum, r) => sum + Number(r.dataset.logEndOffset), 0) === n, RECORDS);
  await byTestId(page, 'produce-result').first().waitFor();

  // The flow: start a group member from the earliest offsets, read everything, commit.
  await byTestId(page, 'consumer-position').selectOption('earliest');
  await byTestId(page, 'consumer-group').fill('render-count');
  await page.evaluate(() => { globalThis.__streamlabRenders = {}; });
  await byTestId(page, 'consumer-start').click();
  const row = byTestId(page, 'consumer-row').first();
  await page.waitForFunction((n) => $lab('[data-testid="consumer-row"]')?.dataset.consumed === String(n), RECORDS);
  await row.locator('[data-testid="consumer-commit"]').click();
  await page.waitForFunction(() => $lab('[data-testid="consumer-row"]')?.textContent.includes('committed'));
  const counts = await page.evaluate(() => ({ ...globalThis.__streamlabRenders }));

  const rows = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  // A chart's or the grid's once-a-second redraw (its rates) is its own clock, not the consumer.
  const byClock = (name) => name.endsWith(', by its clock');
  for (const [name, n] of rows) {
    const role = byClock(name) ? 'its own once-a-second redraw' : DRAWS_CONSUMERS.has(name) ? 'draws consumers' : 'does not draw consumers';
    console.log(`| UI renders: ${name} (${role}) while a group member reads ${RECORDS} records and commits | ${RECORDS} | ${n} | – | – |`);
  }
  const others = rows.filter(([name]) => !DRAWS_CONSUMERS.has(name) && !byClock(name));
  const wasted = others.reduce((sum, [, n]) => sum + n, 0);
  const lab = counts.Lab ?? 0;
  console.log(`| UI renders: **components that do not draw consumers**, during the same flow (${lab} lab renders) | ${RECORDS} | ${wasted} | – | 0: ${wasted === 0 ? 'met' : '**missed**'} |`);
} finally {
  await browser.close();
  await server.close();
}
