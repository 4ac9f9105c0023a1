// Devices with several cameras (phones: wide, ultra-wide, front) get a picker; switching stops
// the camera in use and opens the one chosen. Chromium's fake capture offers two devices here
// (no QR code in their picture, so the scanner keeps scanning, which also makes them the
// background for a picture uploaded while the camera runs).

import { join } from 'node:path';
import { cameraStreams, recordCameraStreams } from './camera-streams';
import { expect, fixture, fixtures, launchOptions, test } from './harness';

test.use({
  launchOptions: launchOptions(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream=device-count=2']),
});

test('with two cameras a picker switches between them, stopping the first', async ({ page, relay }) => {
  await recordCameraStreams(page);
  await page.goto(relay.url + '/');
  await page.getByRole('button', { name: 'Scan a QR code' }).click();
  await expect(page.getByTestId('scan-status')).toHaveText('Point the camera at a QR code.');
  const picker = page.getByTestId('camera-picker');
  await expect(picker.locator('option')).toHaveCount(2);
  const first = await picker.inputValue();
  const other = await picker.locator('option').evaluateAll(
    (options, current) => (options as HTMLOptionElement[]).map((o) => o.value).find((v) => v !== current)!,
    first,
  );
  await picker.selectOption(other);
  await expect(page.getByTestId('scan-status')).toHaveText('Point the camera at a QR code.');
  await expect.poll(() => cameraStreams(page)).toEqual([
    { device: first, state: 'ended' },
    { device: other, state: 'live' },
  ]);
  await expect(picker).toHaveValue(other);
});

test('while the camera runs, an uploaded picture is read, not mistaken for a camera frame', async ({ page, relay }) => {
  await page.goto(relay.url + '/');
  await page.getByRole('button', { name: 'Scan a QR code' }).click();
  // The camera's frames (no code in them) keep the worker busy when the picture comes.
  await expect(page.getByTestId('scan-status')).toHaveText('Point the camera at a QR code.');
  await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-blank.png'));
  await expect(page.getByTestId('scan-status')).toContainText('No QR code found in that picture');
  for (let round = 0; round < 3; round++) {
    await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-qr.png'));
    await expect(page.getByTestId('scan-result')).toHaveValue(fixture('upload-qr.txt'));
    // Read from the picture: nothing is marked on the camera's view.
    await expect(page.getByTestId('found-mark')).toHaveCount(0);
    await page.getByTestId('close-scanner').click();
    await page.getByRole('button', { name: 'Scan a QR code' }).click();
    await expect(page.getByTestId('scan-status')).toHaveText('Point the camera at a QR code.');
  }
});
