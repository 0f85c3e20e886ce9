// Shared end-to-end harness: serves the release build in `dist/` on 127.0.0.1 and starts Debian's
// chromium through playwright-core with a fresh profile (so IndexedDB starts empty).
import { createServer } from 'node:http';
import { readFile, mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const distDir = join(root, 'dist');
export const artifactsDir = join(root, 'target', 'e2e');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
};

/**
 * Serves `dist/` on an ephemeral loopback port, plus `mounts` ({ '/prefix/': directory });
 * resolves to { url, close }. With `{ root: null }` only the mounts are served.
 */
export async function serveDist(mounts = {}, { root: rootDir = distDir } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const rel = normalize(path.endsWith('/') ? `${path}index.html` : path);
    if (rel.includes('..')) { res.writeHead(400).end(); return; }
    const mount = Object.keys(mounts).find((prefix) => rel.startsWith(prefix));
    if (!mount && !rootDir) { res.writeHead(404).end('not found'); return; }
    const file = mount ? join(mounts[mount], rel.slice(mount.length)) : join(rootDir, rel);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(rel)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A fresh Chromium profile; resolves to { context, page, errors, close }. */
export async function launchBrowser() {
  const profile = await mkdtemp(join(tmpdir(), 'streamlab-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    viewport: { width: 1280, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Each lab renders in its element's shadow root: $lab / $$lab query the first (or the
  // `index`th) <stream-lab>'s, as document.querySelector(All) would a page without one.
  await context.addInitScript(() => {
    const root = (index) => document.querySelectorAll('stream-lab')[index]?.shadowRoot;
    window.$lab = (selector, index = 0) => root(index)?.querySelector(selector) ?? null;
    window.$$lab = (selector, index = 0) => [...(root(index)?.querySelectorAll(selector) ?? [])];
  });
  const page = context.pages()[0] ?? await context.newPage();
  // Panics and uncaught errors in the page or its workers fail the test that caused them.
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && /panicked|RuntimeError/.test(m.text())) errors.push(m.text()); });
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') errors.push(`worker: ${m.text()}`); }));
  return {
    context, page, errors,
    close: async () => { await context.close(); await rm(profile, { recursive: true, force: true }); },
  };
}

/** Runs `body(browser)` in a fresh browser; on failure saves a screenshot named after the test. */
export async function withBrowser(t, body) {
  const browser = await launchBrowser();
  try {
    await body(browser);
  } catch (e) {
    await mkdir(artifactsDir, { recursive: true });
    const name = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await browser.page.screenshot({ path: join(artifactsDir, `failure-${name}.png`), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await browser.close();
  }
}

/** The elements with `data-testid="<id>"`. */
export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Creates a topic from the dashboard's form and waits until its partitions show. */
export async function createTopic(page, name, partitions, mode) {
  await byTestId(page, 'topic-create-name').fill(name);
  await byTestId(page, 'topic-create-partitions').fill(String(partitions));
  await byTestId(page, 'topic-create-mode').selectOption(mode);
  await byTestId(page, 'topic-create-submit').click();
  await page.locator(`[data-testid="topic-item"][data-topic="${name}"]`).waitFor();
  await page.locator('[data-testid="partition-row"]').nth(partitions - 1).waitFor();
}

/** Produces one record from the dashboard's form and waits for its result line. */
export async function produceOne(page, key, value) {
  const before = await byTestId(page, 'produce-result').count();
  await byTestId(page, 'produce-key').fill(key);
  await byTestId(page, 'produce-value').fill(value);
  await byTestId(page, 'produce-count').fill('1');
  await byTestId(page, 'produce-submit').click();
  await byTestId(page, 'produce-result').nth(before).waitFor();
}
