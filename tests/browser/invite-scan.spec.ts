// Journey 2: the in-app scanner reads an invite QR code (made by the protocol crate, played by
// Chromium's fake camera) and, after confirmation, joins that room.

import { join } from 'node:path';
import { expect, fakeCamera, fixture, fixtures, launchOptions, test } from './harness';

test.use({ launchOptions: launchOptions(fakeCamera(join(fixtures, 'camera-invite.y4m'))) });

test('scanning an invite asks for confirmation, then joins that room', async ({ page, relay }) => {
  const invite = fixture('camera-invite.txt');
  await page.goto(relay.url + '/');
  await page.getByRole('button', { name: 'Scan a QR code' }).click();
  await page.getByTestId('confirm-join').click();
  await page.getByTestId('name-input').fill('Erin');
  await page.getByTestId('join-button').click();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  // The room joined is the scanned one: its invite link carries the same secret.
  const fragment = invite.slice(invite.indexOf('#'));
  await expect(page.getByTestId('invite-link')).toHaveValue(new RegExp(`${fragment.replace('.', '\\.')}$`));
  expect(page.url()).not.toContain('#');
});
