// The camera path end to end: Chromium's fake camera plays a clip of a QR code made by the
// project's own encoder (`cargo xtask fixtures`), and the app decodes it with rqrr in wasm.

import { join } from 'node:path';
import { expect, fakeCamera, fixture, fixtures, launchOptions, test } from './harness';

test.use({ launchOptions: launchOptions(fakeCamera(join(fixtures, 'camera-qr.y4m'))) });

test('scan panel decodes a QR code shown to the camera', async ({ page, relay }) => {
  const expected = fixture('camera-qr.txt');
  await page.goto(relay.url + '/');
  await page.getByRole('button', { name: 'Scan a QR code' }).click();
  await expect(page.getByTestId('scan-panel')).toBeVisible();
  await expect(page.getByTestId('scan-result')).toHaveValue(expected, { timeout: 30_000 });
  await expect(page.getByTestId('scan-status')).toHaveText('QR code read.');
});

test('closing the scanner removes the panel', async ({ page, relay }) => {
  await page.goto(relay.url + '/');
  await page.getByRole('button', { name: 'Scan a QR code' }).click();
  await expect(page.getByTestId('scan-status')).toHaveText(/Point the camera|QR code read/);
  await page.getByTestId('close-scanner').click();
  await expect(page.getByTestId('scan-panel')).toHaveCount(0);
});
