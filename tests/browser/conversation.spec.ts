// The conversation as people read it: the log follows new messages while the person reads the
// newest (a tall message included), and says so instead when they scrolled up to older ones.

import type { Page } from '@playwright/test';
import { expect, test } from './harness';
import { createRoom, messages, openInvite, person, say } from './people';

/** Pixels between the bottom of the message log's view and the bottom of its content. */
async function belowView(page: Page): Promise<number> {
  return page
    .getByRole('list', { name: 'Messages' })
    .evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight);
}

async function expectAtNewest(page: Page) {
  await expect.poll(() => belowView(page), { message: 'the log shows the newest message' }).toBeLessThan(4);
}

test('the log follows new messages after a tall one, and says when new ones wait below', async ({ browser, page, relay }) => {
  const link = await createRoom(page, relay, 'Alice');
  const bob = await person(browser);
  await openInvite(bob.page, link, 'Bob');

  // A message taller than the old 250 px margin: the log still follows it and the next ones.
  const tall = Array.from({ length: 40 }, (_, i) => `line ${i + 1} of a long message`).join('\n');
  await say(bob.page, 'short first');
  await say(bob.page, tall);
  await expect(messages(page)).toHaveCount(2);
  await expectAtNewest(page);
  await say(bob.page, 'after the tall one');
  await expect(messages(page)).toHaveCount(3);
  await expectAtNewest(page);
  await say(page, 'my own reply');
  await expect(messages(page)).toHaveCount(4);
  await expectAtNewest(page);
  await expect(page.getByTestId('new-messages')).toHaveCount(0);

  // Reading older messages: new ones do not move the view; a button says they are there.
  await page.getByRole('list', { name: 'Messages' }).evaluate((list) => list.scrollTo(0, 0));
  await expect.poll(() => belowView(page)).toBeGreaterThan(100);
  await say(bob.page, 'while Alice reads back');
  await expect(messages(page)).toHaveCount(5);
  await expect(page.getByTestId('new-messages')).toHaveText('1 new message ↓');
  expect(await belowView(page), 'the view stayed where Alice was reading').toBeGreaterThan(100);
  await say(bob.page, 'and another');
  await expect(page.getByTestId('new-messages')).toHaveText('2 new messages ↓');

  await page.getByTestId('new-messages').click();
  await expectAtNewest(page);
  await expect(page.getByTestId('new-messages')).toHaveCount(0);

  // Sending one's own message always shows it, even from older messages.
  await page.getByRole('list', { name: 'Messages' }).evaluate((list) => list.scrollTo(0, 0));
  await say(page, 'mine from up there');
  await expect(messages(page)).toHaveCount(7);
  await expectAtNewest(page);

  expect(bob.errors).toEqual([]);
  await bob.context.close();
});

test('web addresses in messages are links, shown in full, opened without an opener; nothing else is', async ({ browser, page, relay }) => {
  const link = await createRoom(page, relay, 'Alice');
  const bob = await person(browser);
  await openInvite(bob.page, link, 'Bob');
  await say(bob.page, 'menu at https://example.org/menu?day=fri (today). not javascript:alert(1) nor data:text/html,x');
  const message = messages(page).last();
  await expect(message).toContainText('menu at https://example.org/menu?day=fri (today).');
  const links = message.getByTestId('message-link');
  await expect(links).toHaveCount(1);
  await expect(links).toHaveText('https://example.org/menu?day=fri');
  await expect(links).toHaveAttribute('href', 'https://example.org/menu?day=fri');
  await expect(links).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(links).toHaveAttribute('target', '_blank');
  await expect(message.locator('a')).toHaveCount(1);
  expect(bob.errors).toEqual([]);
  await bob.context.close();
});

test('the log says who is here and who left, and that earlier messages are not shown', async ({ browser, page, relay }) => {
  const link = await createRoom(page, relay, 'Alice');
  await expect(page.getByTestId('history-note')).toContainText('Messages sent before you joined are not shown');
  const bob = await person(browser);
  await openInvite(bob.page, link, 'Bob');
  await expect(page.getByTestId('arrival-line')).toHaveText([/^Bob is here/]);
  await expect(bob.page.getByTestId('arrival-line')).toHaveText([/^Alice is here/]);
  await say(bob.page, 'hello');
  await expect(messages(page)).toHaveText([/hello/]);
  await bob.context.close();
  await expect(page.getByTestId('arrival-line')).toHaveText([/^Bob is here/, /^Bob left/]);
  // Arrivals are lines of their own, not messages.
  await expect(messages(page)).toHaveCount(1);
});

test('the creator is asked to start the room, the name field then the message box have focus', async ({ page, relay }) => {
  await page.goto(relay.url + '/');
  await page.getByTestId('new-room').click();
  await expect(page.getByRole('heading', { name: 'Your new room' })).toBeVisible();
  await expect(page.getByTestId('join-button')).toHaveText('Start the room');
  await expect(page.getByTestId('check-code').locator('..')).toContainText('everyone in this room sees the same one');
  await expect(page.getByTestId('name-input')).toBeFocused();
  await page.keyboard.type('Alice');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  await expect(page.getByTestId('composer')).toBeFocused();
  await page.keyboard.type('typed straight away');
  await page.keyboard.press('Enter');
  await expect(messages(page)).toHaveText([/typed straight away/]);
});
