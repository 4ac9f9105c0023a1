// Devices with several cameras (phones: wide, ultra-wide, front) get a picker; switching stops
// the camera in use and opens the one chosen. Chromium's fake capture offers two devices here
// (no QR code in their picture, so the scanner keeps scanning).

import { cameraStreams, recordCameraStreams } from './camera-streams';
import { expect, launchOptions, test } from './harness';

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
