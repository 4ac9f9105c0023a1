// Journey 4: encrypted files in a room, end to end — offers, accept/decline, progress, cancel from
// either side, a member leaving, a tampered chunk, hostile names, several receivers. Real files go
// in through the app's own file input (and drop and paste); what comes out is the download the
// app offers, hashed.

import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { startFlipProxy } from './flip-proxy';
import { expect, startRelay, test, type Relay } from './harness';
import { createRoom, member, openInvite, person, type Person } from './people';
import { MiB, card, offer, payload, receive, save, sha256, storedFiles } from './transfers';

/** Alice creates a room on `relay`; the others join through the invite (at `via` if given). */
async function room(page: Page, relay: Relay, others: Person[], names: string[], via?: string) {
  const link = await createRoom(page, relay, 'Alice');
  for (const [i, other] of others.entries()) {
    await openInvite(other.page, via ? link.replace(relay.url, via) : link, names[i]);
    await expect(member(page, names[i])).toHaveAttribute('data-state', 'online');
  }
}

/** Waits until the receiver has some of the file, but not all of it. */
async function midway(page: Page, name: string) {
  const bar = card(page, name).getByTestId('file-progress').locator('progress');
  await expect.poll(() => bar.evaluate((e: HTMLProgressElement) => e.value), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect(card(page, name)).toHaveAttribute('data-state', 'receiving');
}

function closeAll(...people: Person[]) {
  return Promise.all(people.map((p) => p.context.close()));
}

test('a 10 MiB file arrives whole: equal SHA-256, progress on both sides', async ({ browser, page, relay }) => {
  const bob = await person(browser);
  await room(page, relay, [bob], ['Bob']);
  const data = randomBytes(10 * MiB);
  await offer(page, payload('ten.bin', data));
  await expect(card(page, 'ten.bin')).toHaveAttribute('data-state', 'sharing');
  await expect(card(bob.page, 'ten.bin')).toContainText('10.0 MiB');
  await expect(card(bob.page, 'ten.bin')).toContainText('from Alice');
  const bytes = await receive(bob.page, 'ten.bin');
  expect(bytes.length).toBe(data.length);
  expect(sha256(bytes)).toBe(sha256(data));
  const line = card(page, 'ten.bin').getByTestId('file-progress');
  await expect(line).toHaveAttribute('data-who', 'Bob');
  await expect(line).toHaveAttribute('data-state', 'done');
  // On 127.0.0.1 (a secure context) the file was written to disk as it arrived, not kept in
  // memory; dismissing the card removes it.
  await expect.poll(async () => (await storedFiles(bob.page)).map((f) => f.size)).toEqual([10 * MiB]);
  await card(bob.page, 'ten.bin').getByTestId('file-dismiss').click();
  await expect(card(bob.page, 'ten.bin')).toHaveCount(0);
  await expect.poll(() => storedFiles(bob.page)).toEqual([]);
  expect(bob.errors).toEqual([]);
  await closeAll(bob);
});

test('an empty file and a 1-byte file, offered together', async ({ browser, page, relay }) => {
  const bob = await person(browser);
  await room(page, relay, [bob], ['Bob']);
  await offer(page, payload('empty.txt', Buffer.alloc(0), 'text/plain'), payload('one.bin', Buffer.from([0x2a])));
  expect((await receive(bob.page, 'empty.txt')).length).toBe(0);
  expect([...(await receive(bob.page, 'one.bin'))]).toEqual([0x2a]);
  await expect(card(page, 'empty.txt').getByTestId('file-progress')).toHaveAttribute('data-state', 'done');
  await closeAll(bob);
});

test('a declined offer sends nothing and says so on both sides', async ({ browser, page, relay }) => {
  const bob = await person(browser);
  await room(page, relay, [bob], ['Bob']);
  await offer(page, payload('nope.bin', randomBytes(1000)));
  await card(bob.page, 'nope.bin').getByTestId('file-decline').click();
  await expect(card(bob.page, 'nope.bin')).toHaveAttribute('data-state', 'declined');
  await expect(card(bob.page, 'nope.bin').getByTestId('file-save')).toHaveCount(0);
  const line = card(page, 'nope.bin').getByTestId('file-progress');
  await expect(line).toHaveAttribute('data-state', 'declined');
  await closeAll(bob);
});

test.describe('on a relay that carries 1 MiB/s per connection', () => {
  let slow: Relay;
  test.beforeAll(async () => {
    slow = await startRelay('files-slow', ['--rate-bytes', String(MiB)]);
  });
  test.afterAll(async () => {
    await slow.stop();
  });

  test('the sender stops sharing mid-way: the receiver keeps nothing and says incomplete', async ({ browser, page }) => {
    const bob = await person(browser);
    await room(page, slow, [bob], ['Bob']);
    await offer(page, payload('big.bin', randomBytes(12 * MiB)));
    await card(bob.page, 'big.bin').getByTestId('file-accept').click();
    await midway(bob.page, 'big.bin');
    await card(page, 'big.bin').getByTestId('file-cancel').click();
    await expect(card(page, 'big.bin')).toHaveAttribute('data-state', 'stopped');
    await expect(card(bob.page, 'big.bin')).toHaveAttribute('data-state', 'failed');
    await expect(card(bob.page, 'big.bin').getByTestId('file-status')).toContainText('incomplete');
    await expect(card(bob.page, 'big.bin').getByTestId('file-save')).toHaveCount(0);
    await expect.poll(() => storedFiles(bob.page)).toEqual([]);
    await closeAll(bob);
  });

  test('the receiver cancels mid-way: the sender sees it and stops', async ({ browser, page }) => {
    const bob = await person(browser);
    await room(page, slow, [bob], ['Bob']);
    await offer(page, payload('big.bin', randomBytes(12 * MiB)));
    await card(bob.page, 'big.bin').getByTestId('file-accept').click();
    await midway(bob.page, 'big.bin');
    await card(bob.page, 'big.bin').getByTestId('file-cancel').click();
    await expect(card(bob.page, 'big.bin')).toHaveAttribute('data-state', 'cancelled');
    await expect(card(bob.page, 'big.bin').getByTestId('file-save')).toHaveCount(0);
    await expect.poll(() => storedFiles(bob.page)).toEqual([]);
    const line = card(page, 'big.bin').getByTestId('file-progress');
    await expect(line).toHaveAttribute('data-state', 'cancelled');
    await closeAll(bob);
  });

  test('the receiver leaves mid-way: the sender is told', async ({ browser, page }) => {
    const bob = await person(browser);
    await room(page, slow, [bob], ['Bob']);
    await offer(page, payload('big.bin', randomBytes(12 * MiB)));
    await card(bob.page, 'big.bin').getByTestId('file-accept').click();
    await midway(bob.page, 'big.bin');
    await bob.page.getByTestId('leave').click();
    await bob.page.getByTestId('leave-confirmed').click();
    const line = card(page, 'big.bin').getByTestId('file-progress');
    await expect(line).toHaveAttribute('data-state', 'left');
    await expect(line).toContainText('Left the room');
    await expect(card(page, 'big.bin')).toHaveAttribute('data-state', 'sharing');
    await closeAll(bob);
  });
});

test('a flipped bit in one chunk: transfer incomplete, nothing offered for saving', async ({ browser, page, relay }) => {
  const proxy = await startFlipProxy(relay.url);
  try {
    const bob = await person(browser);
    await room(page, relay, [bob], ['Bob'], proxy.url);
    await offer(page, payload('target.bin', randomBytes(2 * MiB)));
    // Only chunk frames are this long: the first one after accepting is hit.
    proxy.arm(60_000);
    await card(bob.page, 'target.bin').getByTestId('file-accept').click();
    await expect(card(bob.page, 'target.bin')).toHaveAttribute('data-state', 'failed');
    await expect(card(bob.page, 'target.bin').getByTestId('file-status')).toContainText('Transfer incomplete');
    await expect(card(bob.page, 'target.bin').getByTestId('file-save')).toHaveCount(0);
    expect(proxy.flipped()).toBe(1);
    await expect(card(page, 'target.bin').getByTestId('file-progress')).toHaveAttribute('data-state', 'cancelled');
    await closeAll(bob);
  } finally {
    await proxy.close();
  }
});

test('a hostile file name arrives sanitised, as the name the app gives the download', async ({ browser, page, relay }) => {
  const bob = await person(browser);
  await room(page, relay, [bob], ['Bob']);
  const hostile = '../../etc/passwd\u0007.txt';
  const clean = '_.._etc_passwd_.txt';
  await offer(page, payload(hostile, Buffer.from('root:x:0:0\n'), 'text/html'));
  await card(bob.page, clean).getByTestId('file-accept').click();
  await expect(card(bob.page, clean)).toHaveAttribute('data-state', 'done');
  const { download, bytes } = await save(bob.page, clean);
  expect(download).toBe(clean);
  expect(bytes.toString()).toBe('root:x:0:0\n');
  // Download only: the link never points the page at the file.
  expect(bob.page.url()).not.toContain('blob:');
  await closeAll(bob);
});

test('three members: one sender, two receivers, both whole', async ({ browser, page, relay }) => {
  const bob = await person(browser);
  const carol = await person(browser);
  await room(page, relay, [bob, carol], ['Bob', 'Carol']);
  const data = randomBytes(3 * MiB + 17);
  await offer(page, payload('shared.bin', data));
  await card(bob.page, 'shared.bin').getByTestId('file-accept').click();
  await card(carol.page, 'shared.bin').getByTestId('file-accept').click();
  for (const p of [bob.page, carol.page]) {
    await expect(card(p, 'shared.bin')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    expect(sha256((await save(p, 'shared.bin')).bytes)).toBe(sha256(data));
  }
  const lines = card(page, 'shared.bin').getByTestId('file-progress');
  await expect(lines).toHaveCount(2);
  await expect(lines.and(page.locator('[data-state=done]'))).toHaveCount(2);
  await closeAll(bob, carol);
});

test('files dropped on the room and pasted into the composer are offered', async ({ browser, page, relay }) => {
  const bob = await person(browser);
  await room(page, relay, [bob], ['Bob']);
  const transfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['dropped!'], 'dropped.txt', { type: 'text/plain' }));
    return dt;
  });
  await page.getByTestId('room').dispatchEvent('drop', { dataTransfer: transfer });
  await page.getByTestId('composer').evaluate((el) => {
    const dt = new DataTransfer();
    dt.items.add(new File(['pasted!'], 'pasted.txt', { type: 'text/plain' }));
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  expect((await receive(bob.page, 'dropped.txt')).toString()).toBe('dropped!');
  expect((await receive(bob.page, 'pasted.txt')).toString()).toBe('pasted!');
  await closeAll(bob);
});

test('a file over the relay\'s size limit is refused with a clear message', async ({ browser }) => {
  const small = await startRelay('files-limit', ['--max-file-size', '1000']);
  const alice = await person(browser);
  try {
    await createRoom(alice.page, small, 'Alice');
    await offer(alice.page, payload('large.bin', randomBytes(1001)));
    await expect(alice.page.getByTestId('file-notice')).toContainText('allows files up to 1000 B');
    await expect(card(alice.page, 'large.bin')).toHaveCount(0);
    expect(alice.errors).toEqual([]);
  } finally {
    await closeAll(alice);
    await small.stop();
  }
});

test('files sit in the conversation where they were shared; an accepted picture is shown, never before', async ({ browser, page, relay }) => {
  const bob = await person(browser);
  await room(page, relay, [bob], ['Bob']);
  await bob.page.getByTestId('composer').fill('before the picture');
  await bob.page.getByTestId('send').click();
  await expect(page.getByTestId('message')).toHaveCount(1);
  // A 2×2 PNG.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
    'base64',
  );
  await offer(bob.page, payload('dot.png', png, 'image/png'));
  const shared = page.getByTestId('shared-file');
  await expect(shared).toContainText('Bob shared a file');
  await expect(shared.getByTestId('file-card')).toHaveAttribute('data-name', 'dot.png');
  // After the message that came before it, in the conversation itself.
  const order = await page.getByRole('list', { name: 'Messages' }).evaluate((list) =>
    [...list.children].map((e) => e.getAttribute('data-testid')).filter((id) => id === 'message' || id === 'shared-file'),
  );
  expect(order).toEqual(['message', 'shared-file']);
  await expect(card(page, 'dot.png').getByTestId('file-preview')).toHaveCount(0);
  await card(page, 'dot.png').getByTestId('file-accept').click();
  const preview = card(page, 'dot.png').getByTestId('file-preview');
  await expect(preview).toBeVisible();
  expect(await preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(2);
  expect(await preview.getAttribute('src')).toMatch(/^blob:/);
  // The sender's own card shows no preview.
  await expect(card(bob.page, 'dot.png').getByTestId('file-preview')).toHaveCount(0);
  await closeAll(bob);
});
