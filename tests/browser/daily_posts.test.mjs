// Issue 11, item 8: the daily grid post (一日一微). A grid worker on a phone opens today's post
// of their grid (drafted from the day's records), adds a line and sends it to the grid's
// group; another session sees it sent with that line. The command room reads yesterday's
// posts of every grid, as the demo sent them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login, apiToken, axeViolations } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const shots = process.env.SCREENSHOT_DIR ?? '/tmp';

test("a grid worker edits and sends the grid's daily post from the phone", async () => {
  const gw = { authorization: `Bearer ${await apiToken(demo, 'gw001')}` };
  const me = await (await fetch(`${demo.base}/api/v1/me`, { headers: gw })).json();
  const grid = me.unit.code;

  const page = await newPage(browser, { width: 390, height: 844 }, { bypassCSP: true });
  await login(page, demo, 'gw001');
  await page.goto(`${demo.base}/daily-posts`);
  await page.getByRole('heading', { name: /一日一微/, level: 1 }).waitFor();
  const row = page.getByTestId('daily-posts').locator(`tr[data-grid="${grid}"]`);
  assert.equal(await page.getByTestId('daily-posts').locator('tbody tr').count(), 1, 'a grid worker sees their own grid');
  assert.deepEqual(await axeViolations(page), []);
  // Before 18:00 the day's post is drafted on request; from 18:00 the evening job has drafted it.
  await row.getByRole('button', { name: /起草/ }).or(row.getByRole('link', { name: '修改发送' })).click();
  await page.waitForURL(/\/daily-posts\/\d+$/);
  const id = page.url().split('/').pop();
  assert.equal(await page.getByTestId('post-status').textContent(), '待发送');
  const text = page.getByLabel('发送内容');
  const drafted = await text.inputValue();
  assert.match(drafted, /^【一日一微】/, 'the draft begins with its heading');
  assert.match(drafted, /温馨提示：/);
  // The figures are those the API counts.
  const api = await (await fetch(`${demo.base}/api/v1/daily-posts/${id}`, { headers: gw })).json();
  assert.equal(await page.getByTestId('post-figures').locator('[data-figure="visits"]').textContent(), String(api.figures.visits));
  assert.equal(await page.getByTestId('post-figures').locator('[data-figure="open_matters"]').textContent(), String(api.figures.open_matters));
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: `${shots}/daily-post-phone.png`, fullPage: true });

  // An empty text is refused with the field named, and nothing is sent.
  await text.fill('');
  await page.getByRole('button', { name: '保存' }).evaluate((b) => b.form.noValidate = true);
  await page.getByRole('button', { name: '保存' }).click();
  await page.locator('.field-error').first().waitFor();
  assert.equal(await page.getByLabel('发送内容').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('发送内容').fill(`${drafted}\n今晚七点社区广场有反诈宣传，欢迎参加。`);
  await page.getByRole('button', { name: '发送到网格群' }).click();
  await page.waitForURL(new RegExp(`/daily-posts/${id}$`));
  assert.equal(await page.getByTestId('post-status').textContent(), '已发送');
  assert.match(await page.getByTestId('post-body').textContent(), /反诈宣传，欢迎参加。$/);
  assert.equal(await page.getByLabel('发送内容').count(), 0, 'a sent post is no longer a form');

  // Another session sees it sent, with the line added.
  const cmd = { authorization: `Bearer ${await apiToken(demo, 'commander')}` };
  const sent = await (await fetch(`${demo.base}/api/v1/daily-posts?status=sent&limit=200`, { headers: cmd })).json();
  const mine = sent.items.find((p) => p.grid === grid);
  assert.ok(mine, 'the commander lists it among the sent');
  assert.match(mine.body, /反诈宣传/);
  assert.equal(mine.sender, me.display_name, 'sent by the grid worker');
});

test("the command room reads yesterday's posts of every grid", async () => {
  const cmd = { authorization: `Bearer ${await apiToken(demo, 'commander')}` };
  const today = (await (await fetch(`${demo.base}/api/v1/daily-posts?limit=1`, { headers: cmd })).json()).day;
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  const yesterday = d.toISOString().slice(0, 10);
  const api = await (await fetch(`${demo.base}/api/v1/daily-posts?day=${yesterday}&limit=1`, { headers: cmd })).json();
  assert.ok(api.sent > 0 && api.sent <= api.grids, `the demo sent most of yesterday's posts: ${api.sent}/${api.grids}`);

  const page = await newPage(browser, { width: 1280, height: 860 }, { bypassCSP: true });
  await login(page, demo, 'commander');
  await page.goto(`${demo.base}/daily-posts`);
  await page.getByRole('link', { name: '前一天' }).click();
  await page.waitForURL(new RegExp(`day=${yesterday}`));
  const counts = page.getByTestId('dp-counts').locator('.n');
  assert.deepEqual(await counts.allTextContents(), [String(api.grids), String(api.sent), String(api.drafts)]);
  await page.getByRole('link', { name: '待发送' }).click();
  const left = await page.getByTestId('daily-posts').locator('tbody tr').count();
  assert.equal(left, Math.min(api.drafts, 50), 'the unsent ones, a page of them');
  await page.getByRole('link', { name: '全部网格' }).click();
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: `${shots}/daily-posts.png` });
  // The command room reads a post; it does not edit one.
  await page.getByTestId('daily-posts').getByRole('link', { name: '查看' }).first().click();
  await page.waitForURL(/\/daily-posts\/\d+$/);
  assert.match(await page.getByTestId('post-body').textContent(), /^【一日一微】/);
  assert.equal(await page.getByLabel('发送内容').count(), 0);
});
