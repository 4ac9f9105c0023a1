// Which device sealed a contact's message (docs/PROTOCOL.md, "Contact codes that say who sealed
// them"; issue 20, item 5): both devices of a pairing hold one key, so without the sealer's
// side a code Bob sealed for Alice, shown back to Bob, opened as "sealed for you by Alice".

import type { Page } from '@playwright/test';
import { expect, test } from './harness';
import { person } from './people';

async function openOffline(page: Page, url: string) {
  await page.goto(url + '/');
  await page.getByTestId('offline').click();
}

/** Pastes `text` into the Receive tab and reads it. */
async function paste(page: Page, text: string) {
  await page.getByTestId('tab-receive').click();
  await page.getByTestId('receive-paste').fill(text);
  await page.getByTestId('receive-paste-go').click();
}

test('a contact code opened on the device that sealed it says it is its own, not the contact\'s', async ({ browser, relay }) => {
  const [alice, bob] = [await person(browser), await person(browser)];
  for (const p of [alice.page, bob.page]) {
    await openOffline(p, relay.url);
    await p.getByTestId('tab-contacts').click();
  }
  // Both keep the same CT1K contact key, as an earlier version's pairing left it.
  const key = 'a0'.repeat(32);
  await alice.page.evaluate((line) => localStorage.setItem('cutout.contacts', line), `${key} Bob`);
  await bob.page.evaluate((line) => localStorage.setItem('cutout.contacts', line), `${key} Alice`);
  for (const p of [alice.page, bob.page]) {
    await openOffline(p, relay.url);
    await p.getByTestId('tab-contacts').click();
  }
  await expect(bob.page.getByTestId('contact-name')).toHaveText(['Alice']);

  // Bob seals a message for Alice.
  await bob.page.getByTestId('tab-send').click();
  await bob.page.getByTestId('offline-message').fill('The key is under the blue pot.');
  await bob.page.getByTestId('lock-contact').check();
  await bob.page.getByTestId('seal').click();
  await expect(bob.page.getByTestId('offline-qr')).toBeVisible();
  const code = await bob.page.getByTestId('offline-text').inputValue();

  // Shown back to Bob (a photo of it, say): his own code, never a message from Alice.
  await paste(bob.page, code);
  await expect(bob.page.getByTestId('received-text')).toHaveValue('The key is under the blue pot.');
  const own = bob.page.getByTestId('received-own');
  await expect(own).toContainText('You sealed this message yourself');
  await expect(own).toContainText('not a message from Alice');
  await expect(bob.page.getByTestId('received-from')).toHaveCount(0);
  await expect(bob.page.getByTestId('received')).not.toContainText('Sealed for you by');

  // Alice reads the same code as from Bob.
  await paste(alice.page, code);
  await expect(alice.page.getByTestId('received-text')).toHaveValue('The key is under the blue pot.');
  await expect(alice.page.getByTestId('received-from')).toHaveText('Sealed for you by contact Bob.');
  await expect(alice.page.getByTestId('received-own')).toHaveCount(0);

  expect(alice.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
  await alice.context.close();
  await bob.context.close();
});

test('a contact saved by an earlier version gets its side, and its earlier codes open naming no sealer', async ({ page, relay }) => {
  // The shared v1 vectors' contact key and its mode 0x02 code "meet at 6pm", as earlier
  // versions stored and sealed them.
  const key = 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
  const old = 'CT1MX50100KB0*M0DY0W016C1PN1:Y1PPQ+LE97MN9GZ4WF088*P.ZGXY4:.S:XHNUJJ2AGR3';
  await page.goto(relay.url + '/');
  await page.evaluate((line) => localStorage.setItem('cutout.contacts', line), `${key} Old friend`);
  await openOffline(page, relay.url);

  const sides = () => page.evaluate(() => localStorage.getItem('cutout.contact-sides') ?? '');
  await expect.poll(sides).toMatch(new RegExp(`^${key} [0-9a-f]{32}$`));
  const side = await sides();
  expect(await page.evaluate(() => localStorage.getItem('cutout.contacts'))).toBe(`${key} Old friend`);

  await paste(page, old);
  await expect(page.getByTestId('received-text')).toHaveValue('meet at 6pm');
  const either = page.getByTestId('received-either');
  await expect(either).toContainText('Old friend');
  await expect(either).toContainText('it may be from Old friend, or one you sealed yourself');

  // The side stays what it was across reloads.
  await page.reload();
  await openOffline(page, relay.url);
  expect(await sides()).toBe(side);
});
