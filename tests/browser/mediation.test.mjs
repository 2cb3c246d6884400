// The dispute workflow in the browser, as the law requires it. The whole path: a grid
// worker records a neighbour dispute on the phone (GPS, a photo); it lands in the worker's
// grid; it is moved up to the community, whose officer takes it on. And the law's rules: no
// mediation without both parties' consent; a session recorded; the agreement drafted,
// signed and downloaded as a PDF; its terms carried out; follow-up visits scheduled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
  + '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

test('a grid worker records a dispute on the phone; the community takes it to a settled agreement', async () => {
  const phone = await newPage(browser, { width: 390, height: 844 });
  await login(phone, demo, 'gw001');
  // The worker's grid and a point inside it, to stand in for the phone's GPS.
  const grids = await phone.evaluate(async () => (await fetch('/api/v1/map/grids')).json());
  assert.equal(grids.features.length, 1, 'a grid worker sees one grid');
  const grid = grids.features[0];
  const ring = grid.geometry.type === 'Polygon' ? grid.geometry.coordinates[0] : grid.geometry.coordinates[0][0];
  const pts = ring.slice(0, -1);
  const [lon, lat] = [0, 1].map((i) => pts.reduce((s, p) => s + p[i], 0) / pts.length);
  await phone.context().grantPermissions(['geolocation']);
  await phone.context().setGeolocation({ latitude: lat, longitude: lon, accuracy: 8 });

  await phone.getByRole('link', { name: '事件受理' }).click();
  await phone.getByTestId('new-matter').click();
  await phone.getByLabel('事件类型').selectOption('dispute');
  await phone.getByLabel('纠纷类别').selectOption('neighbour');
  await phone.getByLabel('具体情况').fill('楼上住户装修噪音持续到深夜，楼下老人无法休息，双方在楼道发生争吵。');
  await phone.getByRole('button', { name: '使用手机定位' }).click();
  await phone.getByText(/已定位/).waitFor();
  assert.equal(Number(await phone.locator('#lat').inputValue()).toFixed(4), lat.toFixed(4));
  await phone.getByLabel('申请人', { exact: true }).fill('钱国华');
  await phone.getByLabel('被申请人').fill('孙志强');
  await phone.getByLabel('照片或材料（可拍照）').setInputFiles({ name: '现场.png', mimeType: 'image/png', buffer: PNG });
  await phone.getByRole('button', { name: '提交' }).click();
  await phone.waitForURL(/\/matters\/M\d{8}-\d{6}$/);
  const code = phone.url().split('/').pop();
  assert.equal((await phone.getByTestId('matter-grid').textContent()).trim(), grid.properties.name, 'routed to the worker\'s grid');
  assert.match(await phone.getByTestId('matter-tier').textContent(), /^网格/);
  assert.equal(await phone.getByTestId('files').locator('img').count(), 1);
  await phone.screenshot({ path: `${process.env.SCREENSHOT_DIR ?? '/tmp'}/matter-phone.png`, fullPage: true });
  // Moved up to the community, with the reason; the worker then follows it without acting.
  await phone.locator('#note').fill('双方分歧较大，需社区民警介入');
  await phone.locator('#step button[value=escalate]').click();
  await phone.waitForURL(new RegExp(`/matters/${code}$`));
  assert.match(await phone.getByTestId('matter-tier').textContent(), /^社区/);
  assert.equal(await phone.locator('#step').count(), 0, 'the community handles it now');
  assert.deepEqual(phone.consoleErrors, []);
  await phone.context().close();

  // The community officer takes it to an agreement, signed, in PDF, carried out.
  const page = await newPage(browser);
  await login(page, demo, 'co01');
  await page.goto(`${demo.base}/matters/${code}`);
  await page.getByTestId('consent-1').click();
  await page.getByTestId('consent-2').click();
  await step(page, 'start_mediation');
  await page.waitForURL(new RegExp(`/matters/${code}$`));
  assert.equal(await status(page), '调解中');
  const form = page.getByTestId('agreement-form');
  await form.locator('#points').fill('装修噪音影响老人休息。');
  await form.locator('#responsibilities').fill('孙志强调整装修时间，钱国华予以谅解。');
  await form.locator('select[name=term_obligor]').first().selectOption('孙志强');
  await form.locator('input[name=term_content]').first().fill('晚上8时后及午间不进行装修作业');
  await form.locator('input[name=term_manner]').first().fill('自行遵守，网格员监督');
  await form.getByRole('button', { name: '保存' }).click();
  await page.waitForURL(/#agreement$/);
  await step(page, 'reach_agreement');
  await page.waitForURL(new RegExp(`/matters/${code}$`));
  await page.getByTestId('sign').click();
  await page.waitForURL(/#agreement$/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('agreement-pdf').click()]);
  const bytes = await (await import('node:fs/promises')).readFile(await download.path());
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  await page.getByTestId('perform-1').click();
  await page.waitForURL(/#agreement$/);
  assert.equal(await status(page), '已办结 · 案结事了人和');
  // A follow-up visit scheduled on top of the automatic 7- and 30-day ones.
  await page.getByTestId('schedule-follow-up').getByRole('button', { name: '保存' }).click();
  await page.waitForURL(/#follow-ups$/);
  assert.equal(await page.locator('#follow-ups article').count(), 3);
  await page.context().close();
});

const status = async (page) => (await page.getByTestId('matter-status').textContent()).trim();
const step = async (page, event) => {
  await page.locator(`#step button[value=${event}]`).click();
};

test('the command room takes an accepted dispute from consent to a signed agreement', async () => {
  const page = await newPage(browser);
  await login(page, demo, 'duty1');
  await page.getByRole('link', { name: '事件受理' }).click();
  await page.getByText('更多筛选条件').click();
  await page.getByLabel('状态').selectOption('accepted');
  await page.getByLabel('类型').selectOption('dispute');
  await page.getByRole('button', { name: '查询' }).first().click();
  const first = page.getByTestId('matters').locator('tbody tr a').first();
  const code = (await first.getAttribute('href')).split('/').pop();
  await first.click();
  assert.equal(await status(page), '已受理');

  // No parties, no consent, no mediation: the page offers the step but says what comes
  // first (the server refuses it too; the API tests show that).
  const start = page.locator('#step button[value=start_mediation]');
  assert.equal(await start.isDisabled(), true);
  assert.match(await page.locator('#blocked-start_mediation').textContent(), /请先登记申请人和被申请人/);
  assert.equal(await page.locator('#step button[value=accept]').count(), 0, 'accepted already: not offered again');
  assert.equal(await status(page), '已受理');

  for (const [role, name, phone] of [['applicant', '钱国华', '13903581234'], ['respondent', '孙志强', '13903585678']]) {
    await page.locator('#p_role').selectOption(role);
    await page.locator('#p_name').fill(name);
    await page.locator('#p_phone').fill(phone);
    await page.getByRole('button', { name: '添加当事人' }).click();
    await page.waitForURL(new RegExp(`/matters/${code}#parties$`));
  }
  const parties = page.getByTestId('parties');
  assert.match(await parties.textContent(), /钱国华[\s\S]*孙志强/);
  assert.match(await parties.textContent(), /139\*\*\*\*1234/, 'phones masked');
  await page.getByTestId('consent-1').click();
  await page.getByTestId('consent-2').click();
  assert.equal((await parties.textContent()).match(/同意调解/g).length, 2);
  await step(page, 'start_mediation');
  await page.waitForURL(new RegExp(`/matters/${code}$`));
  assert.equal(await status(page), '调解中');

  await page.locator('#place').fill('府前社区调解室');
  await page.locator('#participants').fill('钱国华、孙志强、社区民警');
  await page.locator('#record').fill('双方就噪音问题各自陈述，同意调整装修时间并互相谅解。');
  await page.getByRole('button', { name: '记录一次调解' }).click();
  await page.waitForURL(new RegExp(`#sessions$`));

  const form = page.getByTestId('agreement-form');
  await form.locator('#points').fill('装修噪音影响休息。');
  await form.locator('#responsibilities').fill('孙志强调整装修时间，钱国华予以谅解。');
  await form.locator('select[name=term_obligor]').first().selectOption('孙志强');
  await form.locator('input[name=term_content]').first().fill('工作日12时至14时及18时后不进行装修作业');
  await form.locator('input[name=term_manner]').first().fill('自行遵守，网格员监督');
  await form.getByRole('button', { name: '保存' }).click();
  await page.waitForURL(new RegExp(`#agreement$`));
  assert.match(await page.getByTestId('agreement-number').textContent(), /调协.*号 · 草稿，未生效/);
  await step(page, 'reach_agreement');
  await page.waitForURL(new RegExp(`/matters/${code}$`));
  await page.getByTestId('sign').click();
  await page.waitForURL(new RegExp(`#agreement$`));
  assert.equal(await status(page), '协议履行中');
  assert.match(await page.getByTestId('agreement-number').textContent(), /已生效，可申请司法确认（剩 30 天）/);

  // The PDF downloads, in Chinese, with the full agreement.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('agreement-pdf').click()]);
  assert.equal(download.suggestedFilename(), `agreement-${code}.pdf`);
  const bytes = await (await import('node:fs/promises')).readFile(await download.path());
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');

  // The term carried out: the dispute is settled and follow-ups at 7 and 30 days appear.
  await page.getByTestId('perform-1').click();
  await page.waitForURL(new RegExp(`#agreement$`));
  assert.equal(await status(page), '已办结 · 案结事了人和');
  assert.equal(await page.locator('#follow-ups article').count(), 2);
  await page.screenshot({ path: `${process.env.SCREENSHOT_DIR ?? '/tmp'}/matter-settled.png`, fullPage: true });
  await page.context().close();
});
