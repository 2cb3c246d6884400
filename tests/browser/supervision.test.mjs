// Issue 11, item 5: the supervision desk. A desk officer issues an orange supervision slip
// from a matter's page; the grid worker it goes to finds it on the phone's workbench and
// answers it; the desk closes it. The desk reviews a matter of last week's spot check as
// flawed, from the keyboard, and the findings reach whoever closed it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login, apiToken, axeViolations } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const shots = process.env.SCREENSHOT_DIR ?? '/tmp';

test('a slip goes from the desk to the grid worker and back, closed', async () => {
  const token = await apiToken(demo, 'desk1');
  const auth = { authorization: `Bearer ${token}` };
  const get = async (path) => { const r = await fetch(`${demo.base}/api/v1${path}`, { headers: auth }); assert.equal(r.status, 200, path); return r.json(); };
  // An open matter handled by gw001's grid and not under supervision yet.
  const supervised = new Set((await get('/supervision-slips?scope=all&open=true&limit=500')).items.map((s) => s.matter));
  // (A matter still at the grid tier, or one that has no tiers, is handled by its grid.)
  const matter = (await get('/matters?unit=XY-C01-G01&limit=200')).items
    .find((m) => m.status !== 'closed' && (m.tier ?? 'grid') === 'grid' && !supervised.has(m.code));
  assert.ok(matter, 'the demo has an open matter handled by grid XY-C01-G01');

  const desk = await newPage(browser, { width: 1280, height: 860 }, { bypassCSP: true });
  await login(desk, demo, 'desk1');
  await desk.goto(`${demo.base}/matters/${matter.code}`);
  await desk.locator('#slips').getByRole('link', { name: '开具督办单' }).click();
  await desk.getByRole('heading', { name: '开具督办单', level: 1 }).waitFor();
  assert.equal(await desk.getByLabel('事项、指令或单位的编号').inputValue(), matter.code, 'the form knows the matter');
  await desk.getByLabel('橙色警示').check();
  await desk.getByLabel('督办事由与要求').fill('该事项已超过办理期限，请说明未办结原因并提出办结时限。');
  await desk.getByRole('button', { name: '下发督办单' }).click();
  await desk.waitForURL(/\/supervision\/slips\/DB\d{8}-\d{6}$/);
  const url = desk.url();
  const code = url.split('/').pop();
  assert.equal(await desk.getByTestId('slip-colour').textContent(), '橙色警示');
  assert.match(await desk.getByTestId('slip-status').textContent(), /待回复/);

  // The grid worker, on the phone: the workbench lists it; the answer goes from its page.
  const gw = await newPage(browser, { width: 390, height: 844 }, { bypassCSP: true });
  await login(gw, demo, 'gw001');
  await gw.getByTestId('wb-slips_to_answer').locator(`a[href="/supervision/slips/${code}"]`).click();
  await gw.waitForURL(url);
  await gw.getByLabel('整改落实情况').fill('已约当事人明日上午到社区调解室当面调解，三日内办结。');
  await gw.getByRole('button', { name: '回复' }).click();
  await gw.waitForURL(url);
  assert.match(await gw.getByTestId('slip-status').textContent(), /已回复/);
  assert.deepEqual(await axeViolations(gw), []);
  await gw.screenshot({ path: `${shots}/slip-phone.png`, fullPage: true });

  // The desk closes it; the timeline has every step.
  await desk.reload();
  await desk.getByRole('button', { name: '办结销号' }).click();
  await desk.waitForURL(url);
  assert.match(await desk.getByTestId('slip-status').textContent(), /已办结/);
  const steps = await desk.getByTestId('slip-timeline').locator('tbody tr td:nth-child(2)').allTextContents();
  assert.deepEqual(steps, ['下发', '回复', '办结销号']);
  assert.deepEqual(await axeViolations(desk), []);
  await desk.screenshot({ path: `${shots}/slip.png`, fullPage: true });
});

test('the desk reviews a drawn matter from the keyboard and the findings go back', async () => {
  const token = await apiToken(demo, 'desk1');
  const auth = { authorization: `Bearer ${token}` };
  const checks = await (await fetch(`${demo.base}/api/v1/spot-checks`, { headers: auth })).json();
  const check = checks.find((c) => c.items > c.reviewed);
  assert.ok(check, 'the demo has a spot check with matters to review');

  const desk = await newPage(browser, { width: 1280, height: 860 }, { bypassCSP: true });
  await login(desk, demo, 'desk1');
  await desk.goto(`${demo.base}/supervision`);
  await desk.getByRole('link', { name: '质量抽查' }).click();
  await desk.getByRole('heading', { name: '质量抽查', level: 1 }).waitFor();
  assert.deepEqual(await axeViolations(desk), []);
  await desk.getByTestId('spot-checks').locator(`a[href="/supervision/spot-checks/${check.id}"]`).click();
  const item = desk.getByTestId('spot-item').filter({ has: desk.locator('form') }).first();
  const matter = (await item.locator('h2 a').textContent()).trim();
  // Flawed, two flaws, the findings: all by keyboard.
  await item.getByLabel('存在问题').focus();
  await desk.keyboard.press('Space');
  await item.getByLabel('办理超期').focus();
  await desk.keyboard.press('Space');
  await item.getByLabel('当事人不满意').focus();
  await desk.keyboard.press('Space');
  await item.getByLabel('评查意见').focus();
  await desk.keyboard.type('超期三日办结，当事人回访表示不满意。请说明原因并再次回访。');
  await desk.keyboard.press('Tab');
  await desk.keyboard.press('Enter');
  await desk.waitForURL(/#item-\d+$/);
  const reviewed = desk.getByTestId('spot-item').filter({ has: desk.locator(`h2 a:text-is("${matter}")`) });
  assert.equal(await reviewed.getByTestId('verdict').textContent(), '存在问题');
  assert.match(await reviewed.textContent(), /办理超期/);
  assert.deepEqual(await axeViolations(desk), []);
  await desk.screenshot({ path: `${shots}/spot-check.png`, fullPage: true });

  // The findings are on their way to whoever closed it.
  const detail = await (await fetch(`${demo.base}/api/v1/spot-checks/${check.id}`, { headers: auth })).json();
  const done = detail.matters.find((m) => m.matter === matter);
  assert.equal(done.verdict, 'flawed');
  assert.deepEqual(done.flaws, ['late', 'dissatisfied']);
});
