// Issue 11, item 2: the duty commander on duty prepares the handover sheet from the roster
// page; it lists what the data says (the open instructions, the alerts nobody acknowledged,
// the cameras offline or at fault), and is signed by the outgoing, then the incoming duty
// commander, each in their own session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login, apiToken, axeViolations } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const shots = process.env.SCREENSHOT_DIR ?? '/tmp';

test('the handover sheet of a shift lists what the data says and is signed by both', async () => {
  const cmd = await apiToken(demo, 'commander');
  const auth = { authorization: `Bearer ${cmd}`, 'content-type': 'application/json' };
  const get = async (path) => { const r = await fetch(`${demo.base}/api/v1${path}`, { headers: auth }); assert.equal(r.status, 200, path); return r.json(); };
  // Who hands over to whom: the duty commander on duty now, and the next one.
  const onDuty = (await get('/on-duty')).find((d) => d.post === 'duty_commander');
  assert.ok(onDuty, 'a duty commander is on duty in the demo');
  const next = (await get('/roster?days=3')).find((d) => d.post === 'duty_commander' && d.starts_at === onDuty.ends_at && ['assigned', 'confirmed'].includes(d.state));
  assert.ok(next, 'the next shift has its duty commander');

  // New data just before the handover: an instruction, a camera gone offline.
  const due = new Date(Date.now() + 2 * 86400e3 + 8 * 3600e3).toISOString().slice(0, 16);
  let r = await fetch(`${demo.base}/api/v1/instructions`, { method: 'POST', headers: auth, body: JSON.stringify({ title: '夜间重点部位巡查', body: '今晚加强府前社区烧烤店周边巡查。', to_unit: 'XY-C01', report_due: due }) });
  assert.equal(r.status, 201, await r.clone().text());
  const instruction = (await r.json()).code;
  const camera = (await get('/cameras?status=online&tier=ordinary&limit=1')).items[0];
  r = await fetch(`${demo.base}/api/v1/cameras/${camera.device_id}/status`, { method: 'POST', headers: auth, body: JSON.stringify({ status: 'offline' }) });
  assert.equal(r.status, 200);
  const openInstructions = (await get('/instructions?scope=all&open=true&limit=1')).total;
  const alerts = (await get('/alerts')).length;
  const cameras = (await get('/cameras?status=offline&limit=1')).total + (await get('/cameras?status=fault&limit=1')).total;

  // The outgoing duty commander prepares it from the roster page.
  const out = await newPage(browser, { width: 1280, height: 860 }, { bypassCSP: true });
  await login(out, demo, onDuty.username);
  await out.getByRole('link', { name: '值班表' }).first().click();
  await out.getByRole('heading', { name: '值班表', level: 1 }).waitFor();
  assert.match(await out.getByTestId('on-duty').textContent(), new RegExp(onDuty.name));
  assert.deepEqual(await axeViolations(out), []);
  await out.screenshot({ path: `${shots}/roster.png`, fullPage: true });
  await out.getByLabel('交接说明').fill('府前社区烧烤店周边夜间加密巡逻一次。');
  await out.getByRole('button', { name: '生成交接班单' }).click();
  await out.waitForURL(/\/handovers\/\d+$/);
  const url = out.url();
  const count = async (id) => Number(await out.getByTestId(id).locator('h2 .muted').textContent());
  assert.equal(await count('sheet-instructions'), openInstructions);
  assert.equal(await count('sheet-alerts'), alerts);
  assert.equal(await count('sheet-cameras'), cameras);
  await out.getByTestId('sheet-instructions').locator(`tr[data-code="${instruction}"]`).waitFor();
  await out.getByTestId('sheet-cameras').locator(`li[data-device="${camera.device_id}"]`).waitFor();
  assert.match(await out.getByTestId('signed-out').textContent(), /未签字/);
  await out.getByRole('button', { name: '交班签字' }).click();
  await out.waitForURL(url);
  assert.match(await out.getByTestId('signed-out').textContent(), new RegExp(onDuty.name));
  assert.equal(await out.getByRole('button', { name: '接班签字' }).count(), 0, 'not theirs to sign as incoming');

  // The incoming one signs in their own session.
  const inc = await newPage(browser, { width: 1280, height: 860 }, { bypassCSP: true });
  await login(inc, demo, next.username);
  await inc.goto(url);
  await inc.getByRole('button', { name: '接班签字' }).click();
  await inc.waitForURL(url);
  assert.match(await inc.getByTestId('signed-in').textContent(), new RegExp(next.name));
  assert.deepEqual(await axeViolations(inc), []);
  await inc.screenshot({ path: `${shots}/handover.png`, fullPage: true });
});
