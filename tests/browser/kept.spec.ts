// Rooms kept on this device (issue "Conversations that last"; docs/PROTOCOL.md K.1): a kept
// room comes back after the browser is closed and started again with the same profile, from the
// home screen's list, with its conversation and private threads, and goes on; Forget leaves
// nothing of it in IndexedDB, localStorage, sessionStorage, the origin's private file system or
// the caches; and a room kept in a hidden tab shows its unread counts on another tab's home.

import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, launchOptions, test, watchErrors } from './harness';
import { createRoom, member, messages, openInvite, person, say } from './people';

/** A Chromium with a profile on disk at `dir`. */
async function browserWithProfile(dir: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const { executablePath, args } = launchOptions();
  const context = await chromium.launchPersistentContext(dir, {
    executablePath,
    args: args.filter((a) => a !== '--headless'),
    headless: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, errors: watchErrors(page) };
}

/** Waits until the kept room has been written with everything it holds now. */
async function written(page: Page) {
  await expect(page.getByTestId('keep-panel')).toHaveAttribute('data-kept', 'true');
  await expect(page.getByTestId('keep-panel')).toHaveAttribute('data-saving', 'false');
  await expect(page.getByTestId('keep-state')).toContainText('on this device.');
}

/** Everything this origin stores, as text: every IndexedDB value (sealed bytes as hex), both
 * web storages, the names in the private file system, and the cached addresses. */
async function everythingStored(page: Page): Promise<{ text: string; keptRooms: number }> {
  return page.evaluate(async () => {
    const parts: string[] = [];
    const hex = (v: unknown): string => {
      if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
      if (Array.isArray(v)) return v.map(hex).join(' ');
      if (v && typeof v === 'object' && !(v instanceof CryptoKey)) return JSON.stringify(v);
      return String(v);
    };
    let keptRooms = -1;
    for (const { name } of await indexedDB.databases()) {
      const db: IDBDatabase = await new Promise((ok, err) => {
        const r = indexedDB.open(name!);
        r.onsuccess = () => ok(r.result);
        r.onerror = () => err(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const values: unknown[] = await new Promise((ok, err) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => ok(r.result);
          r.onerror = () => err(r.error);
        });
        if (store === 'kept-rooms') keptRooms = values.length;
        parts.push(`${name}/${store}: ${values.map(hex).join(' ')}`);
      }
      db.close();
    }
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i++) parts.push(`${storage.key(i)}=${storage.getItem(storage.key(i)!)}`);
    }
    const walk = async (dir: FileSystemDirectoryHandle, path: string) => {
      for await (const [name, handle] of (dir as any).entries()) {
        parts.push(`opfs:${path}/${name}`);
        if (handle.kind === 'directory') await walk(handle, `${path}/${name}`);
      }
    };
    await walk(await navigator.storage.getDirectory(), '');
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) parts.push(`cache:${request.url}`);
    }
    return { text: parts.join('\n'), keptRooms };
  });
}

test('a kept room comes back after the browser restarts, goes on, and Forget leaves nothing of it', async ({ browser, relay }) => {
  const dir = mkdtempSync(join(tmpdir(), 'cutout-kept-'));
  let ana = await browserWithProfile(dir);
  const bob = await person(browser);
  const link = await createRoom(ana.page, relay, 'Ana');
  const secret = link.slice(link.indexOf('#r1.') + 4);
  const secretHex = Buffer.from(secret, 'base64url').toString('hex');

  // Not kept until she says so; then the room says it is, and how much it takes.
  const keep = ana.page.getByTestId('keep-room');
  await expect(keep).toHaveAttribute('aria-pressed', 'false');
  await keep.click();
  await expect(keep).toHaveAttribute('aria-pressed', 'true');
  await openInvite(bob.page, link, 'Bob');
  await say(ana.page, 'the plan is on the wiki');
  await say(bob.page, 'thanks, reading it');
  await member(bob.page, 'Ana').getByTestId('dm-open').click();
  await bob.page.getByTestId('dm-composer').fill('psst: the door code is 4411');
  await bob.page.getByTestId('dm-send').click();
  await expect(messages(ana.page)).toHaveCount(2);
  await expect(member(ana.page, 'Bob').getByTestId('dm-unread')).toHaveText('1');
  await written(ana.page);
  expect((await everythingStored(ana.page)).text, 'nothing in the clear').not.toContain('door code');
  expect(ana.errors).toEqual([]);
  await ana.context.close();

  // Started again with the same profile: the room is listed, and one click rejoins it as Ana.
  ana = await browserWithProfile(dir);
  await ana.page.goto(relay.url + '/');
  const kept = ana.page.getByTestId('kept-room');
  await expect(kept).toHaveCount(1);
  await expect(kept).toContainText('With Bob');
  await expect(kept).toHaveAttribute('data-private-unread', '1');
  await kept.click();
  await expect(ana.page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  await expect(messages(ana.page)).toHaveText([/the plan is on the wiki/, /thanks, reading it/]);
  await expect(ana.page.getByTestId('keep-room')).toHaveAttribute('aria-pressed', 'true');
  await expect(member(ana.page, 'Bob')).toHaveCount(1);
  await member(ana.page, 'Bob').getByTestId('dm-open').click();
  await expect(ana.page.getByTestId('dm-message')).toHaveText([/door code is 4411/]);

  // The room goes on, both ways, and a reload keeps it too.
  await say(bob.page, 'welcome back');
  await expect(messages(ana.page)).toHaveCount(3);
  await say(ana.page, 'back again');
  await expect(messages(bob.page).filter({ hasText: 'back again' })).toHaveCount(1);
  await written(ana.page);
  await ana.page.reload();
  await expect(ana.page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  await expect(messages(ana.page)).toHaveCount(4);

  // Forget: home, the list empty, and nothing of the room anywhere this origin stores things.
  await ana.page.getByTestId('forget-room').click();
  await expect(ana.page.getByTestId('new-room')).toBeVisible();
  await expect(ana.page.getByTestId('kept-room')).toHaveCount(0);
  await expect.poll(async () => (await everythingStored(ana.page)).keptRooms).toBe(0);
  const stored = (await everythingStored(ana.page)).text;
  for (const trace of [secret, secretHex, 'cutout.kept', 'cutout.room', 'door code', 'wiki']) {
    expect(stored, `no trace of ${trace}`).not.toContain(trace);
  }
  expect(stored).not.toMatch(/opfs:\/cutout-received\/./);
  expect(ana.errors).toEqual([]);
  await ana.context.close();
  await bob.context.close();
});

test('a room kept in a hidden tab shows its unread counts on the home screen of another tab', async ({ browser, relay }) => {
  const context = await browser.newContext();
  const room = await context.newPage();
  const errors = watchErrors(room);
  const bob = await person(browser);
  const link = await createRoom(room, relay, 'Ana');
  await room.getByTestId('keep-room').click();
  await openInvite(bob.page, link, 'Bob');
  await written(room);

  // The room's tab goes to the background; another tab shows home.
  await room.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
  const home = await context.newPage();
  await home.goto(relay.url + '/');
  const kept = home.getByTestId('kept-room');
  await expect(kept).toHaveAttribute('data-unread', '0');
  await say(bob.page, 'one');
  await say(bob.page, 'two');
  await member(bob.page, 'Ana').getByTestId('dm-open').click();
  await bob.page.getByTestId('dm-composer').fill('just for you');
  await bob.page.getByTestId('dm-send').click();
  await expect(kept).toHaveAttribute('data-unread', '2');
  await expect(kept).toHaveAttribute('data-private-unread', '1');
  await expect(kept).toContainText('2 new');

  // Looked at again: seen.
  await room.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
  await expect(kept).toHaveAttribute('data-unread', '0');
  expect(errors).toEqual([]);
  await context.close();
  await bob.context.close();
});

test('a kept room opened again by its invite is the kept one, and forgetting it in one tab stops every tab from keeping it', async ({ browser, relay }) => {
  const context = await browser.newContext();
  const first = await context.newPage();
  const errors = watchErrors(first);
  const bob = await person(browser);
  const link = await createRoom(first, relay, 'Ana');
  await first.getByTestId('keep-room').click();
  await openInvite(bob.page, link, 'Bob');
  await say(bob.page, 'kept line');
  await expect(messages(first)).toHaveCount(1);
  await written(first);

  // The same invite in a second tab opens the kept room: kept, with what it holds.
  const second = await context.newPage();
  await second.goto(link);
  await expect(second.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  await expect(second.getByTestId('keep-room')).toHaveAttribute('aria-pressed', 'true');
  await expect(messages(second).filter({ hasText: 'kept line' })).toHaveCount(1);

  // Forgotten in the first tab: the second stops keeping it, and goes on writing nothing.
  await first.getByTestId('forget-room').click();
  await expect(first.getByTestId('new-room')).toBeVisible();
  await expect(second.getByTestId('keep-room')).toHaveAttribute('aria-pressed', 'false');
  await say(bob.page, 'after the forgetting');
  await expect(messages(second).filter({ hasText: 'after the forgetting' })).toHaveCount(1);
  await second.evaluate(() => new Promise((done) => setTimeout(done, 1000)));
  expect((await everythingStored(first)).keptRooms).toBe(0);
  await expect(first.getByTestId('kept-room')).toHaveCount(0);
  expect(errors).toEqual([]);
  await context.close();
  await bob.context.close();
});
