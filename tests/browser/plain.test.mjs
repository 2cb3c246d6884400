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
  let found = [...(text.match(SNAKE) ?? []), ...(text.match(DOTTED) ?? []), ...(text.match(WORDS) ?? [])];
  if (!logins) found.push(...(text.match(USERNAME) ?? []));
  // Where logins may show, a login that is also a word (commander, street) is one.
  else found = found.filter((w) => !(demo && w in demo.logins));
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

/** The pages each role meets, read by `visit(page, path)`. */
const PLAN = {
  commander: async (page, visit) => {
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
    for (const p of ['/instructions?scope=all', '/instructions/new', '/board', '/notifications']) await visit(page, p);
    await page.goto(`${demo.base}/instructions?scope=all`);
    for (const href of await links(page, '[data-testid=instructions] tbody tr td:first-child a', 3)) await visit(page, href);
  },
  med01: async (page, visit) => {
    for (const p of ['/dashboard', '/cases', '/cases?closed=1']) await visit(page, p);
    await page.goto(`${demo.base}/cases?closed=1`);
    for (const href of await links(page, '[data-testid=cases] a.item', 3)) await visit(page, href);
  },
  gw001: async (page, visit) => {
    for (const p of ['/dashboard', '/matters/new', '/matters', '/registry']) await visit(page, p);
    await page.goto(`${demo.base}/dashboard`);
    for (const href of await links(page, 'a.item', 4)) await visit(page, href);
  },
  co01: async (page, visit) => { for (const p of ['/dashboard', '/registry/import', '/supervision', '/warning']) await visit(page, p); },
  street: async (page, visit) => { await visit(page, '/dashboard'); },
  cl01: async (page, visit) => { await visit(page, '/dashboard'); },
  sysadmin: async (page, visit) => { for (const p of ['/people', '/people/new', '/org/XY', '/notifications']) await visit(page, p); },
};

/** Walk every role's pages, `english` or in Chinese; `read(page, path)` returns problems. */
async function walk(english, read) {
  const problems = [];
  let visited = 0;
  const visit = async (page, path) => {
    const r = await page.goto(`${demo.base}${path}`);
    assert.ok(r.status() < 400, `${path}: ${r.status()}`);
    visited += 1;
    const found = await read(page, path);
    if (found.length) problems.push(`${path}: ${found.join(', ')}`);
  };
  for (const [user, run] of Object.entries(PLAN)) {
    const page = await newPage(browser, { width: 390, height: 844 });
    await login(page, demo, user);
    if (english) await page.goto(`${demo.base}/lang/en`);
    await run(page, visit);
    await page.context().close();
  }
  return { problems, visited };
}

test('no Chinese page shows an internal code', async () => {
  const { problems, visited } = await walk(false, codesOn);
  assert.ok(visited >= 35, `only ${visited} pages read`);
  assert.deepEqual(problems, []);
});

// Issue 10, item 9: in English, every word the page itself says is English. What people
// typed or were named (names, addresses, narratives, unit names) stays as entered, so the
// check reads the page's own words: headings of tables and sections, labels, buttons,
// hints, legends, figures' captions, the menu (less the language switch and the account
// link, which carries the person's name; breadcrumbs are unit names). The agreement is Chinese by design.
const OWN_WORDS = 'th, button, legend, dt, summary, .hint, h2, h3, .tile .l, caption, nav:not(.crumbs) a:not([href^="/lang/"]):not([href="/account"]), label:not(.check), .tabbar a';
const CHINESE = /[\p{Script=Han}：（）、，。；]/u;

test('no English page says its own words in Chinese', async () => {
  const { problems, visited } = await walk(true, async (page, path) => {
    if (path.endsWith('/agreement')) return [];
    assert.equal(await page.getAttribute('html', 'lang'), 'en', path);
    return page.evaluate(({ sel, re }) => {
      const chinese = new RegExp(re, 'u');
      const out = [];
      for (const el of document.querySelectorAll(sel)) {
        const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
        const said = `${own} ${el.getAttribute('placeholder') ?? ''} ${el.getAttribute('aria-label') ?? ''}`;
        if (chinese.test(said)) out.push(`${el.tagName.toLowerCase()} "${own.slice(0, 40)}"`);
      }
      return out;
    }, { sel: OWN_WORDS, re: CHINESE.source });
  });
  assert.ok(visited >= 35, `only ${visited} pages read`);
  assert.deepEqual(problems, []);
});

test('the English check finds Chinese words of the page', async () => {
  assert.ok(CHINESE.test('Units below（5）') && CHINESE.test('出错了') && !CHINESE.test('Units below (5)'));
});
