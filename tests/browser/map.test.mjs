// 一区一图 in the browser: the grids of the jurisdiction are drawn, clicking one opens its card.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

test('the commander sees all 156 grids and a click opens the grid card', async () => {
  const page = await newPage(browser);
  await login(page, demo, 'commander');
  await page.getByRole('link', { name: '一区一图' }).click();
  await page.locator('#map-status[data-count="156"]').waitFor();
  assert.equal(await page.locator('#map path.leaflet-interactive').count(), 156);
  const grid = page.locator('#map path[data-grid="XY-C05-G03"]');
  await grid.click();
  const card = page.getByTestId('grid-card');
  await card.getByRole('heading', { name: '振兴社区第3网格' }).waitFor();
  const text = await card.textContent();
  assert.match(text, /XY-C05-G03/);
  assert.match(text, /振兴社区第\d警格/);
  assert.match(text, /网格警/);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test('a grid worker sees only their own grid on the map', async () => {
  const page = await newPage(browser, { width: 390, height: 844 });
  await login(page, demo, 'gw001');
  await page.goto(`${demo.base}/map`);
  await page.locator('#map-status[data-count="1"]').waitFor();
  await page.locator('#map path[data-grid="XY-C01-G01"]').click();
  await page.getByTestId('grid-card').getByRole('heading', { name: '府前社区第1网格' }).waitFor();
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});
