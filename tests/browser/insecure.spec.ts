// Plain HTTP at a LAN-style address is not a secure context: chat still works, and the app says
// why the camera and install need HTTPS and where the relay's certificate is. The name resolves
// to 127.0.0.1 inside Chromium, so no traffic leaves this machine.

import { randomBytes } from 'node:crypto';
import { expect, launchOptions, test } from './harness';
import { MiB, card, offer, payload, receive, sha256 } from './transfers';

test.use({ launchOptions: launchOptions(['--host-resolver-rules=MAP cutout.test 127.0.0.1']) });

test('plain HTTP on a LAN name: banner with the CA link, and chat still works', async ({ browser, page, relay }) => {
  const port = new URL(relay.url).port;
  await page.goto(`http://cutout.test:${port}/`);
  expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
  const banner = page.getByTestId('insecure-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('need HTTPS');
  await expect(banner.getByRole('link', { name: 'cutout-ca.crt' })).toHaveAttribute('href', '/ca.crt');
  // Comparing the fingerprint is a step of its own, in view, not folded away.
  await expect(banner.getByTestId('compare-fingerprint')).toBeVisible();
  await expect(banner.getByTestId('compare-fingerprint')).toContainText('the one the relay printed in its terminal');

  await page.getByTestId('new-room').click();
  await page.getByTestId('name-input').fill('Dana');
  await page.getByTestId('join-button').click();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  const link = await page.getByTestId('invite-link').inputValue();
  expect(link.startsWith(`http://127.0.0.1:${port}/#r1.`), 'invites carry the relay origin').toBe(true);
  // No WebCrypto here: the identity's keys are seeds in this page's storage, and the room says so.
  await expect(page.getByTestId('identity-storage')).toHaveAttribute('data-kind', 'storage');
  await expect(page.getByTestId('identity-storage')).toContainText('This address has no WebCrypto');
  expect(await page.evaluate(() => localStorage.getItem('cutout.identity'))).toMatch(/^[0-9a-f]{64} [0-9a-f]{64}$/);

  const other = await browser.newContext();
  const eve = await other.newPage();
  await eve.goto(link.replace('127.0.0.1', 'cutout.test'));
  await eve.getByTestId('name-input').fill('Eve');
  await eve.getByTestId('join-button').click();
  await expect(eve.getByTestId('member')).toHaveCount(2);
  await page.getByTestId('composer').fill('works over plain HTTP');
  await page.getByTestId('send').click();
  await expect(page.locator('[data-testid=message][data-state=sent]')).toHaveText(/works over plain HTTP/);
  await expect(eve.getByTestId('message')).toHaveText(/works over plain HTTP/);
  await other.close();
});

test('plain HTTP on a LAN name: files are sealed in wasm (no WebCrypto here) and arrive whole', async ({ browser, page, relay }) => {
  const port = new URL(relay.url).port;
  await page.goto(`http://cutout.test:${port}/`);
  expect(await page.evaluate(() => crypto.subtle === undefined), 'WebCrypto is absent').toBe(true);
  await page.getByTestId('new-room').click();
  await page.getByTestId('name-input').fill('Dana');
  await page.getByTestId('join-button').click();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  const link = await page.getByTestId('invite-link').inputValue();
  const other = await browser.newContext();
  const eve = await other.newPage();
  await eve.goto(link.replace('127.0.0.1', 'cutout.test'));
  await eve.getByTestId('name-input').fill('Eve');
  await eve.getByTestId('join-button').click();
  await expect(page.getByTestId('member')).toHaveCount(2);
  const data = randomBytes(3 * MiB + 5);
  await offer(page, payload('plain.bin', data));
  expect(sha256(await receive(eve, 'plain.bin'))).toBe(sha256(data));
  await expect(card(page, 'plain.bin').getByTestId('file-progress')).toHaveAttribute('data-state', 'done');
  await other.close();
});

test('plain HTTP on a LAN name: offline messages seal and open, and the app says it is not kept for offline use', async ({ page, relay }) => {
  const port = new URL(relay.url).port;
  await page.goto(`http://cutout.test:${port}/`);
  await page.getByTestId('offline').click();
  await expect(page.getByTestId('offline-capable')).toHaveAttribute('data-state', 'insecure');
  await expect(page.getByTestId('offline-capable')).toContainText('open it over HTTPS');
  const text = 'Sealed over plain HTTP: Argon2id and AES-GCM run in the worker here too.';
  await page.getByTestId('offline-message').fill(text);
  const phrase = page.getByTestId('generated-passphrase');
  await expect(phrase).toHaveText(/^[a-z-]+( [a-z-]+){3}$/);
  const passphrase = (await phrase.textContent())!;
  await page.getByTestId('light').check();
  await page.getByTestId('seal').click();
  // The copyable text form of the code, pasted into the Receive tab.
  const sealed = await page.getByTestId('offline-text').inputValue();
  expect(sealed).toMatch(/^CT1T[A-Za-z0-9_-]+$/);
  await page.getByTestId('tab-receive').click();
  await page.getByTestId('receive-paste').fill(sealed);
  await page.getByTestId('receive-paste-go').click();
  await page.getByTestId('receive-passphrase').fill(passphrase);
  await page.getByTestId('receive-open').click();
  await expect(page.getByTestId('received-text')).toHaveValue(text, { timeout: 30_000 });
});
