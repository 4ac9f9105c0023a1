// Pairing is verification (docs/PROTOCOL.md I.6), between laptops without cameras: each shows its
// pairing code's text (line breaks a chat or mail added included) and pastes the other's; both see
// the same safety number, and each keeps the other as a verified contact. A code Alice seals for
// Bob opens at Bob naming Alice, opens at Alice as her own, and opens nowhere else — not at Carol,
// whom Alice paired with too. A contact saved by an earlier version (a CT1K key) is kept and
// listed as not verified.

import type { Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './harness';
import { person, type Person } from './people';

async function contactsTab(p: Person, url: string, name: string) {
  await p.page.goto(url + '/');
  await p.page.getByTestId('offline').click();
  await p.page.getByTestId('tab-contacts').click();
  await p.page.getByTestId('pair-show').click();
  await p.page.getByTestId('pair-own-name').fill(name);
}

/** `reader` pastes `shower`'s pairing text, as a chat would wrap it, and saves them. */
async function readAndSave(reader: Page, shower: Page): Promise<string> {
  const text = await shower.getByTestId('pair-text').inputValue();
  expect(text).toMatch(/^CT2P/);
  await reader.getByTestId('pair-paste-open').click();
  await reader.getByTestId('pair-paste').fill(`  ${text.slice(0, 20)}\r\n${text.slice(20)} \n`);
  await reader.getByTestId('pair-paste-use').click();
  const number = (await reader.getByTestId('pair-check-code').textContent())!;
  expect(number).toMatch(/^(\d{5} ){11}\d{5}$/);
  await reader.getByTestId('pair-save').click();
  await reader.getByTestId('pair-show').click();
  return number;
}

async function paste(page: Page, text: string) {
  await page.getByTestId('tab-receive').click();
  await page.getByTestId('receive-paste').fill(text);
  await page.getByTestId('receive-paste-go').click();
}

test('pairing by text verifies both people, and a sealed code opens only for the one it is for, naming its sender', async ({ browser, relay }) => {
  const [alice, bob, carol] = [await person(browser), await person(browser), await person(browser)];
  await contactsTab(alice, relay.url, 'Alice');
  await contactsTab(bob, relay.url, 'Bob');
  await contactsTab(carol, relay.url, 'Carol');

  const atBob = await readAndSave(bob.page, alice.page);
  const atAlice = await readAndSave(alice.page, bob.page);
  expect(atAlice).toBe(atBob);
  await readAndSave(carol.page, alice.page);
  await readAndSave(alice.page, carol.page);

  // Someone else showing a code under Bob's name is flagged before Alice saves anything; Bob's
  // own code again says she knows him already.
  const mallory = await person(browser);
  await contactsTab(mallory, relay.url, 'bob');
  await alice.page.getByTestId('pair-paste-open').click();
  await alice.page.getByTestId('pair-paste').fill(await mallory.page.getByTestId('pair-text').inputValue());
  await alice.page.getByTestId('pair-paste-use').click();
  await expect(alice.page.getByTestId('identity-changed')).toContainText('Not the person you verified');
  await alice.page.getByRole('button', { name: 'Cancel' }).click();
  await alice.page.getByTestId('pair-paste-open').click();
  await alice.page.getByTestId('pair-paste').fill(await bob.page.getByTestId('pair-text').inputValue());
  await alice.page.getByTestId('pair-paste-use').click();
  await expect(alice.page.getByTestId('pair-known')).toContainText('You already verified this person, as Bob');
  await expect(alice.page.getByTestId('identity-changed')).toHaveCount(0);
  await alice.page.getByRole('button', { name: 'Cancel' }).click();
  await mallory.context.close();

  // Each kept the other under the name they chose, verified.
  await expect(alice.page.getByTestId('contact-name')).toHaveText(['Bob', 'Carol']);
  await expect(bob.page.getByTestId('contact-name')).toHaveText(['Alice']);
  await expect(bob.page.getByTestId('contact')).toHaveAttribute('data-verified', 'true');
  const verified = await bob.page.evaluate(() => localStorage.getItem('cutout.verified') ?? '');
  expect(verified).toMatch(/^[0-9a-f]{256} Alice\n$/);
  // No key of the pair is kept: only the people.
  expect(await bob.page.evaluate(() => localStorage.getItem('cutout.contacts') ?? '')).toBe('');

  // Alice seals for Bob.
  await alice.page.getByTestId('tab-send').click();
  await alice.page.getByTestId('offline-message').fill('The key is under the blue pot.');
  await alice.page.getByTestId('lock-contact').check();
  await alice.page.getByTestId('send-contact').selectOption({ label: 'Bob ✓' });
  await alice.page.getByTestId('seal').click();
  await expect(alice.page.getByTestId('offline-qr')).toBeVisible();
  const code = await alice.page.getByTestId('offline-text').inputValue();

  await paste(bob.page, code);
  await expect(bob.page.getByTestId('received-text')).toHaveValue('The key is under the blue pot.');
  const from = bob.page.getByTestId('received-from');
  await expect(from).toContainText('Sealed for you by Alice');
  await expect(from).toHaveAttribute('data-verified', 'true');

  // Shown back to Alice: her own, never Bob's.
  await paste(alice.page, code);
  await expect(alice.page.getByTestId('received-own')).toContainText('You sealed this message yourself');
  await expect(alice.page.getByTestId('received-from')).toHaveCount(0);

  // Carol, paired with Alice too, opens nothing.
  await paste(carol.page, code);
  await expect(carol.page.getByTestId('receive-error')).toContainText('none of the contacts on this device opens it');
  await expect(carol.page.getByTestId('received')).toHaveCount(0);

  // Something else pasted is refused, saying why; one's own code is not someone to pair with.
  await bob.page.getByTestId('tab-contacts').click();
  await bob.page.getByTestId('pair-paste-open').click();
  await bob.page.getByTestId('pair-paste').fill('https://example.org');
  await bob.page.getByTestId('pair-paste-use').click();
  await expect(bob.page.getByTestId('contacts-notice')).toHaveText('That is not a Cutout pairing code.');
  await bob.page.getByRole('button', { name: 'Cancel' }).click();
  await bob.page.getByTestId('pair-show').click();
  const own = await bob.page.getByTestId('pair-text').inputValue();
  await bob.page.getByTestId('pair-paste-open').click();
  await bob.page.getByTestId('pair-paste').fill(own);
  await bob.page.getByTestId('pair-paste-use').click();
  await expect(bob.page.getByTestId('contacts-notice')).toContainText('your own pairing code');

  // Deleting a paired contact removes their verification.
  await bob.page.getByTestId('contact-delete').click();
  await bob.page.getByTestId('contact-delete-confirm').click();
  await expect(bob.page.getByTestId('contact')).toHaveCount(0);
  expect(await bob.page.evaluate(() => localStorage.getItem('cutout.verified') ?? '')).toBe('');

  for (const p of [alice, bob, carol]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});

test('a contact paired before identities is kept, listed as not verified, and still seals', async ({ page, relay }) => {
  const key = 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
  await page.goto(relay.url + '/');
  await page.evaluate((line) => localStorage.setItem('cutout.contacts', line), `${key} Old friend`);
  await page.getByTestId('offline').click();
  await page.getByTestId('tab-contacts').click();
  const row = page.getByTestId('contact');
  await expect(row).toHaveAttribute('data-kind', 'legacy');
  await expect(row).toHaveAttribute('data-verified', 'false');
  await expect(row).toContainText('Paired before identities: not verified');

  await page.getByTestId('tab-send').click();
  await page.getByTestId('offline-message').fill('still works');
  await page.getByTestId('lock-contact').check();
  await page.getByTestId('seal').click();
  await paste(page, await page.getByTestId('offline-text').inputValue());
  await expect(page.getByTestId('received-text')).toHaveValue('still works');
  await expect(page.getByTestId('received-own')).toContainText('for contact Old friend');
});

test("a pairing code read by the home page's scanner opens the Contacts tab with the person's name", async ({ browser, relay }) => {
  const [ana, ben] = [await person(browser), await person(browser)];
  await contactsTab(ben, relay.url, 'Ben');
  const picture = join(mkdtempSync(join(tmpdir(), 'cutout-pairing-')), 'ben.png');
  await ben.page.getByTestId('pair-qr').screenshot({ path: picture });

  await ana.page.goto(relay.url + '/');
  await ana.page.getByTestId('open-scanner').click();
  await ana.page.getByTestId('scan-upload').setInputFiles(picture);
  await expect(ana.page.getByTestId('pair-name')).toHaveValue('Ben', { timeout: 20_000 });
  const number = (await ana.page.getByTestId('pair-check-code').textContent())!;
  await ana.page.getByTestId('pair-save').click();
  await expect(ana.page.getByTestId('contact-name')).toHaveText(['Ben']);

  // Ben reads Ana's code and sees the same number.
  await contactsTab(ana, relay.url, 'Ana');
  await readAndSave(ben.page, ana.page).then((atBen) => expect(atBen).toBe(number));
  for (const p of [ana, ben]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});
