// Issue 11, item 9: "five small" policing counted from the records. The commander reads the
// station's counts per person and per grid for a period, as the API counts them; a grid
// worker on the phone sees their own grid's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login, apiToken, axeViolations } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const shots = process.env.SCREENSHOT_DIR ?? '/tmp';
const KEYS = ['practical_help', 'small_case', 'small_conflict', 'small_hazard', 'small_policing', 'total'];

async function api(token, query) {
  const r = await fetch(`${demo.base}/api/v1/five-small?${query}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, query);
  return r.json();
}

async function tiles(page) {
  const out = {};
  for (const k of KEYS) out[k] = Number(await page.getByTestId('fs-totals').locator(`[data-count="${k}"]`).textContent());
  return out;
}

test('the commander reads the five small counts of the station for a period', async () => {
  const token = await apiToken(demo, 'commander');
  const page = await newPage(browser, { width: 1280, height: 860 }, { bypassCSP: true });
  await login(page, demo, 'commander');
  await page.getByRole('link', { name: '五小警务' }).first().click();
  await page.getByRole('heading', { name: '五小警务', level: 1 }).waitFor();
  await page.getByRole('link', { name: '本年' }).click();
  await page.waitForURL(/from=\d{4}-01-01/);
  const url = new URL(page.url());
  const year = await api(token, `from=${url.searchParams.get('from')}&to=${url.searchParams.get('to')}`);
  assert.deepEqual(await tiles(page), year.totals);
  assert.ok(year.totals.total > 0, 'the demo year has work to count');
  // Per person: the first row is the one with most work, as the API says.
  const first = page.getByTestId('fs-rows').locator('tbody tr').first();
  assert.equal(await first.getAttribute('data-key'), year.rows[0].key);
  // Per grid: every grid of the station, the same totals.
  await page.getByRole('link', { name: '按网格' }).click();
  await page.waitForURL(/by=grid/);
  assert.deepEqual(await tiles(page), year.totals);
  const grids = await api(token, `by=grid&from=${url.searchParams.get('from')}&to=${url.searchParams.get('to')}&limit=1`);
  assert.equal(grids.total_rows, 156);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: `${shots}/five-small.png` });
  // Chosen days, from the form.
  await page.getByLabel('从').fill(url.searchParams.get('to'));
  await page.getByRole('button', { name: '统计' }).click();
  await page.waitForURL(/from=/);
  const day = await api(token, `from=${url.searchParams.get('to')}&to=${url.searchParams.get('to')}`);
  assert.deepEqual(await tiles(page), day.totals);
});

test("a grid worker sees their own grid's counts on the phone", async () => {
  const token = await apiToken(demo, 'gw001');
  const mine = await api(token, 'by=grid');
  assert.equal(mine.total_rows, 1);
  const page = await newPage(browser, { width: 390, height: 844 }, { bypassCSP: true });
  await login(page, demo, 'gw001');
  await page.goto(`${demo.base}/five-small?by=grid`);
  assert.deepEqual(await tiles(page), mine.totals);
  assert.equal(await page.getByTestId('fs-rows').locator('tbody tr').count(), 1);
  assert.deepEqual(await axeViolations(page), []);
});
