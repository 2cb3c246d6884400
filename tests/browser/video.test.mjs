// Issue 11, item 6: the video desk walks a patrol round camera by camera from the keyboard;
// a fault it logs opens a repair task and reaches the video desk's live board within a
// second, and leaves it when the camera is fixed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login, axeViolations } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const shots = process.env.SCREENSHOT_DIR ?? '/tmp';

test('a round logs a fault that the video desk board shows until it is fixed', async () => {
  const board = await newPage(browser, { width: 1440, height: 900 });
  await login(board, demo, 'desk1');
  await board.goto(`${demo.base}/board?desk=video`);
  await board.getByTestId('board-live').filter({ hasText: '实时更新中' }).waitFor();
  const faults = Number(await board.locator('#c-cam-fault').textContent());
  assert.ok(faults > 0, 'the demo has cameras at fault');
  assert.match(await board.locator('#c-cam-cover').textContent(), /^\d+%$/);

  const page = await newPage(browser, { width: 1280, height: 860 }, { bypassCSP: true });
  await login(page, demo, 'desk1');
  await page.getByRole('link', { name: '视频巡查' }).first().click();
  await page.getByRole('heading', { name: '视频巡查', level: 1 }).waitFor();
  assert.match(await page.getByTestId('coverage').textContent(), /^\d+%$/);
  assert.ok(Number(await page.getByTestId('open-repairs').textContent()) > 0);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: `${shots}/video.png` });

  // Go on with the round of the key cameras (the demo left one in progress).
  await page.getByTestId('plans').getByRole('row', { name: /重点点位半小时巡查/ }).getByRole('button', { name: '开始巡查' }).click();
  await page.waitForURL(/\/video\/rounds\/\d+/);
  const progress = async () => Number((await page.getByTestId('round-progress').textContent()).match(/已查 (\d+)/)[1]);
  const before = await progress();
  const next = page.locator('tr#next');
  const device = await next.getAttribute('data-device');
  const name = (await next.locator('td a').first().textContent()).trim();
  // From the keyboard: the note, then Tab to the findings and on to 画面模糊.
  await next.getByLabel(/情况说明/).focus();
  await page.keyboard.type('镜头有雾，画面模糊');
  await page.keyboard.press('Tab'); // 正常
  await page.keyboard.press('Tab'); // 无图像
  await page.keyboard.press('Tab'); // 画面模糊
  await page.keyboard.press('Enter');
  await page.waitForURL(/#next$/);
  assert.equal(await progress(), before + 1);
  const row = page.locator(`tr[data-device="${device}"]`);
  assert.equal((await row.getByTestId('looked').textContent()).trim(), '画面模糊');
  assert.deepEqual(await axeViolations(page), []);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/patrol-round.png` });

  // The board shows the fault as an alarm within a second.
  const alarm = board.locator(`#board-alarms li[data-device="${device}"]`);
  await alarm.waitFor({ timeout: 1000 });
  assert.match(await alarm.textContent(), /故障/);
  assert.equal(Number(await board.locator('#c-cam-fault').textContent()), faults + 1);
  await board.screenshot({ path: `${shots}/board-video.png` });

  // The camera's page: its repair task, fixed; the alarm leaves the board.
  await page.goto(`${demo.base}/video/cameras/${device}`);
  await page.getByRole('heading', { name }).waitFor();
  assert.equal((await page.getByTestId('camera-status').textContent()).trim(), '故障');
  const repair = page.getByTestId('camera-repairs').locator('tbody tr').first();
  await repair.getByLabel('情况说明').fill('擦拭镜头后恢复');
  await repair.getByRole('button', { name: '已修复' }).click();
  await page.waitForURL(new RegExp(`/video/cameras/${device}$`));
  assert.equal((await page.getByTestId('camera-status').textContent()).trim(), '在线');
  await alarm.waitFor({ state: 'detached', timeout: 1000 });
  assert.equal(Number(await board.locator('#c-cam-fault').textContent()), faults);
  await page.screenshot({ path: `${shots}/camera.png`, fullPage: true });
});
