// 实有人口 and 一户一档 in the browser: search, the household file, a visit recorded from a
// phone, and an audited reveal of full ID numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

test('a grid worker opens a household file on the phone and records a visit', async () => {
  const page = await newPage(browser, { width: 390, height: 844 });
  await login(page, demo, 'gw001');
  await page.getByRole('link', { name: '实有人口' }).click();
  const first = page.getByTestId('households').locator('tbody tr a').first();
  const code = (await first.textContent()).trim();
  assert.match(code, /^XY-C01-G01-H\d{4}$/, 'only households of the grid worker\'s own grid');
  await first.click();
  await page.getByRole('heading', { name: new RegExp(`一户一档 ${code}`) }).waitFor();
  // Members show only the last 4 characters of their ID numbers to a grid worker (no
  // personal-data permission), and an age instead of the birth date.
  const ids = await page.getByTestId('members').locator('tbody tr td:nth-child(5)').allTextContents();
  assert.ok(ids.length > 0);
  for (const id of ids) assert.match(id.trim(), /^\*{14}[\dX]{4}$/);
  const ages = await page.getByTestId('members').locator('tbody tr td:nth-child(4)').allTextContents();
  for (const age of ages) assert.match(age.trim(), /^\d{1,3}$/);
  const before = await page.getByTestId('visits').locator('tbody tr').count().catch(() => 0);
  await page.getByLabel('走访类型').selectOption('publicity');
  await page.getByLabel('走访情况').fill('宣传反诈知识，发放资料');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByTestId('visits').locator('tbody tr').first().filter({ hasText: '宣传反诈知识，发放资料' }).waitFor();
  assert.equal(await page.getByTestId('visits').locator('tbody tr').count(), before + 1);
  // The change is in the household's history, the reads are not.
  const history = await page.getByTestId('history').textContent();
  // In words: what was done, by whom (the worker's name, not the login), which visit.
  assert.match(history, /入户走访钱芳入户宣传/);
  assert.doesNotMatch(history, /household|gw001|查看一户一档/);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test('search by name finds a resident, and the commander reveals full numbers with a purpose', async () => {
  const page = await newPage(browser);
  await login(page, demo, 'commander');
  await page.goto(`${demo.base}/registry`);
  // Take a real resident from a household file, then find them by their initials.
  await page.getByTestId('households').locator('tbody tr a').first().click();
  const name = (await page.getByTestId('members').locator('tbody tr td').first().textContent()).trim();
  const code = page.url().split('/').pop();
  await page.goto(`${demo.base}/registry`);
  await page.getByLabel('查找居民').fill(name);
  await page.getByRole('button', { name: '查询' }).first().click();
  await page.getByTestId('resident-results').getByRole('link', { name }).first().waitFor();
  await page.goto(`${demo.base}/households/${code}`);
  await page.getByLabel('查看事由').fill('核实身份');
  await page.getByRole('button', { name: '查看完整身份证号和手机号' }).click();
  const ids = await page.getByTestId('members').locator('tbody tr td:nth-child(5)').allTextContents();
  for (const id of ids) assert.match(id.trim(), /^\d{17}[\dX]$/);
  await page.context().close();
  // The auditor finds that read, with its purpose.
  const auditor = await newPage(browser);
  await login(auditor, demo, 'auditor');
  await auditor.goto(`${demo.base}/audit?action=household.read_personal`);
  const row = auditor.getByTestId('audit-table').locator('tbody tr').filter({ hasText: code });
  await row.filter({ hasText: '核实身份' }).first().waitFor();
  await auditor.context().close();
});

test('the map colours grids by households and visit coverage', async () => {
  const page = await newPage(browser);
  await login(page, demo, 'street');
  await page.goto(`${demo.base}/map`);
  await page.locator('#map-status[data-count="156"]').waitFor();
  await page.getByLabel('着色指标').selectOption('visit_coverage');
  await page.getByTestId('map-legend').filter({ hasText: '本月走访覆盖率' }).waitFor();
  await page.locator('#map path[data-grid="XY-C02-G05"]').click();
  const card = await page.getByTestId('grid-card').textContent();
  assert.match(card, /住户数\d+/);
  assert.match(card, /本月走访覆盖率\d+%/);
  assert.match(card, /未办结事项\d+/);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test('a grid worker uploads households: rows outside the grid are named, the rest imported on request', async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const page = await newPage(browser);
  await login(page, demo, 'gw001');
  await page.goto(`${demo.base}/households/XY-C01-G01-H0001`);
  const [lat, lon] = (await page.getByTestId('household-facts').locator('dd').nth(4).textContent()).split(',').map((s) => s.trim());
  const dir = mkdtempSync(join(tmpdir(), 'fq-upload-'));
  const file = join(dir, 'households.csv');
  writeFileSync(file, 'household_code,address,lat,lon,dwelling_type,is_rental,phone\n'
    + `UP-H0001,府前社区新楼1号,${lat},${lon},owner_occupied,0,\n`
    + 'UP-H0002,崇文社区某楼2号,37.1280,111.7750,rented,1,\n');
  await page.goto(`${demo.base}/registry/import`);
  await page.getByLabel('数据类型').selectOption('households');
  await page.getByLabel('CSV 文件（UTF-8）').setInputFiles(file);
  await page.getByRole('button', { name: '导入' }).click();
  const errors = page.getByTestId('import-errors');
  await errors.waitFor();
  assert.match(await errors.textContent(), /3.*lat.*outside your jurisdiction/s);
  assert.equal((await page.getByTestId('created').textContent()).trim(), '0');
  page.consoleErrors = []; // the browser logs the intended 422 as a failed load
  await page.getByLabel('CSV 文件（UTF-8）').setInputFiles(file);
  await page.getByLabel('跳过有误的行，导入其余行').check();
  await page.getByRole('button', { name: '导入' }).click();
  await page.getByTestId('import-result').getByText('导入完成').waitFor();
  assert.equal((await page.getByTestId('created').textContent()).trim(), '1');
  assert.equal((await page.goto(`${demo.base}/households/UP-H0001`)).status(), 200);
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});
