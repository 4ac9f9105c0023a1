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
  // The viewfinder keeps the frame with the code marked where it was found: in the middle of
  // the clip's 640×480 frame, the code spans about 70 % of its height.
  const mark = page.getByTestId('found-mark');
  await expect(mark).toBeVisible();
  await expect(page.locator('.viewfinder .still canvas')).toBeVisible();
  await expect(page.locator('.viewfinder video')).toBeHidden();
  await expect(mark).toHaveAttribute('viewBox', '0 0 640 480');
  const box = await mark.locator('rect').evaluate((r) => ({
    x: Number(r.getAttribute('x')),
    y: Number(r.getAttribute('y')),
    width: Number(r.getAttribute('width')),
    height: Number(r.getAttribute('height')),
  }));
  expect(box.x + box.width / 2).toBeGreaterThan(280);
  expect(box.x + box.width / 2).toBeLessThan(360);
  expect(box.height).toBeGreaterThan(200);
  expect(box.height).toBeLessThan(480);
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
