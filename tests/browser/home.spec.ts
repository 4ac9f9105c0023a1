// Journey 1 (start): the app loads from the relay and shows the home screen, on phones and desktops.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { artifacts, expect, test } from './harness';

test('app loads from the relay and renders the home screen', async ({ page, relay }) => {
  await page.goto(relay.url + '/');
  await expect(page).toHaveTitle('Cutout');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Private rooms for the people around you');
  for (const card of ['card-new-room', 'card-join', 'card-offline']) {
    await expect(page.getByTestId(card)).toBeVisible();
  }
  await expect(page.getByRole('button', { name: 'Scan a QR code' })).toBeEnabled();
});

test('relay answers healthz and 404 for unknown paths', async ({ request, relay }) => {
  const health = await request.get(relay.url + '/healthz');
  expect(health.status()).toBe(200);
  expect(await health.text()).toBe('ok');
  expect(health.headers()['referrer-policy']).toBe('no-referrer');
  const app = await request.get(relay.url + '/');
  expect(app.headers()['cross-origin-opener-policy'], 'no opener can steer the tab').toBe('same-origin');
  const missing = await request.get(relay.url + '/no-such-file.js');
  expect(missing.status()).toBe(404);
});

for (const [width, height] of [
  [360, 740],
  [1280, 800],
]) {
  test(`home screen fits ${width}x${height} without horizontal scrolling`, async ({ page, relay }) => {
    await page.setViewportSize({ width, height });
    await page.goto(relay.url + '/');
    await expect(page.getByTestId('card-join')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const dir = join(artifacts, 'screenshots');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `home-${width}x${height}.png`), fullPage: true });
  });
}
