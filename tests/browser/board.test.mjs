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

test('an instruction is followed on the board and on its matter as its recipient acknowledges it', async () => {
  const board = await newPage(browser, { width: 1440, height: 900 }, { bypassCSP: true });
  await login(board, demo, 'commander');
  await board.goto(`${demo.base}/board`);
  await board.getByTestId('board-live').filter({ hasText: '实时更新中' }).waitFor();

  // The commander instructs grid worker gw001 about one of their grid's open matters.
  const gw = { authorization: `Bearer ${await apiToken(demo, 'gw001')}`, 'content-type': 'application/json' };
  const cmd = { authorization: `Bearer ${await apiToken(demo, 'commander')}`, 'content-type': 'application/json' };
  const matter = (await (await fetch(`${demo.base}/api/v1/matters?status=open&limit=1`, { headers: gw })).json()).items[0].code;
  const due = new Date(Date.now() + 8 * 3600e3 + 4 * 3600e3).toISOString().slice(0, 16);
  const r = await fetch(`${demo.base}/api/v1/instructions`, {
    method: 'POST', headers: cmd,
    body: JSON.stringify({ title: '上门核实纠纷进展', body: '请今日内上门了解双方诉求，防止矛盾激化，并反馈结果。', to_user: 'gw001', matter, report_due: due }),
  });
  const issued = await r.text();
  assert.equal(r.status, 201, issued);
  const { code } = JSON.parse(issued);
  const row = board.locator(`#board-ins-rows tr[data-code="${code}"]`);
  await row.waitFor({ timeout: 1000 });
  await row.locator('[data-status="sent"]').waitFor({ timeout: 1000 });

  // The grid worker, in a session of their own, on a phone: the workbench leads to it.
  const phone = await newPage(browser, { width: 390, height: 844 }, { bypassCSP: true });
  await login(phone, demo, 'gw001');
  await phone.getByTestId('wb-instructions').getByText('上门核实纠纷进展').click();
  await phone.getByTestId('instruction-status').filter({ hasText: '已送达' }).waitFor();
  await row.locator('[data-status="delivered"]').waitFor({ timeout: 1000 });
  await phone.getByRole('button', { name: '签收' }).click();
  await phone.getByTestId('instruction-status').filter({ hasText: '已签收' }).waitFor();
  await phone.screenshot({ path: `${shots}/instruction-phone.png`, fullPage: true });
  assert.deepEqual(await axeViolations(phone), []);

  // The board follows within a second; the matter's timeline shows the acknowledgement.
  await row.locator('[data-status="acknowledged"]').waitFor({ timeout: 1000 });
  await board.getByTestId('board-recent').getByText(code).first().waitFor({ timeout: 1000 });
  const file = await newPage(browser, { width: 1280, height: 860 });
  await login(file, demo, 'commander');
  await file.goto(`${demo.base}/matters/${matter}`);
  const steps = file.locator(`[data-testid="matter-history"] tr[data-instruction="${code}"]`);
  assert.equal(await steps.count(), 3, 'issued, delivered, acknowledged');
  await steps.filter({ hasText: '签收' }).waitFor();

  // The report comes back from the phone; the commander closes it; it leaves the board.
  await phone.getByLabel('办理情况').fill('已上门，双方同意下周由社区组织调解。');
  await phone.getByRole('button', { name: '反馈' }).click();
  await phone.getByTestId('instruction-report').waitFor();
  await row.locator('[data-status="reported"]').waitFor({ timeout: 1000 });
  await file.goto(`${demo.base}/instructions/${code}`);
  await file.getByRole('button', { name: '销号' }).click();
  await file.getByTestId('instruction-status').filter({ hasText: '已销号' }).waitFor();
  await row.waitFor({ state: 'detached', timeout: 1000 });
  for (const p of [board, phone, file]) assert.deepEqual(p.consoleErrors, []);
  for (const p of [board, phone, file]) await p.context().close();
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
