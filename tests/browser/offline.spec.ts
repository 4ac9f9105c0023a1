// Journeys 5–7: offline QR messages with no relay at all. Two browsers load the app, the relay
// is stopped, one composes and shows the codes, the test screenshots them into a clip, and the
// other browser's fake camera plays it to the real scanner, which opens the message.

import type { Page } from '@playwright/test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, fixtures, type Relay, startRelay, test, watchErrors } from './harness';
import { captureCode, captureSequence, writeClip } from './offline-clips';
import {
  chooseDensity,
  expectFile,
  openOffline,
  openWith,
  paste,
  receiver,
  scan,
  sealFile,
  sealWithGenerated,
  testFile,
} from './offline-steps';
import { sha256 } from './transfers';

let relay: Relay;
let workDir: string;

/**
 * Two devices with the app loaded, then the relay stopped: `body` gets the second device's page
 * and the clip its fake camera plays (written by `body`). The second page must log no error.
 */
async function twoDevices(page: Page, name: string, body: (other: Page, clip: string) => Promise<void>) {
  const clip = join(workDir, `${name}.y4m`);
  const other = await receiver(clip);
  try {
    await openOffline(page, relay.url);
    await openOffline(other.page, relay.url);
    // The app says when it works with no relay: its service worker keeps every file, the
    // decoders' workers included (the scanner fetches them only when it starts). Stopping the
    // relay before that made a worker's fetch fail, now and then, on a busy machine.
    for (const p of [page, other.page]) {
      await expect(p.getByTestId('offline-capable')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    }
    await relay.stop();
    await body(other.page, clip);
    expect(other.errors).toEqual([]);
  } finally {
    await other.browser.close();
  }
}


test.beforeEach(async () => {
  relay = await startRelay('offline');
  workDir = mkdtempSync(join(tmpdir(), 'cutout-offline-'));
});

test.afterEach(async () => {
  await relay.stop();
});

/** About 2.5 KB: too long for one code, so an animated sequence of K = 4. */
const LONG_TEXT = 'Meet at the north gate at seven. ' + 'Bring the maps and the spare radio. '.repeat(70);

for (const lost of [0, 20]) {
  test(`with the relay stopped, a long message goes by animated codes with ${lost} % lost; a wrong passphrase is refused`, async ({ page }) => {
    await twoDevices(page, 'sequence', async (other, clip) => {
      await page.getByTestId('offline-message').fill(LONG_TEXT);
      const passphrase = await sealWithGenerated(page);
      const code = page.getByTestId('offline-qr');
      await expect(code).toHaveAttribute('data-needed', '4');
      await expect(page.getByTestId('frame-counter')).toContainText('needs about 4');
      // The passphrase is not next to the code unless asked for.
      await expect(page.getByTestId('shown-passphrase')).toHaveCount(0);

      // With loss, every fifth code (the first among them) is left out of the clip.
      const { frames, dropped } = await captureSequence(page, 10, (n) => lost > 0 && n % 5 === 1);
      expect(dropped).toBe(lost > 0 ? 2 : 0);
      writeClip(clip, frames);

      await scan(other);
      await openWith(other, 'not the passphrase at all');
      await expect(other.getByTestId('offline-receive')).toHaveAttribute('data-needed', '4');
      await expect(other.getByTestId('receive-error')).toContainText('Wrong passphrase', { timeout: 30_000 });
      await openWith(other, passphrase);
      await expect(other.getByTestId('received-text')).toHaveValue(LONG_TEXT, { timeout: 30_000 });
    });
  });
}

test('an incomplete sequence says so, keeps its codes, and completes on a second scan', async ({ page }) => {
  await twoDevices(page, 'partial', async (other, clip) => {
    await page.getByTestId('offline-message').fill(LONG_TEXT);
    const passphrase = await sealWithGenerated(page);
    const { frames } = await captureSequence(page, 8);

    // Two of the four codes needed, then the scanner is closed.
    writeClip(clip, frames.slice(0, 2));
    await scan(other);
    const section = other.getByTestId('offline-receive');
    await expect(section).toHaveAttribute('data-distinct', '2', { timeout: 30_000 });
    await expect(other.getByTestId('receive-progress')).toContainText('2 of about 4 codes collected');
    // Another tab: the hidden scanner closes and its camera stops.
    await other.getByTestId('tab-send').click();
    await other.getByTestId('tab-receive').click();
    await expect(other.getByTestId('scan-panel')).toHaveCount(0);
    await expect(other.getByTestId('receive-incomplete')).toContainText('incomplete');

    // The rest: scanning again goes on from the two already collected.
    writeClip(clip, frames.slice(2));
    await other.getByTestId('receive-scan').click();
    await openWith(other, passphrase);
    await expect(other.getByTestId('received-text')).toHaveValue(LONG_TEXT, { timeout: 30_000 });
  });
});

test('Start over drops the codes collected, and the next scan starts from nothing', async ({ page }) => {
  await twoDevices(page, 'start-over', async (other, clip) => {
    await page.getByTestId('offline-message').fill(LONG_TEXT);
    await sealWithGenerated(page);
    const { frames } = await captureSequence(page, 3);
    writeClip(clip, frames.slice(0, 2));
    await scan(other);
    const section = other.getByTestId('offline-receive');
    await expect(section).toHaveAttribute('data-distinct', '2', { timeout: 30_000 });
    // The scanner closed (another tab and back), then Start over: nothing is kept.
    await other.getByTestId('tab-send').click();
    await other.getByTestId('tab-receive').click();
    await expect(other.getByTestId('receive-incomplete')).toBeVisible();
    await other.getByTestId('receive-start-over').click();
    await expect(section).toHaveAttribute('data-distinct', '0');
    await expect(other.getByTestId('receive-progress')).toHaveCount(0);
    // One other code: had the two stayed, this would be the third.
    writeClip(clip, frames.slice(2));
    await other.getByTestId('receive-scan').click();
    await expect(other.getByTestId('receive-progress')).toContainText('1 of about 4 codes collected', { timeout: 30_000 });
  });
});

test('a 20 KiB file goes through the animated codes with a fifth of them lost', async ({ page }) => {
  await twoDevices(page, 'lossy', async (other, clip) => {
    const bytes = Buffer.alloc(20 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 7)) & 0xff;
    await page.getByTestId('offline-attach').setInputFiles({ name: 'plan.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await expect(page.getByTestId('offline-file')).toContainText('plan.bin');
    const passphrase = await sealWithGenerated(page);
    const needed = Number(await page.getByTestId('offline-qr').getAttribute('data-needed'));
    expect(needed).toBeGreaterThanOrEqual(28);

    // Every fifth frame left out of the clip, from the first on.
    const { frames, dropped } = await captureSequence(page, needed + Math.ceil(needed / 3), (n) => n % 5 === 1);
    expect(dropped).toBeGreaterThanOrEqual(Math.floor(needed / 5));
    writeClip(clip, frames);

    await scan(other);
    await openWith(other, passphrase);
    const link = other.getByTestId('received-file');
    await expect(link).toHaveText('Save plan.bin', { timeout: 30_000 });
    const [download] = await Promise.all([other.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('plan.bin');
    const saved = readFileSync(await download.path());
    expect(sha256(saved)).toBe(sha256(bytes));
  });
});

test('Robust codes carry a file with a fifth of them lost, and the choice is remembered for the next message', async ({ page }) => {
  await twoDevices(page, 'robust', async (other, clip) => {
    const bytes = testFile(6);
    const passphrase = await sealFile(page, 'robust.bin', bytes);
    await expect(page.getByTestId('offline-qr')).toHaveAttribute('data-density', 'normal');
    const { needed, symbol, rate } = await chooseDensity(page, 'robust');
    expect(symbol).toBeLessThanOrEqual(336);
    expect(rate).toBe(10);
    expect(needed).toBe(Math.ceil(Number(await page.getByTestId('offline-qr').getAttribute('data-blob-length')) / 336));
    await expect(page.getByTestId('offline-takes')).toContainText('At 10 codes a second');

    const { frames, dropped } = await captureSequence(page, needed + Math.ceil(needed / 3), (n) => n % 5 === 1);
    expect(dropped).toBeGreaterThanOrEqual(Math.floor(needed / 5));
    writeClip(clip, frames);
    await scan(other);
    await openWith(other, passphrase);
    await expectFile(other, 'robust.bin', bytes);

    // The next message starts at the density chosen last.
    await page.getByTestId('send-another').click();
    await page.getByTestId('offline-message').fill(LONG_TEXT);
    await sealWithGenerated(page);
    await expect(page.getByTestId('offline-qr')).toHaveAttribute('data-density', 'robust');
    await expect(page.getByTestId('rate')).toHaveValue('10');
  });
});

test('choosing Dense while the codes play seals the message again, and a receiver that began on the Normal codes follows', async ({ page }) => {
  await twoDevices(page, 'dense', async (other, clip) => {
    const bytes = testFile(16);
    const passphrase = await sealFile(page, 'dense.bin', bytes);
    const code = page.getByTestId('offline-qr');
    const normalNeeded = await code.getAttribute('data-needed');
    const normalBlob = await code.getAttribute('data-blob-length');

    // The receiver collects two of the Normal codes, then its scanner is closed.
    const { frames: normal } = await captureSequence(page, 2);
    writeClip(clip, normal);
    await scan(other);
    const section = other.getByTestId('offline-receive');
    await expect(section).toHaveAttribute('data-distinct', '2', { timeout: 30_000 });
    await expect(section).toHaveAttribute('data-needed', normalNeeded!);
    await other.getByTestId('tab-send').click();
    await other.getByTestId('tab-receive').click();

    // Dense: sealed again with the same passphrase, at its own rate; every fifth code lost.
    const { needed, symbol, rate } = await chooseDensity(page, 'dense');
    expect([symbol > 1600, rate]).toEqual([true, 30]);
    expect(needed).toBeLessThanOrEqual(11);
    await expect(code).toHaveAttribute('data-blob-length', normalBlob!);
    const { frames: dense, dropped } = await captureSequence(page, needed + Math.ceil(needed / 3) + 2, (n) => n % 5 === 1);
    expect(dropped).toBeGreaterThanOrEqual(Math.floor(needed / 5));
    writeClip(clip, dense);
    await other.getByTestId('receive-scan').click();
    await openWith(other, passphrase);
    await expectFile(other, 'dense.bin', bytes);
    await expect(section).toHaveAttribute('data-needed', String(needed));
  });
});

test('pairing by camera, then a message sealed for the contact opens without a passphrase, naming its sender', async ({ page }) => {
  await twoDevices(page, 'pairing', async (other, clip) => {
    // Alice shows her code; Bob's camera reads it. Bob shows his; Alice (no camera) pastes its
    // text. Both see the same safety number and keep each other, verified.
    await page.getByTestId('tab-contacts').click();
    await page.getByTestId('pair-show').click();
    await page.getByTestId('pair-own-name').fill('Alice');
    writeClip(clip, [await captureCode(page, 'pair-qr')], 1);

    await other.getByTestId('tab-contacts').click();
    await other.getByTestId('pair-scan').click();
    await expect(other.getByTestId('pair-name')).toHaveValue('Alice', { timeout: 30_000 });
    const check = (await other.getByTestId('pair-check-code').textContent())!;
    await other.getByTestId('pair-save').click();
    await other.getByTestId('pair-show').click();
    await other.getByTestId('pair-own-name').fill('Bob');
    await page.getByTestId('pair-paste-open').click();
    await page.getByTestId('pair-paste').fill(await other.getByTestId('pair-text').inputValue());
    await page.getByTestId('pair-paste-use').click();
    await expect(page.getByTestId('pair-check-code')).toHaveText(check);
    await page.getByTestId('pair-save').click();
    await expect(page.getByTestId('contact-name')).toHaveText(['Bob']);
    await expect(other.getByTestId('contact-name')).toHaveText(['Alice']);

    // A short message for Bob: one code, no passphrase. The clip file is replaced; the fake
    // camera reads it again when the scanner opens it.
    await page.getByTestId('tab-send').click();
    await page.getByTestId('offline-message').fill('The key is under the blue pot.');
    await page.getByTestId('lock-contact').check();
    await page.getByTestId('seal').click();
    await expect(page.getByTestId('offline-qr')).toBeVisible();
    await expect(page.getByTestId('pause')).toHaveCount(0);
    writeClip(clip, [await captureCode(page, 'offline-qr')], 1);

    await scan(other);
    await expect(other.getByTestId('received-text')).toHaveValue('The key is under the blue pot.', { timeout: 30_000 });
    await expect(other.getByTestId('received-from')).toContainText('Sealed for you by Alice');
    await expect(other.getByTestId('received-from')).toHaveAttribute('data-verified', 'true');

    // Renamed and deleted contacts are kept so in this browser's storage.
    await other.getByTestId('tab-contacts').click();
    await other.getByTestId('contact-rename').click();
    await other.getByTestId('contact-rename-input').fill('Alice B.');
    await other.getByTestId('contact-rename-input').press('Enter');
    await expect(other.getByTestId('contact-name')).toHaveText(['Alice B.']);
    await page.getByTestId('tab-contacts').click();
    await page.getByTestId('contact-delete').click();
    await page.getByTestId('contact-delete-confirm').click();
    await expect(page.getByTestId('contact')).toHaveCount(0);
    const stored = (p: Page) => p.evaluate(() => localStorage.getItem('cutout.verified') ?? '');
    expect(await stored(other)).toMatch(/^[0-9a-f]{256} Alice B\.\n$/);
    expect(await stored(page)).toBe('');
  });
});

test('a QR code that is no offline message gets a hint, not a crash', async ({ page }) => {
  await openOffline(page, relay.url);
  await page.getByTestId('tab-receive').click();
  await page.getByTestId('receive-scan').click();
  await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-qr.png'));
  await expect(page.getByTestId('scan-status')).toContainText('Not a Cutout code');
  // Pasted text too.
  await page.getByTestId('receive-paste').fill('CT1M%%%');
  await page.getByTestId('receive-paste-go').click();
  await expect(page.getByTestId('receive-error')).toContainText('damaged');
});

test('a passphrase typed with a capital first letter, a double space and a trailing space opens the message', async ({ page }) => {
  await openOffline(page, relay.url);
  await page.getByTestId('offline-message').fill('Typed on a phone keyboard.');
  const passphrase = await sealWithGenerated(page);
  const [first, ...rest] = passphrase.split(' ');
  const typed = `${first[0].toUpperCase()}${first.slice(1)}  ${rest.join(' ')} `;
  await paste(page, await page.getByTestId('offline-text').inputValue());
  await openWith(page, typed);
  await expect(page.getByTestId('received-text')).toHaveValue('Typed on a phone keyboard.', { timeout: 30_000 });
});

test("a message's text wrapped at 76 columns, as mail wraps it, pastes and opens", async ({ page }) => {
  await openOffline(page, relay.url);
  await page.getByTestId('offline-message').fill(LONG_TEXT);
  const passphrase = await sealWithGenerated(page);
  const text = await page.getByTestId('offline-text').inputValue();
  // No space of its own, so every white space in a paste can be dropped.
  expect(text).toMatch(/^CT1T[A-Za-z0-9_-]+$/);
  await paste(page, ' ' + text.match(/.{1,76}/g)!.join('\r\n') + '\r\n');
  await expect(page.getByTestId('receive-ready')).toContainText('The whole message is here');
  await openWith(page, passphrase);
  await expect(page.getByTestId('received-text')).toHaveValue(LONG_TEXT, { timeout: 30_000 });
});

test('a cut-off paste says part of the message is missing, never that the whole message is here', async ({ page }) => {
  await openOffline(page, relay.url);
  await page.getByTestId('offline-message').fill(LONG_TEXT);
  const passphrase = await sealWithGenerated(page);
  const text = await page.getByTestId('offline-text').inputValue();
  expect(text.length).toBeGreaterThan(3_000);
  for (const cut of [1_000, 3_000, text.length - 1]) {
    await paste(page, text.slice(0, cut));
    await expect(page.getByTestId('receive-error')).toContainText('Part of the message is missing');
    await expect(page.getByTestId('receive-ready')).toHaveCount(0);
    await expect(page.getByTestId('receive-paste')).toHaveValue('');
  }
  // All of it: whole, and it opens.
  await paste(page, text);
  await expect(page.getByTestId('receive-error')).toHaveText('');
  await openWith(page, passphrase);
  await expect(page.getByTestId('received-text')).toHaveValue(LONG_TEXT, { timeout: 30_000 });
});

test('where the camera cannot be used, codes are read from pictures: one code, and a sequence a picture at a time', async ({ page }) => {
  // This browser has no camera: the scanner offers pictures instead.
  await openOffline(page, relay.url);
  await page.getByTestId('offline-message').fill('Read from a picture.');
  let passphrase = await sealWithGenerated(page);
  const single = join(workDir, 'single.png');
  await page.getByTestId('offline-qr').screenshot({ path: single });
  await scan(page);
  await page.getByTestId('scan-upload').setInputFiles(single);
  await openWith(page, passphrase);
  await expect(page.getByTestId('received-text')).toHaveValue('Read from a picture.', { timeout: 30_000 });

  // A sequence of four codes, photographed one at a time with Next code.
  await page.getByTestId('receive-another').click();
  await page.getByTestId('tab-send').click();
  await page.getByTestId('send-another').click();
  await page.getByTestId('offline-message').fill(LONG_TEXT);
  passphrase = await sealWithGenerated(page);
  await page.getByTestId('pause').click();
  const first = Number(await page.getByTestId('offline-qr').getAttribute('data-frame'));
  const pictures: string[] = [];
  for (let i = 0; i < 4; i++) {
    pictures.push(join(workDir, `code-${i}.png`));
    await page.getByTestId('offline-qr').screenshot({ path: pictures[i] });
    await page.getByTestId('next-code').click();
    await expect(page.getByTestId('offline-qr')).toHaveAttribute('data-frame', String(first + i + 1));
  }
  await scan(page);
  const section = page.getByTestId('offline-receive');
  for (const [i, picture] of pictures.slice(0, 3).entries()) {
    await page.getByTestId('scan-upload').setInputFiles(picture);
    await expect(section).toHaveAttribute('data-distinct', String(i + 1));
  }
  await expect(page.getByTestId('scan-status')).toContainText('Take or choose the next one');
  await page.getByTestId('scan-upload').setInputFiles(pictures[3]);
  await openWith(page, passphrase);
  await expect(page.getByTestId('received-text')).toHaveValue(LONG_TEXT, { timeout: 30_000 });
});

test('the app reloads with the relay stopped, and offline messages still work', async ({ page }) => {
  // Installable: a web manifest, linked from the page.
  const manifest = await (await page.request.get(relay.url + '/manifest.webmanifest')).json();
  expect(manifest).toMatchObject({ name: 'Cutout', start_url: './', display: 'standalone' });
  expect(manifest.icons.length).toBeGreaterThan(0);
  await openOffline(page, relay.url);
  await expect(page.locator('link[rel=manifest]')).toHaveAttribute('href', '/manifest.webmanifest');
  await expect(page.getByTestId('offline-capable')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await relay.stop();
  await page.reload();
  await page.getByTestId('offline').click();
  await expect(page.getByTestId('offline-capable')).toHaveAttribute('data-state', 'ready');
  await page.getByTestId('offline-message').fill('Written with no server anywhere.');
  await sealWithGenerated(page);
  await expect(page.getByTestId('offline-text')).toHaveValue(/^CT1T/);
});

test('the Offline screen fits a 360 px phone with the animated codes, and its tabs pass axe-core', async ({ browser }) => {
  // axe is injected as a script, which the app's CSP rightly forbids: bypass it for this check.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await openOffline(page, relay.url);
  await page.getByTestId('offline-message').fill('x'.repeat(1200));
  await page.getByTestId('lock-typed').check();
  await page.getByTestId('typed-passphrase').fill('correct horse battery staple');
  await expect(page.getByTestId('strength')).toBeVisible({ timeout: 20_000 });
  await page.getByTestId('seal').click();
  await expect(page.getByTestId('pause')).toBeVisible({ timeout: 30_000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = () =>
    page.evaluate(async () => {
      // @ts-expect-error axe is injected above
      const result = await window.axe.run(document, { resultTypes: ['violations'] });
      return result.violations
        .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
        .map((v: { id: string; help: string; nodes: unknown[] }) => `${v.id}: ${v.help} (${v.nodes.length})`);
    });
  for (const tab of ['tab-send', 'tab-receive', 'tab-contacts']) {
    await page.getByTestId(tab).click();
    expect(await violations(), tab).toEqual([]);
  }
  // Pairing: one's own code with the name it carries, then someone's code read, to compare.
  await page.getByTestId('pair-show').click();
  await expect(page.getByTestId('pair-qr')).toBeVisible();
  expect(await violations(), 'pairing code').toEqual([]);
  const other = await browser.newPage();
  await openOffline(other, relay.url);
  await other.getByTestId('tab-contacts').click();
  await other.getByTestId('pair-show').click();
  const theirs = await other.getByTestId('pair-text').inputValue();
  await other.close();
  await page.getByTestId('pair-paste-open').click();
  await page.getByTestId('pair-paste').fill(theirs);
  await page.getByTestId('pair-paste-use').click();
  await expect(page.getByTestId('pair-check-code')).toBeVisible();
  expect(await violations(), 'their code read').toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});
