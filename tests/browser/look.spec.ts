// Visual baselines: every screen at a phone's size and a laptop's, light and dark, compared with
// the pictures committed beside this file (a small tolerance for anti-aliasing). Whatever differs
// from run to run (room secrets, check codes, QR codes, clock times, generated words, whether the
// app is kept for offline use yet) is masked. A layout broken by a style change fails here even
// when every click still works.
//
// After a deliberate change of the look: `npx playwright test look.spec.ts --update-snapshots`
// (with the environment `cargo xtask test` sets), then look at every new picture before
// committing it.

import type { Locator, Page } from '@playwright/test';
import { expect, test } from './harness';
import { createRoom, openInvite, person } from './people';

const SIZES: [number, number][] = [
  [360, 740],
  [1280, 800],
];
const SCHEMES = ['light', 'dark'] as const;

/** What changes from run to run. */
function changing(page: Page): Locator[] {
  return [
    page.locator('time'),
    page.getByTestId('invite-link'),
    page.getByTestId('check-code'),
    page.getByTestId('pair-check-code'),
    page.getByTestId('pair-text'),
    page.locator('.shared .log-note'),
    page.locator('.qr'),
    page.getByTestId('generated-passphrase'),
    page.getByTestId('offline-capable'),
    page.locator('.hint').filter({ hasText: 'bits: words drawn' }),
  ];
}

async function look(page: Page, name: string) {
  await expect(page).toHaveScreenshot(`${name}.png`, {
    mask: changing(page),
    maxDiffPixelRatio: 0.01,
    animations: 'disabled',
    caret: 'hide',
  });
}

for (const scheme of SCHEMES) {
  for (const [width, height] of SIZES) {
    const at = `${width}-${scheme}`;
    test.describe(`${width}×${height}, ${scheme}`, () => {
      test.use({ viewport: { width, height }, colorScheme: scheme });

      test(`home and scanner look as they should (${at})`, async ({ page, relay }) => {
        await page.goto(relay.url + '/');
        await expect(page.getByTestId('new-room')).toBeVisible();
        await look(page, `home-${at}`);
        await page.getByTestId('open-scanner').click();
        await expect(page.getByTestId('scan-status')).toContainText('take a photo');
        await look(page, `scanner-${at}`);
      });

      test(`a room with people, messages and files looks as it should (${at})`, async ({ browser, page, relay }) => {
        await page.goto(relay.url + '/');
        await page.getByTestId('new-room').click();
        await expect(page.getByTestId('name-input')).toBeFocused();
        await look(page, `name-${at}`);
        await page.getByTestId('name-input').fill('Alice');
        await page.getByTestId('join-button').click();
        await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
        const link = await page.getByTestId('invite-link').inputValue();
        const bob = await person(browser);
        await openInvite(bob.page, link, 'Bob');
        await expect(page.getByTestId('member')).toHaveCount(2);
        for (const text of ['Hello, the slides are ready.', 'See https://example.org/agenda for the plan.']) {
          await bob.page.getByTestId('composer').fill(text);
          await bob.page.getByTestId('send').click();
        }
        await bob.page
          .getByTestId('file-input')
          .setInputFiles({ name: 'slides.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(300 * 1024, 1) });
        await page.getByTestId('composer').fill('Thanks!');
        await page.getByTestId('send').click();
        await expect(page.locator('[data-testid=message][data-state=sent]')).toHaveCount(1);
        await expect(page.getByTestId('file-card')).toHaveCount(1);
        await look(page, `room-${at}`);
        // A private conversation with Bob, open beside the room.
        await page.getByTestId('member').filter({ hasText: 'Bob' }).getByTestId('dm-open').click();
        await page.getByTestId('dm-composer').fill('Can you bring the printed copies?');
        await page.getByTestId('dm-send').click();
        await bob.page.getByTestId('member').filter({ hasText: 'Alice' }).getByTestId('dm-open').click();
        await bob.page.getByTestId('dm-composer').fill('Yes, twelve of them.');
        await bob.page.getByTestId('dm-send').click();
        await bob.page
          .getByTestId('dm-file-input')
          .setInputFiles({ name: 'copies.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(40 * 1024, 2) });
        await expect(page.getByTestId('dm-thread').getByTestId('file-card')).toHaveCount(1);
        await expect(page.getByTestId('dm-message')).toHaveCount(2);
        await expect(page.getByTestId('dm-message').first()).toHaveAttribute('data-state', 'sent');
        await look(page, `private-${at}`);
        await page.getByTestId('leave').click();
        await expect(page.getByTestId('leave-cancel')).toBeFocused();
        await look(page, `leave-${at}`);
        await page.getByTestId('leave-cancel').click();
        // Bob removes Alice: what she is told.
        await bob.page.getByTestId('member').filter({ hasText: 'Alice' }).getByTestId('remove-member').click();
        await expect(page.getByTestId('removed-notice')).toBeVisible();
        await look(page, `removed-${at}`);
        await bob.context.close();
      });

      test(`the offline tabs look as they should (${at})`, async ({ page, relay }) => {
        await page.goto(relay.url + '/');
        await page.getByTestId('offline').click();
        await expect(page.getByTestId('generated-passphrase')).not.toHaveText('…');
        // Its wording (and so the layout below it) changes once the app is kept.
        await expect(page.getByTestId('offline-capable')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
        await look(page, `offline-send-${at}`);
        await page.getByTestId('tab-receive').click();
        await expect(page.getByTestId('offline-receive')).toBeVisible();
        await look(page, `offline-receive-${at}`);
        await page.getByTestId('tab-contacts').click();
        await page.getByTestId('pair-show').click();
        await expect(page.getByTestId('pair-qr')).toBeVisible();
        await look(page, `offline-contacts-${at}`);
      });
    });
  }
}
