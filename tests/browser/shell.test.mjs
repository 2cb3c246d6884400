// The web shell in a real browser: every demo login, jurisdiction limits, language switch,
// the audit log, and no console errors anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login, freshTotp, PASSWORD } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const EXPECTED_ROLES = ['sysadmin', 'secadmin', 'auditor', 'commander', 'duty1', 'duty2', 'desk1', 'co01', 'go001', 'gw001', 'med01', 'cs01', 'liaison1', 'street', 'cl01'];

// One per role, and a second duty commander: the next shift's, who signs duty1's handover.
test('the demo prints one login per role', () => {
  assert.deepEqual(Object.keys(demo.logins).sort(), [...EXPECTED_ROLES].sort());
  for (const admin of ['sysadmin', 'secadmin', 'auditor']) assert.match(demo.logins[admin].totp, /^[A-Z2-7]{32}$/);
});

test('every printed login works in the browser and sees only its jurisdiction', async () => {
  for (const username of EXPECTED_ROLES) {
    const page = await newPage(browser);
    await login(page, demo, username);
    const unit = demo.logins[username].unit;
    // The organisation page starts at the user's own unit: nothing above or beside it.
    const resp = await page.goto(`${demo.base}/org`);
    assert.equal(resp.status(), 200, `${username} /org`);
    // One root, the user's own unit; everything else is nested below it.
    const roots = await page.locator('[data-testid=org-tree] > li > code').allTextContents();
    assert.deepEqual(roots, [unit], `${username}'s tree starts at ${unit}`);
    const visible = new Set(await page.locator('[data-testid=org-tree] code').allTextContents());
    assert.deepEqual(page.consoleErrors, [], `${username}: console errors`);
    // A unit outside the jurisdiction is refused.
    const other = ['XY-C02', 'XY-C03', 'XY-CR', 'XY'].find((c) => !visible.has(c));
    if (other) {
      const denied = await page.goto(`${demo.base}/org/${other}`);
      assert.equal(denied.status(), 403, `${username} must not open ${other}`);
    }
    page.consoleErrors = []; // the browser logs the intended 403 as a failed load
    // People lists stay inside the jurisdiction too.
    const people = await page.goto(`${demo.base}/people`);
    if (['auditor'].includes(username)) {
      page.consoleErrors = []; // the intended 403
      assert.equal(people.status(), 403, `${username} has no people list`);
    } else {
      assert.equal(people.status(), 200, `${username} /people`);
      const units = await page.locator('[data-testid=people-table] tbody tr td:nth-child(3) a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(units.length >= 1, `${username} sees at least themself`);
      for (const href of units) assert.ok(visible.has(href.replace('/org/', '')), `${username} sees a person in ${href}`);
      // Phone numbers in lists are masked.
      const phones = await page.locator('[data-testid=people-table] tbody td.num').allTextContents();
      for (const p of phones.filter(Boolean)) assert.match(p.trim(), /^1\d\d\*{4}\d{4}$/);
    }
    if (username !== 'auditor') assert.deepEqual(page.consoleErrors, [], `${username}: console errors`);
    page.consoleErrors = [];
    const audit = await page.goto(`${demo.base}/audit`);
    assert.equal(audit.status(), username === 'auditor' ? 200 : 403, `${username} /audit`);
    if (username === 'auditor') assert.deepEqual(page.consoleErrors, [], `${username}: console errors`);
    await page.context().close();
  }
});

test('a grid worker sees exactly their own grid and its volunteer team', async () => {
  const page = await newPage(browser, { width: 390, height: 844 });
  await login(page, demo, 'gw001');
  await page.goto(`${demo.base}/org`);
  const codes = await page.locator('[data-testid=org-tree] code').allTextContents();
  assert.deepEqual(codes, ['XY-C01-G01', 'XY-C01-G01-VT']);
  const neighbour = await page.goto(`${demo.base}/org/XY-C01-G02`);
  page.consoleErrors = [];
  assert.equal(neighbour.status(), 403);
  await page.context().close();
});

test('the command room sees the whole station', async () => {
  const page = await newPage(browser);
  await login(page, demo, 'commander');
  for (const code of ['XY-C14-G11', 'XY-ST', 'XY-CR-D5', 'XY-MC', 'XY-C14-G11-VT']) {
    const r = await page.goto(`${demo.base}/org/${code}`);
    assert.equal(r.status(), 200, code);
  }
  // The organisation's figures are on the organisation page (the workbench is work).
  await page.goto(`${demo.base}/org`);
  assert.equal(await page.locator('[data-kind=grid]').textContent(), '156');
  assert.equal(await page.locator('[data-kind=police_grid]').textContent(), '68');
  assert.equal(await page.locator('[data-kind=community]').textContent(), '14');
  await page.context().close();
});

test('the language switches to English and back', async () => {
  const page = await newPage(browser);
  await login(page, demo, 'cl01');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.getByRole('link', { name: '工作台' }).waitFor();
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForURL(/\/dashboard/);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.getByRole('link', { name: 'Dashboard' }).waitFor();
  await page.getByRole('link', { name: 'Organisation' }).click();
  await page.getByRole('heading', { name: 'Organisation', exact: true }).waitFor();
  await page.getByRole('link', { name: '中文' }).click();
  await page.getByRole('link', { name: '组织架构' }).waitFor();
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test('a wrong password is refused with a message and audited; the auditor finds it', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/login`);
  await page.getByLabel('用户名').fill('gw002');
  await page.getByLabel('密码', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();
  await page.context().close();

  const auditor = await newPage(browser);
  await login(auditor, demo, 'auditor');
  await auditor.goto(`${demo.base}/audit?actor=gw002&result=failure`);
  const rows = await auditor.locator('[data-testid=audit-table] tbody tr').count();
  assert.ok(rows >= 1, 'the failed login is in the audit log');
  await auditor.context().close();
});

test('every printed login also works through POST /api/v1/session', async () => {
  for (const username of EXPECTED_ROLES) {
    const body = { username, password: PASSWORD };
    const secret = demo.logins[username].totp;
    if (secret) body.totp = await freshTotp(username, secret);
    const r = await fetch(`${demo.base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 201, `${username}: ${await r.clone().text()}`);
    const { token, user } = await r.json();
    assert.equal(user.username, username);
    const me = await fetch(`${demo.base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).unit.code, demo.logins[username].unit);
  }
});
