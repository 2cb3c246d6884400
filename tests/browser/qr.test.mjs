// 一户一码: a resident opens the household page from its QR address without logging in,
// submits a matter, sees its status and rates it; a reissued code revokes the old one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

async function qrAddress(page, code) {
  await page.goto(`${demo.base}/households/${code}`);
  // The code image is served to staff, and its address printed beside it.
  const img = page.getByTestId('household-qr');
  await img.waitFor();
  assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the QR image loads');
  return (await page.getByTestId('qr-url').textContent()).trim();
}

test('a resident reports a dispute through the household QR page; a replaced code says so', async () => {
  const staff = await newPage(browser);
  await login(staff, demo, 'gw001');
  const url = await qrAddress(staff, 'XY-C01-G01-H0002');
  assert.match(url, /\/q\/[A-Za-z0-9_-]{43}$/);

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const page = await phone.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.getByRole('heading', { name: '您的住址' }).waitFor();
  assert.match(await page.textContent('body'), /网格员/);
  await page.getByText('和邻居有矛盾').click();
  await page.getByLabel('具体情况').fill('楼上邻居装修噪音持续到深夜，多次沟通无果');
  await page.getByLabel('联系电话（选填）').fill('13912345678');
  await page.getByRole('button', { name: '提交' }).first().click();
  const notice = await page.getByTestId('notice').textContent();
  const code = notice.match(/M\d{8}-\d{6}/)[0];
  const item = page.locator(`[data-code="${code}"]`);
  assert.equal((await item.getByTestId('status').textContent()).trim(), '已登记');
  // Rated only once it is closed (roles.test.mjs rates one after closure).
  assert.equal(await item.getByTestId('rating-form').count(), 0);
  assert.match(await item.textContent(), /办结后可以在这里评价/);
  assert.deepEqual(errors, []);

  // Bad input gets a clear message and nothing is lost from the page.
  await page.getByText('需要帮忙').click();
  await page.getByLabel('具体情况').fill('短');
  await page.getByLabel('具体情况').evaluate((el) => el.removeAttribute('minlength'));
  await page.getByRole('button', { name: '提交' }).first().click();
  await page.getByRole('alert').filter({ hasText: '2 到 1000' }).waitFor();

  // Reissuing the code asks for confirmation; the old address then says it was replaced.
  await staff.getByText('重新生成二维码（旧码作废）').first().click();
  await staff.getByLabel(/我确认：旧二维码将立即作废/).check();
  await staff.getByRole('button', { name: '重新生成二维码（旧码作废）' }).click();
  const fresh = await qrAddress(staff, 'XY-C01-G01-H0002');
  assert.notEqual(fresh, url);
  const gone = await page.goto(url);
  assert.equal(gone.status(), 410);
  await page.getByRole('heading', { name: '这个二维码已更换' }).waitFor();
  assert.equal((await page.goto(fresh)).status(), 200);
  assert.equal((await page.goto(`${demo.base}/q/not-a-token`)).status(), 404);
  await phone.close();
  await staff.context().close();
});

test('a printable sheet holds the QR codes of a building', async () => {
  const page = await newPage(browser);
  await login(page, demo, 'co01');
  await page.goto(`${demo.base}/buildings/XY-C01-G01-B01/qr-sheet`);
  const cards = page.getByTestId('qr-sheet').locator('figure');
  const n = await cards.count();
  assert.ok(n >= 1 && n <= 24, `a building holds 1 to 24 households, got ${n}`);
  assert.equal(await page.getByTestId('qr-sheet').locator('figure svg').count(), n, 'one code per household');
  for (const c of await cards.locator('figcaption code').allTextContents()) assert.match(c, /^XY-C01-G01-H\d{4}$/);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});
