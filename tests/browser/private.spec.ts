// Private conversations and removal in a room on MLS (docs/PROTOCOL.md R.8, R.10), through the
// real relay and the real app: what one member writes to another privately reaches that member
// alone, and a member removed from the room reads nothing more, not even with the old invite,
// while the others go on in the room's new home.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { artifacts, expect, test } from './harness';
import { createRoom, member, messages, openInvite, person, say } from './people';
import { card, offer, payload, receive } from './transfers';

const openerBin = process.env.CUTOUT_OPENER_BIN ?? join(__dirname, '../../target/debug/opener');

/** Records every binary frame between the page and the relay, both ways, in `into`. */
async function record(page: Page, into: Buffer[]) {
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (typeof message !== 'string') into.push(Buffer.from(message));
      server.send(message);
    });
    server.onMessage((message) => {
      if (typeof message !== 'string') into.push(Buffer.from(message));
      ws.send(message);
    });
  });
}

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

  // A file offered in the thread goes to Bob alone, and its card sits in the thread.
  const secret = Buffer.from('for Bob only\n'.repeat(5000));
  await thread.getByTestId('dm-file-input').setInputFiles(payload('for-bob.txt', secret));
  await expect(thread.getByTestId('file-card')).toHaveCount(1);
  await expect(bobs.getByTestId('file-card')).toHaveCount(1);
  await expect(bob.page.getByTestId('shared-file')).toHaveCount(0);
  expect((await receive(bob.page, 'for-bob.txt')).equals(secret)).toBe(true);
  await expect(card(alice.page, 'for-bob.txt')).toHaveAttribute('data-state', 'sharing');

  // The room goes on for everyone, so Carol was reading all along.
  await say(alice.page, 'for the whole room');
  await expect(messages(carol.page).filter({ hasText: 'for the whole room' })).toHaveCount(1);
  // Carol: nothing of the private conversation, anywhere on her page.
  await expect(carol.page.getByTestId('dm-unread')).toHaveCount(0);
  await expect(carol.page.getByTestId('dm-message')).toHaveCount(0);
  await expect(carol.page.getByTestId('file-card')).toHaveCount(0);
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

  // Her tab forgot the room: a reload goes home, and her page shows no invite.
  await expect(carol.page.getByTestId('invite-link')).toHaveCount(0);
  await carol.page.reload();
  await expect(carol.page.getByTestId('new-room')).toBeVisible();
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

/** Routes the page's relay connection through the test, which can cut it and refuse new ones
 * until restored (a network that goes away, as the relay sees it: the socket closes). */
async function cuttable(page: Page): Promise<{ cut: () => Promise<void>; restore: () => void }> {
  let down = false;
  let current: { close: () => Promise<void> } | undefined;
  await page.routeWebSocket(/\/ws$/, (ws) => {
    if (down) {
      void ws.close({ code: 1011, reason: 'network down' });
      return;
    }
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => ws.send(message));
    current = {
      close: async () => {
        await server.close();
        await ws.close({ code: 1011, reason: 'network down' });
      },
    };
  });
  return {
    cut: async () => {
      down = true;
      await current?.close();
    },
    restore: () => {
      down = false;
    },
  };
}

test('a recording of a whole room session and the invite, together, open nothing', async ({ browser, relay }) => {
  const frames: Buffer[] = [];
  const [alice, bob] = [await person(browser), await person(browser)];
  await record(alice.page, frames);
  await record(bob.page, frames);
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  const said = ['the meeting is at the old mill', 'bring the blue folder'];
  await say(alice.page, said[0]);
  await say(bob.page, said[1]);
  await expect(messages(alice.page).filter({ hasText: said[1] })).toHaveCount(1);
  await member(alice.page, 'Bob').getByTestId('dm-open').click();
  await alice.page.getByTestId('dm-composer').fill('a private word about the mill');
  await alice.page.getByTestId('dm-send').click();
  await expect(member(bob.page, 'Alice').getByTestId('dm-unread')).toHaveText('1');
  const marker = 'FILE-CONTENT-MARKER-7f3a';
  await offer(alice.page, payload('plans.txt', Buffer.from(`${marker}\n`.repeat(4096))));
  const received = await receive(bob.page, 'plans.txt');
  expect(received.toString()).toContain(marker);
  // A reload in the middle: a member's reconnect and a second join are in the recording too.
  await bob.page.reload();
  await expect(bob.page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  await say(bob.page, 'back again');
  await expect(messages(alice.page).filter({ hasText: 'back again' })).toHaveCount(1);
  for (const p of [alice, bob]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }

  // Everyone has left. The recording and the invite go to a harness that tries all the invite
  // gives: it checks the join tags (the control that it holds the right secret and recording)
  // and opens nothing else.
  const dir = join(artifacts, 'recordings');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `room-${Date.now()}.bin`);
  writeFileSync(file, Buffer.concat(frames.flatMap((f) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(f.length);
    return [length, f];
  })));
  const needles = [...said, 'back again', 'a private word about the mill', marker, 'plans.txt', 'Alice', 'Bob'];
  const out = execFileSync(openerBin, ['--invite', link, '--recording', file, ...needles.flatMap((n) => ['--needle', n])]);
  const report = JSON.parse(out.toString());
  expect(report.knocks).toBeGreaterThan(0);
  expect(report.knocks_checked, 'the harness checks the join tags with the invite').toBe(report.knocks);
  expect(report.statuses_checked).toBe(report.statuses);
  expect(report.mls, 'the session\'s messages are in the recording').toBeGreaterThan(10);
  expect(report.chunks, 'the file\'s chunks are in the recording').toBeGreaterThan(0);
  expect(report.channel).toBeGreaterThan(0);
  expect(report.opened).toBe(0);
  expect(report.found).toEqual([]);
});

test('two join at the same moment, and one misses commits while offline: all end in one group and read every message', async ({ browser, relay }) => {
  const [alice, bob, carol, dave] = [await person(browser), await person(browser), await person(browser), await person(browser)];
  const { cut, restore } = await cuttable(bob.page);
  const link = await createRoom(alice.page, relay, 'Alice');
  // Bob and Carol knock at once: one commit wins the epoch, the other is made again after it.
  await Promise.all([openInvite(bob.page, link, 'Bob'), openInvite(carol.page, link, 'Carol')]);
  for (const page of [alice.page, bob.page, carol.page]) {
    await expect(page.locator('[data-testid="member"][data-state="online"]')).toHaveCount(3);
  }
  await say(carol.page, 'all three here');
  for (const page of [alice.page, bob.page]) {
    await expect(messages(page).filter({ hasText: 'all three here' })).toHaveCount(1);
  }

  // Bob's network goes (his socket is cut and no new one gets through): Dave joins and Alice
  // speaks while he cannot hear (commits he misses).
  await cut();
  await expect(bob.page.getByTestId('connection-status')).not.toHaveAttribute('data-state', 'online');
  await say(bob.page, 'typed while offline');
  await openInvite(dave.page, link, 'Dave');
  await say(alice.page, 'Dave is in');
  await expect(messages(dave.page).filter({ hasText: 'Dave is in' })).toHaveCount(1);
  restore();
  await expect(bob.page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online', { timeout: 30_000 });
  // What Bob typed offline arrives once; from now on everyone reads everyone.
  for (const page of [alice.page, carol.page, dave.page]) {
    await expect(messages(page).filter({ hasText: 'typed while offline' })).toHaveCount(1);
  }
  const people = [['Alice', alice.page], ['Bob', bob.page], ['Carol', carol.page], ['Dave', dave.page]] as const;
  for (const [name, page] of people) await say(page, `after, from ${name}`);
  for (const [, page] of people) {
    for (const [name] of people) {
      await expect(messages(page).filter({ hasText: `after, from ${name}` })).toHaveCount(1);
    }
    await expect(page.locator('[data-testid="member"][data-state="online"]')).toHaveCount(4);
  }
  for (const p of [alice, bob, carol, dave]) {
    expect(p.errors.filter((e) => !/WebSocket connection to .* failed|ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
    await p.context.close();
  }
});
