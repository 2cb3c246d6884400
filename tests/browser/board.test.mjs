// Issue 11, item 1: the command room's live board follows the data without a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login, apiToken, axeViolations } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const shots = process.env.SCREENSHOT_DIR ?? '/tmp';

test('a matter recorded elsewhere appears on an open board within a second', async () => {
  const page = await newPage(browser, { width: 1440, height: 900 }, { bypassCSP: true });
  await login(page, demo, 'commander');
  await page.getByRole('link', { name: '指挥调度' }).first().click();
  await page.getByRole('heading', { name: '指挥调度' }).waitFor();
  await page.getByTestId('board-live').filter({ hasText: '实时更新中' }).waitFor();
  const open = Number(await page.locator('#c-open').textContent());
  assert.ok(open > 0, 'the demo has open matters');
  assert.ok(await page.locator('#board-rows tr').count() > 0);
  // The station's grids lie faintly under the pins.
  await page.locator('#board-map path.board-grid').first().waitFor();
  assert.ok(await page.locator('#board-map path.board-grid').count() > 100, 'the demo has 156 grids');

  // A grid worker records a hazard through the API, at a household of their grid.
  const token = await apiToken(demo, 'gw001');
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const hh = (await (await fetch(`${demo.base}/api/v1/households?limit=1`, { headers: auth })).json()).items[0].code;
  const r = await fetch(`${demo.base}/api/v1/matters`, {
    method: 'POST', headers: auth,
    body: JSON.stringify({ kind: 'hazard', category: 'other', narrative: '楼道内电动车充电，飞线拉到三楼', household_code: hh }),
  });
  const created = await r.text();
  assert.equal(r.status, 201, created);
  const { code } = JSON.parse(created);
  const row = page.locator(`#board-rows tr[data-code="${code}"]`);
  await row.waitFor({ timeout: 1000 });
  await page.locator(`#board-map [data-code="${code}"]`).waitFor({ timeout: 1000 });
  assert.equal(Number(await page.locator('#c-open').textContent()), open + 1);
  await page.getByTestId('board-recent').getByText(code).waitFor({ timeout: 1000 });

  // Closed elsewhere, it leaves the board.
  for (const event of ['accept', 'start_work', 'resolve']) {
    const s = await fetch(`${demo.base}/api/v1/matters/${code}/events`, {
      method: 'POST', headers: auth, body: JSON.stringify({ event, note: event === 'resolve' ? '已清理飞线' : '' }),
    });
    assert.equal(s.status, 200, `${event}: ${await s.text()}`);
  }
  await row.waitFor({ state: 'detached', timeout: 1000 });
  await page.locator(`#board-map [data-code="${code}"]`).waitFor({ state: 'detached', timeout: 1000 });
  assert.equal(Number(await page.locator('#c-open').textContent()), open);
  // Zooming by hand holds the view; "follow" lets the map fit all matters again.
  const follow = page.getByRole('button', { name: '恢复自动视野' });
  assert.equal(await follow.isVisible(), false);
  await page.locator('#board-map .leaflet-control-zoom-in').click();
  await follow.waitFor();
  await follow.click();
  await follow.waitFor({ state: 'hidden' });
  await page.screenshot({ path: `${shots}/board.png` });
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test('the board is not offered to a grid worker, and refused if asked for', async () => {
  const page = await newPage(browser);
  await login(page, demo, 'gw001');
  assert.equal(await page.getByRole('link', { name: '指挥调度' }).count(), 0);
  const r = await page.goto(`${demo.base}/board`);
  assert.equal(r.status(), 403);
  page.consoleErrors = [];
  await page.context().close();
});
