// A relay that replaced its local CA (here: one recorded as ending within 30 days) says so where
// the app shows how to install the CA: phones that installed the earlier one must install the
// new one, and may remove the earlier one, which the notice names (docs/SECURITY.md, "Replacing
// a CA"). Plain HTTP at a LAN-style name (resolved to 127.0.0.1 inside Chromium) shows the
// install steps; HTTPS with the certificate clicked through shows the Offline screen's notice.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, launchOptions, startRelay, test, watchErrors, type Relay } from './harness';

test.use({ launchOptions: launchOptions(['--host-resolver-rules=MAP cutout.test 127.0.0.1']) });

/** A relay whose CA replaced an earlier one at this start; returns it and the earlier CA's name. */
async function relayWithReplacedCa(): Promise<{ relay: Relay; earlier: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-relay-'));
  const first = await startRelay('ca-first', [], 0, true, dataDir);
  await first.stop();
  const path = join(dataDir, 'tls.json');
  const meta = JSON.parse(readFileSync(path, 'utf8'));
  meta.ca_not_after = Math.floor(Date.now() / 1000) + 10 * 86_400;
  writeFileSync(path, JSON.stringify(meta));
  return { relay: await startRelay('ca-replaced', [], 0, true, dataDir), earlier: meta.ca_name };
}

test('plain HTTP: the install steps say the CA was replaced and name the earlier one', async ({ page }) => {
  const { relay, earlier } = await relayWithReplacedCa();
  try {
    const info = await (await fetch(relay.url + '/relay-info')).json();
    expect(info.ca_replaced.name).toBe(earlier);
    await page.goto(`http://cutout.test:${new URL(relay.url).port}/`);
    const notice = page.getByTestId('insecure-banner').getByTestId('ca-replaced');
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('replaced its certificate authority on');
    await expect(notice).toContainText(`installed the earlier one (“${earlier}”) must install this one`);
    await expect(notice).toContainText('may then remove the earlier one');
  } finally {
    await relay.stop();
  }
});

test('HTTPS not trusted: the Offline screen says the CA was replaced', async ({ browser }) => {
  const { relay, earlier } = await relayWithReplacedCa();
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(relay.httpsUrl! + '/');
    await page.getByTestId('offline').click();
    const status = page.getByTestId('offline-capable');
    await expect(status).toHaveAttribute('data-state', 'untrusted', { timeout: 15_000 });
    await expect(status.getByTestId('ca-replaced')).toContainText(earlier);
    expect(errors.filter((e) => !/SSL certificate error|ServiceWorker/i.test(e))).toEqual([]);
    await context.close();
  } finally {
    await relay.stop();
  }
});

test('plain HTTP: a relay whose CA was never replaced says nothing of it', async ({ page }) => {
  const relay = await startRelay('ca-kept', [], 0, true);
  try {
    const info = await (await fetch(relay.url + '/relay-info')).json();
    expect(info.ca_replaced).toBeNull();
    await page.goto(`http://cutout.test:${new URL(relay.url).port}/`);
    // Once the page has read /relay-info (its HTTPS address is linked), nothing more is coming.
    await expect(page.getByTestId('insecure-banner').getByRole('link', { name: relay.httpsUrl! })).toBeVisible();
    await page.waitForLoadState('networkidle');
    await expect(page.getByTestId('ca-replaced')).toHaveCount(0);
  } finally {
    await relay.stop();
  }
});
