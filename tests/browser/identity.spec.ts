// Identities (docs/PROTOCOL.md I): every browser profile has one, and its presence is signed.
// Two people with the same name are told apart by the start of their identity keys, and a
// browser keeps its identity across reloads.

import type { Page } from '@playwright/test';
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { expect, test, watchErrors } from './harness';
import { createRoom, joinAs, member, messages, openInvite, person, say } from './people';

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

// Where the keys live (docs/SECURITY.md): non-extractable WebCrypto keys in IndexedDB wherever
// the browser has Ed25519 and X25519, else seeds in localStorage, and the room says which.

/** What the page's IndexedDB holds of the identity: the keys as CryptoKeys, whether they can be
 * exported, whether the kept Ed25519 key signs under the public identity key, and the public
 * identity in hex. `null` without a record. Only called once the app has opened the database. */
async function storedIdentity(page: Page) {
  return page.evaluate(async () => {
    const db: IDBDatabase = await new Promise((resolve, reject) => {
      const request = indexedDB.open('cutout');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const record = await new Promise<{ ik: CryptoKey; xk: CryptoKey; public: Uint8Array } | undefined>(
      (resolve, reject) => {
        const request = db.transaction('identity').objectStore('identity').get('identity');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      },
    );
    db.close();
    if (!record) return null;
    const describe = (key: CryptoKey) => ({
      cryptoKey: key instanceof CryptoKey,
      extractable: key.extractable,
      type: key.type,
      algorithm: key.algorithm.name,
    });
    const exported = await crypto.subtle.exportKey('pkcs8', record.ik).then(
      () => 'exported',
      (e: DOMException) => e.name,
    );
    const probe = new TextEncoder().encode('probe');
    const signature = await crypto.subtle.sign('Ed25519', record.ik, probe);
    const ik = await crypto.subtle.importKey('raw', record.public.slice(0, 32), 'Ed25519', true, ['verify']);
    return {
      ik: describe(record.ik),
      xk: describe(record.xk),
      exported,
      signsAsPublished: await crypto.subtle.verify('Ed25519', ik, signature, probe),
      public: Array.from(record.public, (b) => b.toString(16).padStart(2, '0')).join(''),
    };
  });
}

function storedSeeds(page: Page): Promise<string | null> {
  return page.evaluate(() => localStorage.getItem('cutout.identity'));
}

/** The public identity (ik ‖ xk ‖ binding, hex) that two seeds make, computed here in Node. */
function identityOfSeeds(ikSeed: Buffer, xkSeed: Buffer): string {
  const der = (prefix: string, seed: Buffer) => Buffer.concat([Buffer.from(prefix, 'hex'), seed]);
  const ed = createPrivateKey({ key: der('302e020100300506032b657004220420', ikSeed), format: 'der', type: 'pkcs8' });
  const x = createPrivateKey({ key: der('302e020100300506032b656e04220420', xkSeed), format: 'der', type: 'pkcs8' });
  const raw = (key: ReturnType<typeof createPrivateKey>) =>
    Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x as string, 'base64url');
  const ik = raw(ed);
  const xk = raw(x);
  const binding = sign(null, Buffer.concat([Buffer.from('cutout/v2 identity'), xk]), ed);
  return Buffer.concat([ik, xk, binding]).toString('hex');
}

const NON_EXTRACTABLE_ED25519 = { cryptoKey: true, extractable: false, type: 'private', algorithm: 'Ed25519' };
const NON_EXTRACTABLE_X25519 = { cryptoKey: true, extractable: false, type: 'private', algorithm: 'X25519' };

test('at 127.0.0.1 the identity is non-extractable WebCrypto keys in IndexedDB, one for two tabs and across a reload', async ({ browser, relay }) => {
  const context = await browser.newContext();
  const first = await context.newPage();
  const second = await context.newPage();
  const errors = [watchErrors(first), watchErrors(second)];
  // Both tabs load at once, so both may make an identity: one is kept.
  await Promise.all([first.goto(relay.url + '/'), second.goto(relay.url + '/')]);
  await expect(first.getByTestId('new-room')).toBeVisible();
  await expect(second.getByTestId('new-room')).toBeVisible();

  const stored = await storedIdentity(first);
  expect(stored).not.toBeNull();
  expect(stored!.ik).toEqual(NON_EXTRACTABLE_ED25519);
  expect(stored!.xk).toEqual(NON_EXTRACTABLE_X25519);
  expect(stored!.exported, 'the private key cannot be exported').toBe('InvalidAccessError');
  expect(stored!.signsAsPublished).toBe(true);
  expect(stored!.public).toMatch(/^[0-9a-f]{256}$/);
  expect(await storedSeeds(first), 'no seeds in localStorage').toBeNull();
  expect(await storedIdentity(second)).toEqual(stored);

  // Both tabs join one room under one name: one identity, so no key tags and nothing to verify.
  await first.getByTestId('new-room').click();
  await joinAs(first, 'Ann');
  const link = await first.getByTestId('invite-link').inputValue();
  await openInvite(second, link, 'Ann');
  await expect(member(first, 'Ann')).toHaveCount(2);
  await expect(first.getByTestId('member-key')).toHaveCount(0);
  await expect(first.getByTestId('verify-member')).toHaveCount(0);
  const note = first.getByTestId('identity-storage');
  await expect(note).toHaveAttribute('data-kind', 'webcrypto');
  await expect(note).toHaveText('Your identity keys are held by the browser; this page cannot read them.');

  await first.reload();
  await expect(first.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  expect(await storedIdentity(first)).toEqual(stored);
  await expect(member(second, 'Ann')).toHaveCount(2);
  await expect(second.getByTestId('member-key')).toHaveCount(0);

  expect(errors.flat()).toEqual([]);
  await context.close();
});

test('without WebCrypto Ed25519 the identity is kept in storage, the room says so, and chat works', async ({ browser, page, relay }) => {
  const context = await browser.newContext();
  // This browser's WebCrypto "has no Ed25519".
  await context.addInitScript(() => {
    const generateKey = SubtleCrypto.prototype.generateKey;
    SubtleCrypto.prototype.generateKey = function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto['generateKey']>) {
      const algorithm = args[0];
      const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
      if (name === 'Ed25519') return Promise.reject(new DOMException('Ed25519 withheld', 'NotSupportedError'));
      return generateKey.apply(this, args);
    } as SubtleCrypto['generateKey'];
  });
  const dana = await context.newPage();
  const errors = watchErrors(dana);
  const link = await createRoom(dana, relay, 'Dana');
  const note = dana.getByTestId('identity-storage');
  await expect(note).toHaveAttribute('data-kind', 'storage');
  // A secure page whose browser lacks the algorithm: not blamed on the address.
  await expect(note).toHaveText("This browser cannot keep your identity keys out of the page's reach: they are kept in this page's storage.");
  const seeds = await storedSeeds(dana);
  expect(seeds).toMatch(/^[0-9a-f]{64} [0-9a-f]{64}$/);
  expect(await storedIdentity(dana), 'nothing in IndexedDB').toBeNull();

  // Someone whose browser has WebCrypto meets her, and they chat.
  await openInvite(page, link, 'Eve');
  await expect(page.getByTestId('identity-storage')).toHaveAttribute('data-kind', 'webcrypto');
  await expect(member(dana, 'Eve')).toHaveAttribute('data-state', 'online');
  await say(dana, 'from storage keys');
  await expect(messages(page)).toHaveText([/from storage keys/]);
  await say(page, 'from WebCrypto keys');
  await expect(messages(dana).filter({ hasText: 'from WebCrypto keys' })).toHaveCount(1);

  // Her identity stays where it was across a reload.
  await dana.reload();
  await expect(dana.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  expect(await storedSeeds(dana)).toBe(seeds);
  expect(errors).toEqual([]);
  await context.close();
});

test('an identity an earlier version kept as seeds moves into WebCrypto as the same identity', async ({ browser, page, relay }) => {
  const ikSeed = Buffer.alloc(32, 0x11);
  const xkSeed = Buffer.alloc(32, 0x22);
  const expected = identityOfSeeds(ikSeed, xkSeed);
  const link = await createRoom(page, relay, 'Bob');

  const context = await browser.newContext();
  const alicePage = await context.newPage();
  // The seeds as the earlier version stored them, written on a page of the same origin that
  // does not run the app. The browser asks that page for /favicon.ico, which the relay does not
  // serve; the 404 can be logged after the errors below are watched, and is no error of the app's.
  await context.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  await alicePage.goto(relay.url + '/healthz');
  await alicePage.evaluate(
    (text) => localStorage.setItem('cutout.identity', text),
    `${ikSeed.toString('hex')} ${xkSeed.toString('hex')}`,
  );
  const alice = { context, page: alicePage, errors: watchErrors(alicePage) };
  await openInvite(alice.page, link, 'Alice');
  const stored = await storedIdentity(alice.page);
  expect(stored?.public, 'the same identity, binding and all').toBe(expected);
  expect(stored!.ik).toEqual(NON_EXTRACTABLE_ED25519);
  expect(stored!.xk).toEqual(NON_EXTRACTABLE_X25519);
  expect(stored!.signsAsPublished).toBe(true);
  expect(await storedSeeds(alice.page), 'the seeds are gone from localStorage').toBeNull();
  await expect(alice.page.getByTestId('identity-storage')).toHaveAttribute('data-kind', 'webcrypto');

  // The room sees that key: with a second Alice, Bob's list tags each with the start of hers.
  const other = await person(browser);
  await openInvite(other.page, link, 'Alice');
  const keys = page.getByTestId('member-key');
  await expect(keys).toHaveCount(2);
  const tags = (await keys.allTextContents()).map((t) => t.replace(/[^0-9a-f]/g, ''));
  expect(tags).toContain(expected.slice(0, 12));

  expect(alice.errors).toEqual([]);
  expect(other.errors).toEqual([]);
  await alice.context.close();
  await other.context.close();
});

test('a session signature WebCrypto refuses once is asked for again, and the room joins', async ({ browser, relay }) => {
  const context = await browser.newContext();
  // The first Ed25519 signature makes the identity; the second, the session's certificate,
  // fails once.
  await context.addInitScript(() => {
    const sign = SubtleCrypto.prototype.sign;
    let calls = 0;
    SubtleCrypto.prototype.sign = function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto['sign']>) {
      const algorithm = args[0];
      const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
      if (name === 'Ed25519' && ++calls === 2) {
        return Promise.reject(new DOMException('busy', 'OperationError'));
      }
      return sign.apply(this, args);
    } as SubtleCrypto['sign'];
  });
  const page = await context.newPage();
  await page.goto(relay.url + '/');
  await page.getByTestId('new-room').click();
  await page.getByTestId('name-input').fill('Ann');
  await page.getByTestId('join-button').click();
  await expect(page.getByText("This browser's identity could not sign")).toBeVisible();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  await expect(page.getByText("This browser's identity could not sign")).toHaveCount(0);
  await context.close();
});

test('a browser whose storage never answers is told why nothing shows', async ({ browser, relay }) => {
  const context = await browser.newContext();
  // IndexedDB that never opens (a database held by another tab, a broken profile).
  await context.addInitScript(() => {
    IDBFactory.prototype.open = function () {
      return {} as IDBOpenDBRequest;
    };
  });
  const page = await context.newPage();
  await page.goto(relay.url + '/');
  await expect(page.getByTestId('storage-stuck')).toContainText('not answering', { timeout: 15_000 });
  await expect(page.getByTestId('new-room')).toHaveCount(0);
  await context.close();

  // Where it answers, the notice never shows.
  const fine = await browser.newPage();
  await fine.goto(relay.url + '/');
  await expect(fine.getByTestId('new-room')).toBeVisible();
  await fine.waitForTimeout(9_000);
  await expect(fine.getByTestId('storage-stuck')).toHaveCount(0);
  await fine.close();
});
