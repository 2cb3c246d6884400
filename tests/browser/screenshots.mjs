// Screenshots of the main pages for the README: node screenshots.mjs (after cargo build).
import { mkdirSync } from 'node:fs';
import { startDemo, launch, newPage, login } from './lib.mjs';

const out = new URL('../../docs/screenshots/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const demo = await startDemo();
const browser = await launch();
try {
  const page = await newPage(browser);
  await page.goto(`${demo.base}/login`);
  await page.screenshot({ path: `${out}/login.png` });
  await login(page, demo, 'commander');
  for (const [name, path] of [['dashboard', '/dashboard'], ['org', '/org/XY-C01'], ['people', '/people'], ['volunteers', '/volunteers'], ['map', '/map'], ['registry', '/registry?q=%E7%8E%8B'], ['matters', '/matters?kind=dispute'], ['supervision', '/supervision'], ['warning', '/warning'], ['instructions', '/instructions?scope=all'], ['notifications', '/notifications']]) {
    await page.goto(`${demo.base}${path}`);
    if (name === 'map') await page.locator('#map-status[data-count]').waitFor();
    await page.screenshot({ path: `${out}/${name}.png` });
  }
  await page.goto(`${demo.base}/instructions?scope=all`);
  await page.getByTestId('instructions').locator('tbody tr td:first-child a').first().click();
  await page.screenshot({ path: `${out}/instruction.png`, fullPage: true });
  await page.goto(`${demo.base}/matters?kind=dispute&status=closed`);
  await page.getByTestId('matters').locator('tbody tr a').first().click();
  await page.screenshot({ path: `${out}/dispute-settled.png`, fullPage: true });
  await page.goto(`${page.url()}/agreement`);
  await page.screenshot({ path: `${out}/agreement.png`, fullPage: true });
  await page.goto(`${demo.base}/matters?q=%E5%99%AA%E9%9F%B3`);
  await page.screenshot({ path: `${out}/search.png` });
  await page.goto(`${demo.base}/registry`);
  await page.getByTestId('households').locator('tbody tr a').first().click();
  await page.screenshot({ path: `${out}/household.png`, fullPage: true });
  const auditor = await newPage(browser);
  await login(auditor, demo, 'auditor');
  await auditor.goto(`${demo.base}/audit`);
  await auditor.screenshot({ path: `${out}/audit.png` });
  // Each role's workbench on a phone.
  for (const user of ['gw001', 'co01', 'med01', 'commander', 'street']) {
    const phone = await newPage(browser, { width: 390, height: 844 });
    await login(phone, demo, user);
    await phone.screenshot({ path: `${out}/phone-workbench-${user}.png` });
    if (user === 'gw001') {
      await phone.goto(`${demo.base}/matters/new`);
      await phone.screenshot({ path: `${out}/phone-intake.png`, fullPage: true });
      await phone.goto(`${demo.base}/dashboard#nav`);
      await phone.screenshot({ path: `${out}/phone-menu.png` });
      const code = await phone.evaluate(async () => (await (await fetch('/api/v1/households?limit=1')).json()).items[0].code);
      await phone.goto(`${demo.base}/households/${code}`);
      const url = (await phone.getByTestId('qr-url').textContent()).trim();
      const resident = await newPage(browser, { width: 390, height: 844 });
      await resident.goto(url);
      await resident.screenshot({ path: `${out}/phone-resident.png`, fullPage: true });
      await resident.context().close();
    }
    await phone.context().close();
  }
} finally {
  await browser.close();
  demo.stop();
}
