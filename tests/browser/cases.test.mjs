// Issue 11, item 4: case work by size. The commander sets an open matter to be worked by
// combined units from its page; the workload board counts it for the battalion leading it,
// as the API does; a cluster's page lists its child cases.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login, apiToken, axeViolations } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const shots = process.env.SCREENSHOT_DIR ?? '/tmp';

test('a case set up as combined units shows on its page and on the workload board', async () => {
  const token = await apiToken(demo, 'commander');
  const auth = { authorization: `Bearer ${token}` };
  const get = async (path) => { const r = await fetch(`${demo.base}/api/v1${path}`, { headers: auth }); assert.equal(r.status, 200, path); return r.json(); };
  const before = await get('/case-workload');
  const b2 = before.teams.find((t) => t.code === 'XY-B2');
  assert.ok(b2, 'the demo has the second combined battalion');
  // An open matter not yet set up as a case.
  let matter;
  for (const m of (await get('/matters?status=accepted&limit=100')).items) {
    if ((await get(`/matters/${m.code}/operation`)).operation === null) { matter = m; break; }
  }
  assert.ok(matter, 'an accepted matter not yet worked as a case');

  const page = await newPage(browser, { width: 1280, height: 860 }, { bypassCSP: true });
  await login(page, demo, 'commander');
  await page.goto(`${demo.base}/matters/${matter.code}`);
  const section = page.getByTestId('case');
  await section.getByText('设置作战方式').click();
  await section.getByLabel('合成作战').check();
  await section.getByLabel('主办单位').selectOption({ label: '合成作战综合二大队' });
  await section.getByLabel('协同单位').selectOption([{ label: '案件办理队' }]);
  const people = await section.getByLabel('办案人员').locator('option').evaluateAll((os) => os.slice(0, 2).map((o) => o.value));
  await section.getByLabel('办案人员').selectOption(people);
  await section.getByRole('button', { name: '保存' }).click();
  await page.waitForURL(new RegExp(`/matters/${matter.code}#case$`));
  assert.equal(await page.getByTestId('case-lead').textContent(), '合成作战综合二大队');
  assert.match(await page.getByTestId('case-units').textContent(), /案件办理队/);
  assert.match(await page.locator('body').textContent(), /合成作战：主办 合成作战综合二大队/, 'on the timeline');
  assert.deepEqual(await axeViolations(page), []);

  // The board counts it for the battalion, as the API does.
  await page.getByRole('link', { name: '办案力量' }).first().click();
  await page.getByRole('heading', { name: '办案力量', level: 1 }).waitFor();
  const after = await get('/case-workload');
  assert.equal(after.teams.find((t) => t.code === 'XY-B2').combined, b2.combined + 1);
  const row = page.getByTestId('wl-teams').locator('tr[data-code="XY-B2"] td');
  assert.equal(Number(await row.nth(3).textContent()), b2.combined + 1);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: `${shots}/workload.png`, fullPage: true });

  // A cluster and its child cases.
  let cluster;
  for (const m of (await get('/matters?limit=200')).items) {
    const o = await get(`/matters/${m.code}/operation`);
    if (o.operation === 'cluster' && o.children.length) { cluster = { code: m.code, o }; break; }
  }
  assert.ok(cluster, 'the demo has a cluster with child cases');
  await page.goto(`${demo.base}/matters/${cluster.code}`);
  const children = await page.getByTestId('case-children').locator('li').evaluateAll((ls) => ls.map((l) => l.dataset.code));
  assert.deepEqual(children, cluster.o.children.map((c) => c.code));
  await page.getByTestId('case').screenshot({ path: `${shots}/case-cluster.png` });
});
