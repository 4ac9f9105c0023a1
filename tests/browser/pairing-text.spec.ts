// Pairing two laptops without cameras: one shows its pairing code's text, the other pastes it
// (line breaks a chat or mail added included); both see the same check code and save.

import { expect, test } from './harness';
import { person } from './people';

test('pairing by copying the text: both sides see the same check code and keep the contact', async ({ browser, relay }) => {
  const [alice, bob] = [await person(browser), await person(browser)];
  for (const p of [alice.page, bob.page]) {
    await p.goto(relay.url + '/');
    await p.getByTestId('offline').click();
    await p.getByTestId('tab-contacts').click();
  }
  await alice.page.getByTestId('pair-show').click();
  const text = await alice.page.getByTestId('pair-text').inputValue();
  expect(text).toMatch(/^CT1K/);

  await bob.page.getByTestId('pair-paste-open').click();
  // As a chat would wrap it (spaces inside are Base45 digits and stay).
  await bob.page.getByTestId('pair-paste').fill(`  ${text.slice(0, 20)}\r\n${text.slice(20)} \n`);
  await bob.page.getByTestId('pair-paste-use').click();
  const code = await alice.page.getByTestId('pair-check-code').textContent();
  await expect(bob.page.getByTestId('pair-check-code')).toHaveText(code!);

  await alice.page.getByTestId('pair-name').fill('Bob');
  await alice.page.getByTestId('pair-save').click();
  await bob.page.getByTestId('pair-name').fill('Alice');
  await bob.page.getByTestId('pair-save').click();
  await expect(alice.page.getByTestId('contact-name')).toHaveText(['Bob']);
  await expect(bob.page.getByTestId('contact-name')).toHaveText(['Alice']);

  // Something else pasted is refused, saying why.
  await bob.page.getByTestId('pair-paste-open').click();
  await bob.page.getByTestId('pair-paste').fill('https://example.org');
  await bob.page.getByTestId('pair-paste-use').click();
  await expect(bob.page.getByTestId('contacts-notice')).toHaveText('That is not a Cutout pairing code.');

  expect(alice.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
  await alice.context.close();
  await bob.context.close();
});
