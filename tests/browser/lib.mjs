// Shared helpers for the browser tests: start the real `fengqiao demo` binary on a free
// port with a fresh database, launch Debian's Chromium through playwright-core, log in.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const PASSWORD = 'Fengqiao@2026';
const BIN = process.env.FENGQIAO_BIN || new URL('../../target/debug/fengqiao', import.meta.url).pathname;

/** Start the demo; resolves when it prints its address and logins. */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), 'fq-browser-'));
  const child = spawn(BIN, ['demo', '--database', `sqlite://${dir}/demo.db`, '--listen', '127.0.0.1:0', '--households', process.env.FENGQIAO_DEMO_HOUSEHOLDS || '2000'], {
    cwd: dir,
    // Debug level, every request: scripts/scan-logs searches these logs for personal data.
    env: { ...process.env, FENGQIAO_LOG_LEVEL: 'debug,sqlx=warn,tantivy=warn,hyper=info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = new URL('../../target/test-logs/', import.meta.url).pathname;
  mkdirSync(logs, { recursive: true });
  const log = createWriteStream(join(logs, `browser-${child.pid}.log`));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { log.write(d); if (err.length < 100_000) err += d; });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start in 60 s:\n${out}\n${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving on (http:\/\/[0-9.:]+)/);
      if (m && out.includes('Administrators need')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`demo exited with ${code}:\n${out}\n${err}`)); });
  });
  const base = await ready;
  const logins = {};
  for (const line of out.split('\n')) {
    const m = line.match(/^\s+(\S+)\s+(\S+)\s+.*?(?:TOTP secret ([A-Z2-7]+))?$/);
    if (m && /^[a-z0-9]+$/.test(m[1]) && m[2].startsWith('XY')) logins[m[1]] = { unit: m[2], totp: m[3] || null };
  }
  return {
    base, logins, dir,
    stop() { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
  };
}

function base32decode(s) {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0; const out = [];
  for (const c of s.replace(/=+$/, '')) {
    value = (value << 5) | alpha.indexOf(c); bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

/** RFC 6238 code for a base32 secret at `offsetSteps` from now. */
export function totp(secret, offsetSteps = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + offsetSteps;
  const msg = Buffer.alloc(8); msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32decode(secret)).update(msg).digest();
  const off = h[19] & 0xf;
  const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

const lastStep = {};
/** A code for `username` whose time step was not used yet (the server accepts each step
 * once, within one step either side of now); waits for the next step when both are spent. */
export async function freshTotp(username, secret) {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / 30);
    const step = Math.max(now, (lastStep[username] ?? -1) + 1);
    if (step <= now + 1) {
      lastStep[username] = step;
      return totp(secret, step - now);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/** A new page that records console errors and uncaught exceptions. `bypassCSP` lets a
 * test inject axe-core (the pages' policy forbids any script but their own). */
export async function newPage(browser, viewport = { width: 1280, height: 860 }, { bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', bypassCSP });
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)));
  return page;
}

/** Log in through the web form (and the TOTP step when the account has one). */
export async function login(page, demo, username) {
  await page.goto(`${demo.base}/login`);
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/^(密码|Password)$/).fill(PASSWORD);
  await page.getByRole('button', { name: /登录|Log in/ }).click();
  const secret = demo.logins[username]?.totp;
  if (secret) {
    await page.waitForURL(/\/login\/totp/);
    await page.getByLabel(/动态验证码|One-time code/).fill(await freshTotp(username, secret));
    await page.getByRole('button', { name: /验证|Verify/ }).click();
  }
  await page.waitForURL(/\/dashboard/);
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Accessibility violations of the page as axe-core (WCAG 2.1 A and AA rules) finds them,
 * serious and critical only: [{ id, impact, help, nodes: [selector, ...] }]. The page must
 * come from `newPage(..., { bypassCSP: true })`. */
export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

/** A bearer token for `username` (API writes need one). */
export async function apiToken(demo, username) {
  const r = await fetch(`${demo.base}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (!r.ok) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  return (await r.json()).token;
}
