// What arrives while the person looks elsewhere (issue "Conversations that last": dates,
// unread counts and notifications): the tab's title counts messages while the page is hidden;
// notifications are off until turned on, then say who wrote but not what, unless asked; and a
// conversation that spans more than today says which day each part is.

import type { Page } from '@playwright/test';
import { expect, test } from './harness';
import { createRoom, openInvite, person, say } from './people';

/** Makes the page hidden or shown, as switching tabs does. */
async function setHidden(page: Page, hidden: boolean) {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  }, hidden);
}

test('a hidden tab counts unread messages in its title, and notifies only once asked, without the text unless chosen', async ({ browser, relay }) => {
  const url = new URL(relay.url);
  const context = await browser.newContext();
  await context.grantPermissions(['notifications'], { origin: url.origin });
  // Every notification the page makes, recorded.
  await context.addInitScript(() => {
    const Real = window.Notification;
    const shown: { title: string; body?: string }[] = [];
    (window as any).__notifications = shown;
    class Recorded {
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body });
      }
      static get permission() {
        return Real.permission;
      }
      static requestPermission() {
        return Real.requestPermission();
      }
    }
    (window as any).Notification = Recorded;
  });
  const alice = await context.newPage();
  const bob = await person(browser);
  const link = await createRoom(alice, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  const notifications = () => alice.evaluate(() => (window as any).__notifications as { title: string; body?: string }[]);
  const toggle = alice.getByTestId('notify-toggle');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect(alice).toHaveTitle('Cutout');

  // Hidden, notifications off: counted in the title, nothing shown.
  await setHidden(alice, true);
  await say(bob.page, 'one');
  await expect(alice).toHaveTitle('(1) Cutout');
  expect(await notifications()).toEqual([]);

  // Turned on (a click, which asks the browser): who and where, not the text.
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await say(bob.page, 'the door code is 4711');
  await expect(alice).toHaveTitle('(2) Cutout');
  await expect.poll(notifications).toEqual([{ title: 'Bob in a Cutout room', body: 'New message' }]);

  // With the text, when chosen.
  await alice.getByTestId('notify-text').check();
  await say(bob.page, 'three');
  await expect(alice).toHaveTitle('(3) Cutout');
  await expect.poll(async () => (await notifications()).at(-1)).toEqual({ title: 'Bob in a Cutout room', body: 'three' });

  // Shown again: all seen. While shown, nothing counts and nothing is notified.
  await setHidden(alice, false);
  await expect(alice).toHaveTitle('Cutout');
  await say(bob.page, 'four');
  await expect(alice.getByTestId('message').filter({ hasText: 'four' })).toHaveCount(1);
  await expect(alice).toHaveTitle('Cutout');
  expect(await notifications()).toHaveLength(2);

  // The choice is kept for the next room of this browser, and can be turned off.
  await alice.reload();
  await expect(alice.getByTestId('notify-toggle')).toHaveAttribute('aria-pressed', 'true');
  await alice.getByTestId('notify-toggle').click();
  await expect(alice.getByTestId('notify-toggle')).toHaveAttribute('aria-pressed', 'false');
  await context.close();
  await bob.context.close();
});

test('a conversation of today has no day separators; one that spans yesterday says which day is which', async ({ browser, relay }) => {
  const alice = await person(browser);
  const bob = await person(browser);
  // Bob's clock is a day behind: what he sends is stamped yesterday.
  await bob.context.addInitScript(() => {
    const now = Date.now.bind(Date);
    Date.now = () => now() - 24 * 60 * 60 * 1000;
  });
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  await say(alice.page, 'good morning');
  await expect(bob.page.getByTestId('message').filter({ hasText: 'good morning' })).toHaveCount(1);
  await expect(alice.page.getByTestId('day-separator')).toHaveCount(0);

  await say(bob.page, 'written yesterday');
  await expect(alice.page.getByTestId('message').filter({ hasText: 'written yesterday' })).toHaveCount(1);
  // Bob arriving and Alice's greeting are today's, Bob's message yesterday's: each run of one
  // day starts with its separator.
  await expect(alice.page.getByTestId('day-separator')).toHaveText(['Today', 'Yesterday']);
  await say(alice.page, 'and today again');
  await expect(alice.page.getByTestId('day-separator')).toHaveText(['Today', 'Yesterday', 'Today']);

  for (const p of [alice, bob]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});
