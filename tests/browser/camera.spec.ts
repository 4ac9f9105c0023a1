// The camera path end to end: Chromium's fake camera plays a clip of a QR code made by the
// project's own encoder (`cargo xtask fixtures`), and the app decodes it with rqrr in wasm.

import { join } from 'node:path';
import { cameraStreams, recordCameraStreams } from './camera-streams';
import { expect, fakeCamera, fixture, fixtures, launchOptions, test } from './harness';

test.use({ launchOptions: launchOptions(fakeCamera(join(fixtures, 'camera-qr.y4m'))) });

test('scan panel decodes a QR code shown to the camera', async ({ page, relay }) => {
  const expected = fixture('camera-qr.txt');
  await page.goto(relay.url + '/');
  await page.getByRole('button', { name: 'Scan a QR code' }).click();
  await expect(page.getByTestId('scan-panel')).toBeVisible();
  await expect(page.getByTestId('scan-result')).toHaveValue(expected, { timeout: 30_000 });
  await expect(page.getByTestId('scan-status')).toContainText('QR code read. Not a Cutout code.');
  await expect(page.getByTestId('scan-panel')).toHaveAttribute('data-kind', 'foreign');
});

test('closing the scanner removes the panel and stops the camera', async ({ page, relay }) => {
  await recordCameraStreams(page);
  await page.goto(relay.url + '/');
  await page.getByRole('button', { name: 'Scan a QR code' }).click();
  await expect(page.getByTestId('scan-status')).toHaveText(/Point the camera|QR code read/);
  await page.getByTestId('close-scanner').click();
  await expect(page.getByTestId('scan-panel')).toHaveCount(0);
  const streams = await cameraStreams(page);
  expect(streams.length).toBeGreaterThan(0);
  expect(streams.every((s) => s.state === 'ended')).toBe(true);
});
