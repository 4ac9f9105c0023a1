// HTTPS with a certificate this device does not trust (the local CA not installed, the warning
// clicked through): the page loads, but the browser refuses to keep the app. The Offline screen
// says so and points to installing the CA, instead of "keeping a copy…" for ever.

import { expect, startRelay, test, watchErrors } from './harness';

test('an untrusted certificate: the Offline screen says the app cannot be kept and links the CA', async ({ browser }) => {
  const relay = await startRelay('untrusted', [], 0, true);
  try {
    // The context accepts the page itself, as a person who clicked through the warning; the
    // browser still refuses the service worker's script over that connection.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(relay.httpsUrl! + '/');
    await page.getByTestId('offline').click();
    const status = page.getByTestId('offline-capable');
    await expect(status).toHaveAttribute('data-state', 'untrusted', { timeout: 15_000 });
    await expect(status).toContainText('does not trust this relay');
    await expect(page.getByTestId('install-ca')).toHaveAttribute('href', '/ca.crt');
    // Chromium reports the refused script itself; nothing else may go wrong.
    expect(errors.filter((e) => !/SSL certificate error|ServiceWorker/i.test(e))).toEqual([]);
    await context.close();
  } finally {
    await relay.stop();
  }
});
