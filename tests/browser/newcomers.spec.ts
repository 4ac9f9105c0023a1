// Recent history for newcomers (issue "Conversations that last"; docs/PROTOCOL.md R.12): a room
// made with the setting passes a late joiner its last messages, marked as shared and by whom,
// once each even with two members online; a room made without it passes nothing; and everyone
// in the room sees which it is.

import type { Page } from '@playwright/test';
import { expect, test, type Relay } from './harness';
import { joinAs, messages, openInvite, person, say } from './people';

/** Makes a room, with history for newcomers or not, and returns its invite link. */
async function makeRoom(page: Page, relay: Relay, name: string, history: boolean): Promise<string> {
  await page.goto(relay.url + '/');
  await page.getByTestId('new-room').click();
  const choice = page.getByTestId('history-for-newcomers');
  await expect(choice).not.toBeChecked();
  if (history) await choice.check();
  await joinAs(page, name);
  return page.getByTestId('invite-link').inputValue();
}

test('a late joiner reads the last messages, marked shared, once each, when the room was made so', async ({ browser, relay }) => {
  const ana = await person(browser);
  const bob = await person(browser);
  const cy = await person(browser);
  const link = await makeRoom(ana.page, relay, 'Ana', true);
  await openInvite(bob.page, link, 'Bob');
  await say(ana.page, 'the agenda is on the board');
  await say(bob.page, 'I will bring coffee');
  await expect(messages(bob.page)).toHaveCount(2);
  await expect(messages(ana.page)).toHaveCount(2);
  for (const page of [ana.page, bob.page]) {
    await expect(page.getByTestId('history-note')).toHaveAttribute('data-history', 'true');
  }

  await openInvite(cy.page, link, 'Cy');
  const shared = cy.page.locator('[data-testid="message"][data-shared="true"]');
  await expect(shared).toHaveText([/the agenda is on the board/, /I will bring coffee/]);
  await expect(shared.first().getByTestId('shared-by')).toContainText(/shared by (Ana|Bob)/);
  await expect(cy.page.getByTestId('history-note')).toHaveAttribute('data-history', 'true');
  // Both members shared: still once each, after a moment for the second copy to arrive.
  await cy.page.waitForTimeout(1500);
  await expect(shared).toHaveCount(2);

  // What is said from now on is not marked shared.
  await say(ana.page, 'welcome, Cy');
  await expect(messages(cy.page).last()).toContainText('welcome, Cy');
  await expect(messages(cy.page).last()).not.toHaveAttribute('data-shared', 'true');
  for (const p of [ana, bob, cy]) await p.context.close();
});

test('a room made without it passes a late joiner nothing from before', async ({ browser, relay }) => {
  const ana = await person(browser);
  const bob = await person(browser);
  const cy = await person(browser);
  const link = await makeRoom(ana.page, relay, 'Ana', false);
  await openInvite(bob.page, link, 'Bob');
  await say(ana.page, 'before you came');
  await expect(messages(bob.page)).toHaveCount(1);
  await expect(ana.page.getByTestId('history-note')).toHaveAttribute('data-history', 'false');
  await openInvite(cy.page, link, 'Cy');
  await say(ana.page, 'after you came');
  await expect(messages(cy.page)).toHaveText([/after you came/]);
  await expect(cy.page.getByTestId('history-note')).toHaveAttribute('data-history', 'false');
  for (const p of [ana, bob, cy]) await p.context.close();
});
