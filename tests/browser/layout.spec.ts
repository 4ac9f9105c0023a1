// Layout rules no click-through test notices: every form control sits inside or beside its
// label, at a phone's width and a laptop's; what opens in response to a tap is in view.

import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, fixtures, test } from './harness';
import { createRoom, openInvite, person } from './people';

interface Misplaced {
  control: string;
  why: string;
}

/** Every visible input, select and textarea inside a label, checked against the label's text. */
async function misplacedControls(page: Page): Promise<Misplaced[]> {
  return page.evaluate(() => {
    const found: { control: string; why: string }[] = [];
    for (const control of document.querySelectorAll<HTMLElement>('label input, label select, label textarea')) {
      const box = control.getBoundingClientRect();
      const style = getComputedStyle(control);
      if (box.width === 0 || style.visibility === 'hidden' || control.classList.contains('sr-only')) continue;
      const label = control.closest('label')!;
      const name = control.getAttribute('data-testid') ?? control.outerHTML.slice(0, 60);
      // The label's own words, without the control's.
      const range = document.createRange();
      const words = [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '')
        .concat([...label.querySelectorAll('span:not(.sr-only)')]);
      if (words.length === 0) continue;
      range.setStartBefore(words[0]);
      range.setEndAfter(words[words.length - 1]);
      const text = range.getBoundingClientRect();
      const type = control.getAttribute('type');
      if (type === 'radio' || type === 'checkbox') {
        if (box.width > 32) found.push({ control: name, why: `${box.width}px wide` });
        const gap = text.left - box.right;
        if (gap < 0 || gap > 24) found.push({ control: name, why: `${gap}px from its label's words` });
        const overlap = Math.min(box.bottom, text.bottom) - Math.max(box.top, text.top);
        if (overlap <= 0) found.push({ control: name, why: 'not on the line of its words' });
      } else {
        const outer = label.getBoundingClientRect();
        const inside = box.left >= outer.left - 1 && box.right <= outer.right + 1;
        if (!inside) found.push({ control: name, why: 'outside its label' });
        const vertical = box.top - text.bottom;
        const beside = Math.min(box.bottom, text.bottom) - Math.max(box.top, text.top) > 0;
        if (!beside && (vertical < -1 || vertical > 24)) found.push({ control: name, why: `${vertical}px below its words` });
      }
    }
    return found;
  });
}

for (const [width, height] of [[360, 740], [1280, 800]]) {
  test(`home, name prompt, Contacts: every control beside its label at ${width}×${height}`, async ({ page, relay }) => {
    await page.setViewportSize({ width, height });
    await page.goto(relay.url + '/');
    await expect(page.getByTestId('join-link')).toBeVisible();
    expect(await misplacedControls(page)).toEqual([]);
    await page.getByTestId('new-room').click();
    await expect(page.getByTestId('name-input')).toBeVisible();
    expect(await misplacedControls(page)).toEqual([]);
    // Back home without joining (a reload would stay in the room this tab entered).
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('offline').click();
    await page.getByTestId('tab-contacts').click();
    await page.getByTestId('pair-show').click();
    await expect(page.getByTestId('pair-own-name')).toBeVisible();
    expect(await misplacedControls(page)).toEqual([]);
  });

  test(`offline Send tab: every control beside its label at ${width}×${height}`, async ({ page, relay }) => {
    await page.setViewportSize({ width, height });
    await page.goto(relay.url + '/');
    await page.getByTestId('offline').click();
    await expect(page.getByTestId('offline-send')).toBeVisible();
    await expect(page.getByTestId('lock-generated')).toBeVisible();
    expect(await misplacedControls(page)).toEqual([]);
    await page.getByTestId('lock-typed').check();
    await expect(page.getByTestId('typed-passphrase')).toBeVisible();
    expect(await misplacedControls(page)).toEqual([]);
  });
}

test('on a phone, the scanner and the invite it read open in view', async ({ page, relay }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(relay.url + '/');
  await page.getByTestId('open-scanner').click();
  // No camera here: the panel opens all the same, and where the person looks.
  await expect(page.getByTestId('scan-panel')).toBeInViewport();
  await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-invite.png'));
  await expect(page.getByTestId('scanned-invite')).toBeInViewport();
  await expect(page.getByTestId('confirm-join')).toBeInViewport();
});

test('the message box stays in view with file cards in the room, on a laptop and a phone', async ({ browser, page, relay }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const link = await createRoom(page, relay, 'Alice');
  const bob = await person(browser);
  await openInvite(bob.page, link, 'Bob');
  await expect(page.getByTestId('member')).toHaveCount(2);
  for (const name of ['photo.png', 'notes.pdf', 'archive.zip']) {
    await bob.page.getByTestId('file-input').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.alloc(4096, 7) });
  }
  await expect(page.getByTestId('file-card')).toHaveCount(3);
  await expect(page.getByTestId('composer')).toBeInViewport();
  await expect(page.getByTestId('send')).toBeInViewport();
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId('composer')).toBeInViewport();
  const [box, send] = [await page.getByTestId('composer').boundingBox(), await page.getByTestId('send').boundingBox()];
  expect(Math.abs(box!.y + box!.height - (send!.y + send!.height)), 'Send sits beside the box, not under it').toBeLessThan(4);
  await bob.context.close();
});

test('a message that fits one code says so, and nothing about codes a second', async ({ page, relay }) => {
  await page.goto(relay.url + '/');
  await page.getByTestId('offline').click();
  await page.getByTestId('offline-message').fill('Short enough for one code.');
  await expect(page.getByTestId('generated-passphrase')).toHaveText(/^[a-z-]+( [a-z-]+){3}$/);
  await page.getByTestId('light').check();
  await page.getByTestId('seal').click();
  await expect(page.getByTestId('offline-qr')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('offline-send')).toContainText('One code holds the whole message');
  await expect(page.getByTestId('offline-send')).not.toContainText('codes a second');
});

test('the animated codes: the speed control is styled, the focused status line has no focus box', async ({ page, relay }) => {
  await page.goto(relay.url + '/');
  await page.getByTestId('offline').click();
  await page.getByTestId('offline-message').fill('x'.repeat(1200));
  await expect(page.getByTestId('generated-passphrase')).toHaveText(/^[a-z-]+( [a-z-]+){3}$/);
  await page.getByTestId('light').check();
  await page.getByTestId('seal').click();
  await expect(page.getByTestId('pause')).toBeVisible({ timeout: 30_000 });
  const sealed = page.getByTestId('sealed');
  await expect(sealed).toBeFocused();
  expect(await sealed.evaluate((e) => getComputedStyle(e).outlineStyle)).toBe('none');
  const rate = page.getByTestId('rate');
  const style = await rate.evaluate((e) => {
    const s = getComputedStyle(e);
    return { radius: s.borderTopLeftRadius, height: e.getBoundingClientRect().height };
  });
  expect(style.radius).toBe('10px');
  expect(style.height).toBeGreaterThanOrEqual(44);
});

test('a new screen opens at its top, wherever the last one was scrolled to', async ({ page, relay }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(relay.url + '/');
  await page.getByTestId('offline').scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
  await page.getByTestId('offline').click();
  await expect(page.getByRole('heading', { name: 'Offline messages' })).toBeInViewport();
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
});
