// Private conversations and removal in a room on MLS (docs/PROTOCOL.md R.8, R.10), through the
// real relay and the real app: what one member writes to another privately reaches that member
// alone, and a member removed from the room reads nothing more, not even with the old invite,
// while the others go on in the room's new home.

import { expect, test } from './harness';
import { createRoom, member, messages, openInvite, person, say } from './people';

test('A writes to B privately in a room with C: B reads it, C sees nothing of it', async ({ browser, relay }) => {
  const [alice, bob, carol] = [await person(browser), await person(browser), await person(browser)];
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  await openInvite(carol.page, link, 'Carol');
  for (const page of [alice.page, bob.page, carol.page]) {
    await expect(page.locator('[data-testid="member"][data-state="online"]')).toHaveCount(3);
  }

  await member(alice.page, 'Bob').getByTestId('dm-open').click();
  const thread = alice.page.getByTestId('dm-thread');
  await expect(thread).toHaveAttribute('data-peer', 'Bob');
  await thread.getByTestId('dm-composer').fill('just between us');
  await thread.getByTestId('dm-send').click();
  await expect(thread.getByTestId('dm-message')).toHaveCount(1);

  // Bob: an unread count on Alice's entry, then the message in the thread.
  await expect(member(bob.page, 'Alice').getByTestId('dm-unread')).toHaveText('1');
  await member(bob.page, 'Alice').getByTestId('dm-open').click();
  const bobs = bob.page.getByTestId('dm-thread');
  await expect(bobs).toHaveAttribute('data-peer', 'Alice');
  await expect(bobs.getByTestId('dm-message')).toHaveText([/just between us/]);
  await expect(member(bob.page, 'Alice').getByTestId('dm-unread')).toHaveCount(0);
  // Bob answers; Alice reads it in the thread she has open.
  await bobs.getByTestId('dm-composer').fill('agreed');
  await bobs.getByTestId('dm-send').click();
  await expect(thread.getByTestId('dm-message')).toHaveCount(2);
  await expect(thread.getByTestId('dm-message').nth(1)).toContainText('agreed');

  // The room goes on for everyone, so Carol was reading all along.
  await say(alice.page, 'for the whole room');
  await expect(messages(carol.page).filter({ hasText: 'for the whole room' })).toHaveCount(1);
  // Carol: nothing of the private conversation, anywhere on her page.
  await expect(carol.page.getByTestId('dm-unread')).toHaveCount(0);
  await expect(carol.page.getByTestId('dm-message')).toHaveCount(0);
  const text = await carol.page.locator('body').innerText();
  expect(text).not.toContain('just between us');
  expect(text).not.toContain('agreed');

  for (const p of [alice, bob, carol]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});

test('A removes C: C is told and reads nothing more, even with the old invite; A and B go on in the new room', async ({ browser, relay }) => {
  const [alice, bob, carol] = [await person(browser), await person(browser), await person(browser)];
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  await openInvite(carol.page, link, 'Carol');
  await expect(alice.page.locator('[data-testid="member"][data-state="online"]')).toHaveCount(3);
  await say(alice.page, 'before the removal');
  await expect(messages(carol.page).filter({ hasText: 'before the removal' })).toHaveCount(1);

  await member(alice.page, 'Carol').getByTestId('remove-member').click();
  await expect(carol.page.getByTestId('removed-notice')).toBeVisible();
  await expect(carol.page.getByTestId('removed-notice')).toContainText('Alice');
  // Everyone left sees who removed whom, and the invite changes for both.
  for (const page of [alice.page, bob.page]) {
    await expect(page.getByTestId('arrival-line').filter({ hasText: 'Carol' }).filter({ hasText: 'removed' })).toHaveCount(1);
    await expect(page.getByTestId('invite-link')).not.toHaveValue(link);
  }
  const moved = await alice.page.getByTestId('invite-link').inputValue();
  await expect(bob.page.getByTestId('invite-link')).toHaveValue(moved);
  for (const page of [alice.page, bob.page]) {
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
    await expect(member(page, 'Carol')).toHaveCount(0);
  }

  // Carol comes back with the old invite: she is alone in a room nobody else is in.
  await carol.page.goto('about:blank');
  await openInvite(carol.page, link, 'Carol');
  await expect(carol.page.getByTestId('alone-notice')).toBeVisible();

  await say(alice.page, 'after the removal');
  await expect(messages(bob.page).filter({ hasText: 'after the removal' })).toHaveCount(1);
  await say(bob.page, 'Bob too');
  await expect(messages(alice.page).filter({ hasText: 'Bob too' })).toHaveCount(1);
  await carol.page.waitForTimeout(1_000);
  await expect(messages(carol.page).filter({ hasText: 'after the removal' })).toHaveCount(0);
  await expect(messages(carol.page).filter({ hasText: 'Bob too' })).toHaveCount(0);

  // A newcomer with the new invite joins the room that goes on.
  const dave = await person(browser);
  await openInvite(dave.page, moved, 'Dave');
  await say(dave.page, 'hello from Dave');
  for (const page of [alice.page, bob.page]) {
    await expect(messages(page).filter({ hasText: 'hello from Dave' })).toHaveCount(1);
  }
  await expect(messages(carol.page).filter({ hasText: 'hello from Dave' })).toHaveCount(0);

  for (const p of [alice, bob, carol, dave]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});
