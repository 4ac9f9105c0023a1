// Journey 1 over HTTPS: the app served by the relay's own TLS (local CA), its CSP intact, and a
// room over wss:// between two people. The browser is told to accept the local certificate,
// as a phone does once the CA is installed.

import { expect, launchOptions, startRelay, test, watchErrors } from './harness';

// Trusting the local certificate as an installed CA does, for the service worker's script too
// (a context's `ignoreHTTPSErrors` covers page loads, not service worker registration).
test.use({ launchOptions: launchOptions(['--ignore-certificate-errors']) });

test('the app over HTTPS: secure context, no CSP errors, chat over wss', async ({ browser }) => {
  const relay = await startRelay('https', [], 0, true);
  try {
    const https = relay.httpsUrl!;
    expect(https).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const alice = await context.newPage();
    const aliceErrors = watchErrors(alice);
    await alice.goto(https + '/');
    expect(await alice.evaluate(() => window.isSecureContext)).toBe(true);
    await expect(alice.getByTestId('insecure-banner')).toHaveCount(0);
    await alice.getByTestId('new-room').click();
    await alice.getByTestId('name-input').fill('Alice');
    await alice.getByTestId('join-button').click();
    await expect(alice.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
    // /relay-info lists HTTPS first, so the invite is an https:// link.
    const link = await alice.getByTestId('invite-link').inputValue();
    expect(link.startsWith(https + '/#r1.')).toBe(true);

    const other = await browser.newContext({ ignoreHTTPSErrors: true });
    const bob = await other.newPage();
    const bobErrors = watchErrors(bob);
    await bob.goto(link);
    await bob.getByTestId('name-input').fill('Bob');
    await bob.getByTestId('join-button').click();
    await expect(bob.getByTestId('member')).toHaveCount(2);
    await alice.getByTestId('composer').fill('over wss');
    await alice.getByTestId('send').click();
    await expect(bob.getByTestId('message')).toHaveText(/over wss/);
    // Over HTTPS the app keeps itself for offline use (journey 7).
    const carol = await context.newPage();
    const carolErrors = watchErrors(carol);
    await carol.goto(https + '/');
    await carol.getByTestId('offline').click();
    await expect(carol.getByTestId('offline-capable')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    expect(aliceErrors).toEqual([]);
    expect(bobErrors).toEqual([]);
    expect(carolErrors).toEqual([]);
    await context.close();
    await other.close();
  } finally {
    await relay.stop();
  }
});
