// Drives the dashboard in headless Chromium for DashboardBrowserTest, talking to it over stdin/stdout:
// prints "READY", "REVOKED <task>", "SIGNED_OUT <status>", "DONE" (or "FAIL <why>" and exits 1); waits for
// "AGENT_CALLED" on stdin before it looks for the agent's refused call in the live audit stream. SIGNED_OUT
// carries the status the node answers to the old session cookie after the page signed out (401 expected).
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';
import { mkdirSync } from 'node:fs';

const url = process.env.EPHYR_URL;
const credential = process.env.EPHYR_ADMIN_KEY;
const root = process.env.EPHYR_ROOT_TASK;
const child = process.env.EPHYR_CHILD_TASK;
const shots = process.env.EPHYR_SCREENSHOTS;
const chromiumPath = process.env.EPHYR_CHROMIUM || '/usr/bin/chromium';
mkdirSync(shots, { recursive: true });

const lines = createInterface({ input: process.stdin });
const waiting = [];
lines.on('line', (l) => { const w = waiting.shift(); if (w) w(l.trim()); });
const nextLine = () => new Promise((resolve) => waiting.push(resolve));

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  const requested = [];
  page.on('request', (r) => requested.push(r.url()));

  await page.goto(`${url}/admin/ui/`);
  await page.locator('#sign-in').waitFor({ state: 'visible' });
  await page.screenshot({ path: `${shots}/1-sign-in.png` });

  // A wrong credential is refused and keeps the form.
  await page.fill('#credential', 'ek_wrong-credential-000000000000000000000000000');
  await page.click('#sign-in-form button[type=submit]');
  await page.locator('#sign-in-error').filter({ hasText: 'not an admin' }).waitFor();

  await page.fill('#credential', credential);
  await page.click('#sign-in-form button[type=submit]');
  await page.locator('#app').waitFor({ state: 'visible' });
  const rootLine = page.locator(`[data-task="${root}"]`).first();
  await rootLine.waitFor();
  await page.locator(`[data-task="${child}"]`).first().waitFor();
  await page.locator('#cluster [data-node]').first().waitFor();
  await page.screenshot({ path: `${shots}/2-task-tree.png`, fullPage: true });

  const cookies = await page.evaluate(() => document.cookie);
  if (cookies.includes('ephyr_admin')) throw new Error('the session cookie is readable by scripts');
  if (requested.some((u) => u.includes(credential))) throw new Error('the credential appeared in a URL');
  console.log('READY');

  await rootLine.locator('button', { hasText: 'Revoke' }).click();
  await page.locator('#confirm[open]').waitFor();
  await page.locator('#doomed li').nth(1).waitFor();     // the preview lists the root and its child
  const doomed = await page.locator('#doomed li').count();
  await page.screenshot({ path: `${shots}/3-revoke-preview.png` });
  await page.click('#confirm-ok');
  await page.locator('#toast').filter({ hasText: 'Revoked' }).waitFor();
  console.log(`REVOKED ${root} ${doomed}`);

  if ((await nextLine()) !== 'AGENT_CALLED') throw new Error('unexpected line from the test');
  await page.locator('#audit tbody tr', { hasText: 'revoked' }).first().waitFor();
  await page.screenshot({ path: `${shots}/4-live-audit.png`, fullPage: true });

  // Sign out, then present the old cookie again (as a thief who copied it would): the node must refuse it.
  const session = (await context.cookies()).find((c) => c.name === 'ephyr_admin');
  if (!session) throw new Error('no session cookie in the browser');
  await page.click('#sign-out');
  await page.locator('#sign-in').waitFor({ state: 'visible' });
  await page.screenshot({ path: `${shots}/5-signed-out.png` });
  const replay = await fetch(`${url}/admin/status`, {
    headers: { Cookie: `ephyr_admin=${session.value}`, 'X-Ephyr-CSRF': '1' },
  });
  console.log(`SIGNED_OUT ${replay.status}`);
  console.log('DONE');
} catch (e) {
  if (page) await page.screenshot({ path: `${shots}/failure.png`, fullPage: true }).catch(() => {});
  console.log(`FAIL ${String(e && e.message).split('\n')[0]}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  lines.close();
}
