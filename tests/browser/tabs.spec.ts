// A tab's device id (PROTOCOL.md B.3): kept across reloads of that tab, never shared by two live
// tabs. "Duplicate tab" copies sessionStorage, id included; emulated here by copying one page's
// sessionStorage into a second page of the same browser context before the app loads.

import type { Page } from '@playwright/test';
import { expect, test, watchErrors } from './harness';
import { createRoom, member, messages, openInvite, person, say } from './people';

/** The tab's stored device id, without its in-use mark. */
async function deviceId(page: Page): Promise<string> {
  const stored = await page.evaluate(() => sessionStorage.getItem('cutout.device'));
  expect(stored).not.toBeNull();
  return stored!.replace(/^(live|free):/, '');
}

test('a duplicated tab mints its own device id: both tabs are listed and both are heard', async ({ browser, context, page, relay }) => {
  const link = await createRoom(page, relay, 'Alice');
  const carol = await person(browser);
  await openInvite(carol.page, link, 'Carol');
  await expect(carol.page.getByTestId('member')).toHaveCount(2);

  // "Duplicate tab": a second page of the same browser with a copy of the first's sessionStorage
  // (room, name, device id), opening the same address.
  const copied = await page.evaluate(() => Object.entries(sessionStorage));
  const duplicate = await context.newPage();
  const duplicateErrors = watchErrors(duplicate);
  await duplicate.addInitScript((entries: [string, string][]) => {
    if (sessionStorage.length === 0) for (const [key, value] of entries) sessionStorage.setItem(key, value);
  }, copied);
  await duplicate.goto(page.url());
  await expect(duplicate.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');

  for (const p of [page, duplicate, carol.page]) {
    await expect(p.getByTestId('member')).toHaveCount(3);
    await expect(member(p, 'Alice')).toHaveCount(2);
  }
  expect(await deviceId(duplicate), 'the duplicate minted its own id').not.toBe(await deviceId(page));
  await say(page, 'from the first tab');
  await say(duplicate, 'from the duplicate');
  await expect(messages(carol.page)).toHaveText([/from the first tab/, /from the duplicate/]);
  for (const p of [page, duplicate]) {
    await expect(p.locator('[data-testid=message][data-state=pending]')).toHaveCount(0);
  }

  // A reload keeps each tab's id, so each replaces its own entry: still three, not four.
  const ids = [await deviceId(page), await deviceId(duplicate)];
  await duplicate.reload();
  await page.reload();
  for (const p of [page, duplicate]) {
    await expect(p.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  }
  expect([await deviceId(page), await deviceId(duplicate)]).toEqual(ids);
  await say(duplicate, 'after the reload');
  await expect(messages(carol.page).last()).toHaveText(/after the reload/);
  await expect(carol.page.getByTestId('member')).toHaveCount(3);
  await expect(member(carol.page, 'Alice').and(carol.page.locator('[data-state=online]'))).toHaveCount(2);

  expect(duplicateErrors).toEqual([]);
  expect(carol.errors).toEqual([]);
  await carol.context.close();
});
