// Identities (docs/PROTOCOL.md I): every browser profile has one, and its presence is signed.
// Two people with the same name are told apart by the start of their identity keys, and a
// browser keeps its identity across reloads.

import { expect, test } from './harness';
import { createRoom, member, openInvite, person } from './people';

test('two people with one name are told apart by their keys, which survive a reload', async ({ browser, page, relay }) => {
  const link = await createRoom(page, relay, 'Bob');
  const first = await person(browser);
  const second = await person(browser);
  await openInvite(first.page, link, 'Alice');
  await openInvite(second.page, link, 'Alice');

  const alices = member(page, 'Alice');
  await expect(alices).toHaveCount(2);
  const keys = page.getByTestId('member-key');
  await expect(keys).toHaveCount(2);
  const tags = (await keys.allTextContents()).map((t) => t.replace(/[^0-9a-f]/g, ''));
  expect(tags[0]).toMatch(/^[0-9a-f]{12}$/);
  expect(tags[1]).toMatch(/^[0-9a-f]{12}$/);
  expect(tags[0]).not.toBe(tags[1]);
  // Bob's own name is unique: no tag.
  await expect(member(page, 'Bob').getByTestId('member-key')).toHaveCount(0);

  // The first Alice reloads: a new session under the same identity, listed once, same tag.
  await first.page.reload();
  await expect(first.page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  await expect(alices).toHaveCount(2);
  await expect
    .poll(async () => (await keys.allTextContents()).map((t) => t.replace(/[^0-9a-f]/g, '')).sort())
    .toEqual([...tags].sort());

  expect(first.errors).toEqual([]);
  expect(second.errors).toEqual([]);
  await first.context.close();
  await second.context.close();
});
