// Steps of the offline journeys (offline.spec.ts) on one device's page: opening the Offline
// screen, sealing, scanning, pasting, opening, and the density of the codes shown.

import type { Browser, Page } from '@playwright/test';
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expect, fakeCamera, launchOptions, watchErrors } from './harness';
import { sha256 } from './transfers';

/** The second device: its own browser, whose fake camera plays `clip` (written later). */
export async function receiver(clip: string): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await chromium.launch(launchOptions(fakeCamera(clip)));
  const page = await browser.newPage();
  const errors = watchErrors(page);
  return { browser, page, errors };
}

export async function openOffline(page: Page, url: string) {
  await page.goto(url + '/');
  await page.getByTestId('offline').click();
  await expect(page.getByTestId('offline-send')).toBeVisible();
}

/** Seals what the Send tab holds with the generated passphrase; returns the passphrase. */
export async function sealWithGenerated(page: Page): Promise<string> {
  const phrase = page.getByTestId('generated-passphrase');
  await expect(phrase).toHaveText(/^[a-z-]+( [a-z-]+){3}$/);
  const words = (await phrase.textContent())!;
  await page.getByTestId('light').check();
  await page.getByTestId('seal').click();
  await expect(page.getByTestId('offline-qr')).toBeVisible({ timeout: 30_000 });
  // The worker measured how long the key derivation takes here, for the busy line.
  await expect(page.getByTestId('offline-send')).toHaveAttribute('data-kdf-expected-ms', /^[1-9]\d*$/);
  return words;
}

/** On the receiver: Receive tab, start scanning. */
export async function scan(page: Page) {
  await page.getByTestId('tab-receive').click();
  await page.getByTestId('receive-scan').click();
}

/** On the receiver: Receive tab, paste `text` as the message's text and read it. */
export async function paste(page: Page, text: string) {
  await page.getByTestId('tab-receive').click();
  await page.getByTestId('receive-paste').fill(text);
  await page.getByTestId('receive-paste-go').click();
}

/** Opens a passphrase message once it is complete. */
export async function openWith(page: Page, passphrase: string) {
  await expect(page.getByTestId('receive-ready')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('receive-passphrase').fill(passphrase);
  await page.getByTestId('receive-open').click();
}

/** A file of `kib` KiB whose bytes do not repeat in a short cycle. */
export function testFile(kib: number): Buffer {
  const bytes = Buffer.alloc(kib * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 151 + (i >> 9)) & 0xff;
  return bytes;
}

/** Seals `bytes` as `name` with the generated passphrase; returns the passphrase. */
export async function sealFile(page: Page, name: string, bytes: Buffer): Promise<string> {
  await page.getByTestId('offline-attach').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes });
  await expect(page.getByTestId('offline-file')).toContainText(name);
  return sealWithGenerated(page);
}

/** On the receiver: the file `name` arrived and is `bytes`. */
export async function expectFile(page: Page, name: string, bytes: Buffer) {
  const link = page.getByTestId('received-file');
  await expect(link).toHaveText(`Save ${name}`, { timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(sha256(readFileSync(await download.path()))).toBe(sha256(bytes));
}

/** Chooses `density` on the sender; its codes' K and symbol size, and the rate it set. */
export async function chooseDensity(page: Page, density: string) {
  await page.getByTestId('density').selectOption(density);
  const code = page.getByTestId('offline-qr');
  // Sealed again: the key derivation takes a moment.
  await expect(code).toHaveAttribute('data-density', density, { timeout: 30_000 });
  return {
    needed: Number(await code.getAttribute('data-needed')),
    symbol: Number(await code.getAttribute('data-symbol-size')),
    rate: Number(await page.getByTestId('rate').inputValue()),
  };
}
