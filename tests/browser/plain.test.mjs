// Issue 10, item 5: the Chinese pages speak Chinese. Every page each role meets in the demo
// is read as the user sees it (the rendered text, not the markup) and must show no internal
// code: no snake_case word (status, kind, role or category codes), no role or mediator
// code, no English system actor, and no username where the person's name is known (the
// people and account pages, which show the login itself, excepted). The audit log, which
// shows records as they were stored for the auditor, is not read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, login } from './lib.mjs';

let demo, browser;
before(async () => { demo = await startDemo(); browser = await launch(); });
after(async () => { await browser?.close(); demo?.stop(); });

const SNAKE = /\b[a-z]+(?:_[a-z]+)+\b/g;
const DOTTED = /\b[a-z]+(?:\.[a-z_]+)+\b/g;
const WORDS = /\b(?:commander|mediator|counsellor|governance|community|justice|court|lawyer|elder|demo|rules|scheduler|resident|dispute|hazard|request|tip|incident|registered|accepted|mediating|closed|settled|resolved|withdrawn|grid|street|none|yellow|orange|red|care|monthly|publicity|other|applicant|respondent|patrol|screening|referral|neighbour|simple|ordinary|difficult|normal|high|urgent|low)\b/g;
const USERNAME = /\b(?:gw\d{3}|go\d{3}|co\d{2}|cl\d{2}|med\d{2}|duty\d|desk\d|cs\d{2}|liaison\d|sysadmin|secadmin|auditor)\b/g;

/** The internal codes in a text (usernames too, unless `logins` may show). */
function codesIn(text, logins = false) {
  const found = [...(text.match(SNAKE) ?? []), ...(text.match(DOTTED) ?? []), ...(text.match(WORDS) ?? [])];
  if (!logins) found.push(...(text.match(USERNAME) ?? []));
  return [...new Set(found)];
}

/** The internal codes a page shows as the user reads it. */
async function codesOn(page, path) {
  return codesIn(await page.evaluate(() => document.body.innerText), /^\/(people|account)/.test(path));
}

test('the check finds what the issue saw', () => {
  assert.deepEqual(codesIn('household.visit · gw001 · care'), ['household.visit', 'care', 'gw001']);
  assert.deepEqual(codesIn('governance · demo · lat: required'), ['governance', 'demo']);
  assert.deepEqual(codesIn('状态：mediation_failed（M20261129-D00444，XY-C01-G01）'), ['mediation_failed']);
  assert.deepEqual(codesIn('钱芳 · 府前社区第1网格 · 调解中'), []);
});

/** The first few links of a list on the current page. */
async function links(page, selector, n) {
  return (await page.locator(selector).evaluateAll((as) => as.map((a) => a.getAttribute('href')))).slice(0, n);
}

test('no Chinese page shows an internal code', async () => {
  const problems = [];
  let visited = 0;
  const visit = async (page, path) => {
    const r = await page.goto(`${demo.base}${path}`);
    assert.ok(r.status() < 400, `${path}: ${r.status()}`);
    visited += 1;
    const codes = await codesOn(page, path);
    if (codes.length) problems.push(`${path}: ${codes.join(', ')}`);
  };
  const plan = {
    commander: async (page) => {
      for (const p of ['/dashboard', '/matters', '/supervision', '/warning', '/registry', '/registry/organisations', '/org', '/org/XY-C01', '/volunteers', '/map', '/screening']) await visit(page, p);
      await page.goto(`${demo.base}/matters?kind=dispute&status=closed`);
      for (const href of await links(page, '[data-testid=matters] tbody tr a', 3)) {
        await visit(page, href);
        await visit(page, `${href}/agreement`);
      }
      await page.goto(`${demo.base}/matters?status=open`);
      for (const href of await links(page, '[data-testid=matters] tbody tr a', 4)) await visit(page, href);
      await page.goto(`${demo.base}/registry`);
      for (const href of await links(page, '[data-testid=households] tbody tr a', 2)) await visit(page, href);
    },
    med01: async (page) => {
      for (const p of ['/dashboard', '/cases', '/cases?closed=1']) await visit(page, p);
      await page.goto(`${demo.base}/cases?closed=1`);
      for (const href of await links(page, '[data-testid=cases] a.item', 3)) await visit(page, href);
    },
    gw001: async (page) => {
      for (const p of ['/dashboard', '/matters/new', '/matters', '/registry']) await visit(page, p);
      await page.goto(`${demo.base}/dashboard`);
      for (const href of await links(page, 'a.item', 4)) await visit(page, href);
    },
    co01: async (page) => { await visit(page, '/dashboard'); },
    street: async (page) => { await visit(page, '/dashboard'); },
    cl01: async (page) => { await visit(page, '/dashboard'); },
  };
  for (const [user, run] of Object.entries(plan)) {
    const page = await newPage(browser, { width: 390, height: 844 });
    await login(page, demo, user);
    await run(page);
    await page.context().close();
  }
  assert.ok(visited >= 35, `only ${visited} pages read`);
  assert.deepEqual(problems, []);
});
