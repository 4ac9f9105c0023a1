// Faults: the relay frozen and resumed, the relay killed mid-file, a sender's page reloaded
// mid-file, the network to one member stalled. Expected: reconnection by itself, no typed message lost or shown twice, and a
// transfer that cannot finish ends "incomplete" with nothing offered for saving.

import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect, startRelay, test, type Relay } from './harness';
import { createRoom, member, openInvite, person, say, unexpected, type Person } from './people';
import { startStallProxy } from './stall-proxy';
import { MiB, card, offer, payload, storedFiles } from './transfers';

/** Waits until the receiver has some of the file, but not all of it. */
async function midway(page: Page, name: string) {
  const bar = card(page, name).getByTestId('file-progress').locator('progress');
  await expect.poll(() => bar.evaluate((e: HTMLProgressElement) => e.value), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect(card(page, name)).toHaveAttribute('data-state', 'receiving');
}

async function online(...pages: Page[]) {
  for (const p of pages) {
    await expect(p.getByTestId('connection-status')).toHaveAttribute('data-state', 'online', { timeout: 60_000 });
  }
}

function closeAll(...people: Person[]) {
  return Promise.all(people.map((p) => p.context.close()));
}

/** Neither page logged an error but the expected refused WebSockets; both are closed. */
async function finish(alice: Person, bob: Person) {
  expect(unexpected(alice.errors)).toEqual([]);
  expect(unexpected(bob.errors)).toEqual([]);
  await closeAll(alice, bob);
}

/** Alice and Bob in a room on `relay`; Bob is part-way through receiving a 12 MiB file. */
async function midFile(relay: Relay, alice: Person, bob: Person) {
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  await expect(member(alice.page, 'Bob')).toHaveAttribute('data-state', 'online');
  await offer(alice.page, payload('big.bin', randomBytes(12 * MiB)));
  await card(bob.page, 'big.bin').getByTestId('file-accept').click();
  await midway(bob.page, 'big.bin');
}

/** The receiver's card says incomplete, nothing is offered for saving, nothing is stored. */
async function keptNothing(page: Page) {
  await expect(card(page, 'big.bin')).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
  await expect(card(page, 'big.bin').getByTestId('file-status')).toContainText('incomplete');
  await expect(card(page, 'big.bin').getByTestId('file-save')).toHaveCount(0);
  await expect.poll(() => storedFiles(page)).toEqual([]);
}

test('the relay frozen for 30 s mid-chat, then resumed: what was typed meanwhile arrives once', async ({ browser }) => {
  test.setTimeout(180_000);
  const relay = await startRelay('frozen');
  const alice = await person(browser);
  const bob = await person(browser);
  try {
    const link = await createRoom(alice.page, relay, 'Alice');
    await openInvite(bob.page, link, 'Bob');
    await say(alice.page, 'before the freeze');
    await expect(bob.page.getByTestId('message')).toHaveText([/before the freeze/]);

    relay.process.kill('SIGSTOP');
    await say(alice.page, 'typed while frozen, by Alice');
    await say(bob.page, 'typed while frozen, by Bob');
    await new Promise((done) => setTimeout(done, 30_000));
    relay.process.kill('SIGCONT');

    await online(alice.page, bob.page);
    // Both frozen messages, once each, after the first. The two were typed at the same time on
    // two devices, so each device may list them in either order.
    const texts = ['typed while frozen, by Alice', 'typed while frozen, by Bob'];
    for (const p of [alice.page, bob.page]) {
      const shown = p.getByTestId('message');
      await expect(shown).toHaveCount(3, { timeout: 60_000 });
      await expect(shown.first()).toContainText('before the freeze');
      for (const text of texts) await expect(shown.filter({ hasText: text })).toHaveCount(1);
      await expect(p.locator('[data-testid=message][data-state=pending]')).toHaveCount(0);
    }
    await expect(member(alice.page, 'Bob')).toHaveAttribute('data-state', 'online');
    // Nothing arrives twice, even after more traffic.
    await say(bob.page, 'after');
    await expect(alice.page.getByTestId('message')).toHaveCount(4);
    await expect(alice.page.getByTestId('message').last()).toContainText('after');
    await expect(bob.page.getByTestId('message')).toHaveCount(4);
  } finally {
    relay.process.kill('SIGCONT');
    await relay.stop();
  }
  await finish(alice, bob);
});

test('the relay killed mid-file and restarted: both sides say the transfer stopped, nothing is offered, chat goes on', async ({ browser }) => {
  // 1 MiB/s per connection, so the file is still on its way when the relay dies.
  const args = ['--rate-bytes', String(MiB)];
  let relay = await startRelay('killed-mid-file', args);
  const port = Number(new URL(relay.url).port);
  const alice = await person(browser);
  const bob = await person(browser);
  try {
    await midFile(relay, alice, bob);

    const exited = new Promise((done) => relay.process.once('exit', done));
    relay.process.kill('SIGKILL');
    await exited;
    await keptNothing(bob.page);
    await expect(card(alice.page, 'big.bin')).toContainText('connection dropped');

    relay = await startRelay('killed-mid-file-again', args, port);
    await online(alice.page, bob.page);
    await say(bob.page, 'still here');
    await expect(alice.page.getByTestId('message')).toHaveText([/still here/], { timeout: 30_000 });
    // No file is offered for saving, now or after the reconnect.
    await expect(bob.page.getByTestId('file-save')).toHaveCount(0);
  } finally {
    await relay.stop();
  }
  await finish(alice, bob);
});

test('the sender reloads mid-file: the receiver says incomplete, keeps nothing, and sees the sender back', async ({ browser }) => {
  const relay = await startRelay('reload-mid-file', ['--rate-bytes', String(MiB)]);
  const alice = await person(browser);
  const bob = await person(browser);
  try {
    await midFile(relay, alice, bob);

    await alice.page.reload();
    await keptNothing(bob.page);
    // The reloaded page rejoins the same room as the same member.
    await online(alice.page);
    await expect(member(bob.page, 'Alice')).toHaveAttribute('data-state', 'online');
    await expect(bob.page.getByTestId('member')).toHaveCount(2);
  } finally {
    await relay.stop();
  }
  await finish(alice, bob);
});

test('the network to one member stalls for 20 s: both sides reconnect, and what was typed meanwhile arrives once', async ({ browser }) => {
  test.setTimeout(180_000);
  // Pings every 3 s: the relay gives up on the silent member during the stall.
  const relay = await startRelay('stalled-member', ['--ping-ms', '3000']);
  const proxy = await startStallProxy(relay.url);
  const alice = await person(browser);
  const bob = await person(browser);
  try {
    const link = await createRoom(alice.page, relay, 'Alice');
    // Bob reaches the relay through the proxy only.
    await openInvite(bob.page, link.replace(relay.url, proxy.url), 'Bob');
    await expect(member(alice.page, 'Bob')).toHaveAttribute('data-state', 'online');
    await say(bob.page, 'before the stall');
    await expect(alice.page.getByTestId('message')).toHaveText([/before the stall/]);

    proxy.stall();
    const stalled = Date.now();
    await say(bob.page, 'typed by Bob during the stall');
    await say(alice.page, 'typed by Alice during the stall');
    // The relay cut Bob off: Alice sees him leave.
    await expect(member(alice.page, 'Bob')).toHaveAttribute('data-state', 'offline', { timeout: 18_000 });
    await new Promise((done) => setTimeout(done, Math.max(0, 20_000 - (Date.now() - stalled))));
    proxy.resume();

    await online(alice.page, bob.page);
    const texts = ['typed by Bob during the stall', 'typed by Alice during the stall'];
    for (const p of [alice.page, bob.page]) {
      const shown = p.getByTestId('message');
      await expect(shown).toHaveCount(3, { timeout: 90_000 });
      for (const text of texts) await expect(shown.filter({ hasText: text })).toHaveCount(1);
      await expect(p.locator('[data-testid=message][data-state=pending]')).toHaveCount(0, { timeout: 30_000 });
    }
    await expect(member(alice.page, 'Bob')).toHaveAttribute('data-state', 'online', { timeout: 60_000 });
    await expect(alice.page.getByTestId('member')).toHaveCount(2);
  } finally {
    proxy.resume();
    await proxy.close();
    await relay.stop();
  }
  await finish(alice, bob);
});
