// Verification (docs/PROTOCOL.md I.4, I.5): two people verify each other by scanning each
// other's code or by comparing the safety number; from then on each sees the other verified,
// in every room; someone else under a verified person's name, and the verified person with a
// new identity, are flagged loudly and never shown verified.
//
// Codes are read through Chromium's fake camera (each person's own browser plays a clip of the
// other's `verify-qr`), and from pictures: a screenshot uploaded to the scanner (the default
// browser has no camera, so the scanner offers pictures).

import type { Browser, Page } from '@playwright/test';
import { chromium } from '@playwright/test';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifacts, expect, fakeCamera, launchOptions, test, watchErrors } from './harness';
import { captureCode, writeClip } from './offline-clips';
import { createRoom, joinAs, member, openInvite, person, say } from './people';

const workDir = mkdtempSync(join(tmpdir(), 'cutout-verify-'));

/** Opens the verification view for the member called `name` (the one without a warning). */
async function openVerify(page: Page, name: string) {
  const entry = member(page, name).filter({ hasNot: page.getByTestId('identity-changed') });
  await entry.getByTestId('verify-member').click();
  await expect(page.getByTestId('verify-view')).toBeVisible();
}

/** Screenshots this page's verification code into a picture. */
async function captureVerifyCode(page: Page, file: string): Promise<string> {
  const path = join(workDir, file);
  await page.getByTestId('verify-qr').screenshot({ path });
  return path;
}

/** In the open verification view: scans the code in `picture`. */
async function scanVerifyCode(page: Page, picture: string) {
  await page.getByTestId('scan-verify').click();
  await page.getByTestId('scan-upload').setInputFiles(picture);
}

function groupedNumber(text: string | null): string {
  expect(text).toMatch(/^(\d{5} ){11}\d{5}$/);
  return text ?? '';
}

async function newPersonWithAxe(browser: Browser) {
  // axe is injected as a script, which the app's CSP rightly forbids: bypass it for this check.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  return { context, page, errors: watchErrors(page) };
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: { id: string; help: string; nodes: unknown[] }) => `${v.id}: ${v.help} (${v.nodes.length})`);
  });
}

test('scanning each other\'s codes verifies both, in this room and the next; another key under a verified name warns', async ({ browser, relay }) => {
  test.setTimeout(120_000);
  const alice = await newPersonWithAxe(browser);
  const bob = await person(browser);
  const mallory = await person(browser);
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  await expect(member(alice.page, 'Bob')).toHaveAttribute('data-verified', 'false');
  await expect(member(bob.page, 'Alice')).toHaveAttribute('data-verified', 'false');
  // One's own entry has nothing to verify.
  await expect(member(alice.page, 'Alice').getByTestId('verify-member')).toHaveCount(0);

  await openVerify(alice.page, 'Bob');
  await openVerify(bob.page, 'Alice');
  // Both see one number: 12 groups of 5 digits, the bare digits in data-number.
  const number = groupedNumber(await alice.page.getByTestId('safety-number').textContent());
  await expect(bob.page.getByTestId('safety-number')).toHaveText(number);
  await expect(alice.page.getByTestId('safety-number')).toHaveAttribute('data-number', number.replace(/ /g, ''));
  // The code's copyable text is beside it.
  await expect(alice.page.getByTestId('verify-text')).toHaveText(/^CT2V[0-9A-Z $%*+\-./:]{98}$/);
  const aliceCode = await captureVerifyCode(alice.page, 'alice.png');
  const bobCode = await captureVerifyCode(bob.page, 'bob.png');

  // Alice's own code, shown back to her, verifies nobody.
  await scanVerifyCode(alice.page, aliceCode);
  await expect(alice.page.getByTestId('verify-result')).toHaveAttribute('data-state', 'refused');
  await expect(alice.page.getByTestId('verify-result')).toContainText('your own code');
  await expect(member(alice.page, 'Bob')).toHaveAttribute('data-verified', 'false');

  await scanVerifyCode(alice.page, bobCode);
  await expect(alice.page.getByTestId('verify-result')).toHaveAttribute('data-state', 'verified');
  await expect(member(alice.page, 'Bob')).toHaveAttribute('data-verified', 'true');
  await expect(member(alice.page, 'Bob').getByTestId('verified-mark')).toBeVisible();
  await expect(member(bob.page, 'Alice')).toHaveAttribute('data-verified', 'false');
  await scanVerifyCode(bob.page, aliceCode);
  await expect(member(bob.page, 'Alice')).toHaveAttribute('data-verified', 'true');

  // The home screen's scanner says what a verification code is, and verifies nothing.
  await mallory.page.goto(relay.url + '/');
  await mallory.page.getByTestId('open-scanner').click();
  await mallory.page.getByTestId('scan-upload').setInputFiles(aliceCode);
  await expect(mallory.page.getByTestId('scan-panel')).toHaveAttribute('data-kind', 'verification');
  await expect(mallory.page.getByTestId('scan-status')).toContainText('verification code');

  // A new room, both verified there too; Mallory takes Bob's name and is flagged.
  await alice.page.getByTestId('leave').click();
  await alice.page.getByTestId('leave-confirmed').click();
  const second = await createRoom(alice.page, relay, 'Alice');
  await bob.page.getByTestId('leave').click();
  await bob.page.getByTestId('leave-confirmed').click();
  await openInvite(bob.page, second, 'Bob');
  await expect(member(alice.page, 'Bob')).toHaveAttribute('data-verified', 'true');
  await expect(member(bob.page, 'Alice')).toHaveAttribute('data-verified', 'true');
  await openInvite(mallory.page, second, 'bob');
  const impostor = alice.page.getByTestId('member').filter({ has: alice.page.getByTestId('identity-changed') });
  await expect(impostor).toHaveCount(1);
  await expect(impostor).toHaveAttribute('data-verified', 'false');
  await expect(impostor.getByTestId('verified-mark')).toHaveCount(0);
  await expect(impostor.getByTestId('identity-changed')).toContainText('Not the person you verified');
  await expect(member(bob.page, 'bob').getByTestId('identity-changed')).toHaveCount(0);

  // Mallory's code, scanned by Alice as Bob's: the key in it is not the one the room shows.
  await openVerify(mallory.page, 'Alice');
  const malloryCode = await captureVerifyCode(mallory.page, 'mallory.png');
  await openVerify(alice.page, 'Bob');
  await scanVerifyCode(alice.page, malloryCode);
  await expect(alice.page.getByTestId('verify-result')).toHaveAttribute('data-state', 'refused');
  await expect(alice.page.getByTestId('verify-result')).toContainText('not the key this room shows');
  await expect(impostor).toHaveAttribute('data-verified', 'false');

  // Pictures of the view and the list with the mark and the warning, then axe.
  const dir = join(artifacts, 'screenshots');
  mkdirSync(dir, { recursive: true });
  await alice.page.getByTestId('verify-close').click();
  await impostor.getByTestId('verify-member').click();
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [390, 1280]) {
      await alice.page.emulateMedia({ colorScheme });
      await alice.page.setViewportSize({ width, height: 900 });
      await alice.page.screenshot({ path: join(dir, `verify-${width}-${colorScheme}.png`), fullPage: true });
      await alice.page.locator('.members').screenshot({ path: join(dir, `verify-members-${width}-${colorScheme}.png`) });
    }
  }
  expect(await axeViolations(alice.page)).toEqual([]);

  for (const p of [alice, bob, mallory]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});

test('comparing numbers verifies both; a verified person with a new identity is flagged', async ({ browser, relay }) => {
  const alice = await person(browser);
  const bob = await person(browser);
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  await openVerify(alice.page, 'Bob');
  await openVerify(bob.page, 'Alice');
  const number = groupedNumber(await alice.page.getByTestId('safety-number').textContent());
  await expect(bob.page.getByTestId('safety-number')).toHaveText(number);
  // Another tab of Alice's own browser is her identity too: nothing to verify there.
  const aliceAgain = await alice.context.newPage();
  await openInvite(aliceAgain, link, 'Alice');
  await expect(member(alice.page, 'Alice')).toHaveCount(2);
  await expect(member(alice.page, 'Alice').getByTestId('verify-member')).toHaveCount(0);
  await aliceAgain.close();

  // Both are also in another room, in another tab each: it follows without a reload.
  const aliceTab = await alice.context.newPage();
  const bobTab = await bob.context.newPage();
  const other = await createRoom(aliceTab, relay, 'Alice');
  await openInvite(bobTab, other, 'Bob');
  await expect(member(aliceTab, 'Bob')).toHaveAttribute('data-verified', 'false');

  await alice.page.getByTestId('mark-verified').click();
  await bob.page.getByTestId('mark-verified').click();
  await expect(member(alice.page, 'Bob')).toHaveAttribute('data-verified', 'true');
  // Both of Alice's entries (the closed tab's too) carry her key: both verified.
  await expect(member(bob.page, 'Alice')).toHaveCount(2);
  for (const entry of await member(bob.page, 'Alice').all()) {
    await expect(entry).toHaveAttribute('data-verified', 'true');
  }
  await expect(alice.page.getByTestId('verify-result')).toHaveAttribute('data-state', 'verified');
  await expect(member(aliceTab, 'Bob')).toHaveAttribute('data-verified', 'true');
  await expect(member(bobTab, 'Alice')).toHaveAttribute('data-verified', 'true');
  await aliceTab.close();
  await bobTab.close();

  // Bob's messages carry the mark on Alice's screen.
  await say(bob.page, 'it is me, Bob');
  const fromBob = alice.page.getByTestId('message').filter({ hasText: 'it is me, Bob' });
  await expect(fromBob).toHaveAttribute('data-author', 'verified');
  await expect(fromBob.getByTestId('author-verified')).toBeVisible();

  // Verification can be taken back, everywhere at once, and given again.
  await alice.page.getByTestId('unverify').click();
  await expect(member(alice.page, 'Bob')).toHaveAttribute('data-verified', 'false');
  await expect(fromBob).toHaveAttribute('data-author', 'unverified');
  await expect(alice.page.getByTestId('verify-result')).toContainText('not verified yet');
  await alice.page.getByTestId('mark-verified').click();
  await expect(member(alice.page, 'Bob')).toHaveAttribute('data-verified', 'true');
  await expect(fromBob).toHaveAttribute('data-author', 'verified');

  // Bob clears this site's storage (a new identity: its keys are in IndexedDB) and comes back
  // under his name.
  await bob.page.evaluate(async () => {
    localStorage.clear();
    sessionStorage.clear();
    await new Promise((done, fail) => {
      const request = indexedDB.deleteDatabase('cutout');
      request.onsuccess = done;
      request.onerror = () => fail(request.error);
    });
  });
  // A fresh load (the invite differs from the page's address by its fragment alone).
  await bob.page.goto('about:blank');
  await bob.page.goto(link);
  await joinAs(bob.page, 'Bob');
  const flagged = alice.page
    .getByTestId('member')
    .filter({ has: alice.page.getByTestId('identity-changed') });
  await expect(flagged).toHaveCount(1);
  await expect(flagged).toHaveAttribute('data-state', 'online');
  await expect(flagged).toHaveAttribute('data-verified', 'false');
  // His new browser knows nobody.
  // His new browser knows nobody (Alice's closed tab is still a member of the room's group,
  // listed offline, until it has been gone 10 minutes).
  await expect(member(bob.page, 'Alice').first()).toBeVisible();
  for (const entry of await member(bob.page, 'Alice').all()) {
    await expect(entry).toHaveAttribute('data-verified', 'false');
  }
  // What he says now is marked as not the Bob Alice verified.
  await say(bob.page, 'it is me again');
  const fromNewBob = alice.page.getByTestId('message').filter({ hasText: 'it is me again' });
  await expect(fromNewBob).toHaveAttribute('data-author', 'changed');
  await expect(fromNewBob.getByTestId('author-changed')).toBeVisible();

  for (const p of [alice, bob]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});

test('scanning each other\'s codes through the camera verifies both', async ({ relay }) => {
  test.setTimeout(120_000);
  // Each person in their own browser, whose fake camera plays a clip written once the other's
  // code is on screen.
  const clips = { alice: join(workDir, 'alice-camera.y4m'), bob: join(workDir, 'bob-camera.y4m') };
  const browsers = [
    await chromium.launch(launchOptions(fakeCamera(clips.alice))),
    await chromium.launch(launchOptions(fakeCamera(clips.bob))),
  ];
  const alice = await person(browsers[0]);
  const bob = await person(browsers[1]);
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  await openVerify(alice.page, 'Bob');
  await openVerify(bob.page, 'Alice');

  writeClip(clips.alice, [await captureCode(bob.page, 'verify-qr')], 1);
  writeClip(clips.bob, [await captureCode(alice.page, 'verify-qr')], 1);
  await alice.page.getByTestId('scan-verify').click();
  await expect(alice.page.getByTestId('verify-result')).toHaveAttribute('data-state', 'verified', { timeout: 30_000 });
  await expect(member(alice.page, 'Bob')).toHaveAttribute('data-verified', 'true');
  await bob.page.getByTestId('scan-verify').click();
  await expect(bob.page.getByTestId('verify-result')).toHaveAttribute('data-state', 'verified', { timeout: 30_000 });
  await expect(member(bob.page, 'Alice')).toHaveAttribute('data-verified', 'true');

  for (const p of [alice, bob]) expect(p.errors).toEqual([]);
  for (const b of browsers) await b.close();
});
