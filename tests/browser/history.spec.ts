// Where an invite's secret stays in the browser (docs/SECURITY.md, "A holder of the invite"). The
// app removes the fragment from the address bar and rewrites the tab's own history entry, but
// Chromium's global history (the profile's `History` file) keeps the address as it was opened:
// an invite opened as a link stays there until the person clears it. One scanned inside the app
// is never an address, so it is never recorded. Each test runs a Chromium with a profile on
// disk, closes it so the history is written, and reads the file with Python's sqlite3.

import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, fakeCamera, fixture, fixtures, launchOptions, test, watchErrors } from './harness';

/** Every address in the global history of the profile in `dir`. */
function historyUrls(dir: string): string[] {
  const script = 'import sqlite3, sys\nfor (url,) in sqlite3.connect(sys.argv[1]).execute("select url from urls"): print(url)';
  return execFileSync('python3', ['-c', script, join(dir, 'Default', 'History')], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '');
}

/** Runs `steps` in a Chromium with a profile on disk, closes it, and returns that profile. */
async function inProfile(extraArgs: string[], steps: (page: import('@playwright/test').Page) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'cutout-profile-'));
  const { executablePath, args } = launchOptions(extraArgs);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath,
    args: args.filter((a) => a !== '--headless'),
    headless: true,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = watchErrors(page);
    await steps(page);
    expect(errors, 'the page logged errors').toEqual([]);
  } finally {
    await context.close();
  }
  return dir;
}

test('an invite opened as a link leaves the address bar but stays in the global history', async ({ relay }) => {
  const secret = 'r1.' + 'Q'.repeat(42) + 'A';
  const dir = await inProfile([], async (page) => {
    await page.goto(`${relay.url}/#${secret}`);
    await expect(page.getByTestId('name-input')).toBeVisible();
    expect(page.url()).not.toContain('#');
  });
  const urls = historyUrls(dir);
  expect(urls, 'the stripped address is recorded too').toContain(`${relay.url}/`);
  expect(urls.filter((url) => url.includes(secret)), 'the secret stays in the history').toHaveLength(1);
});

test('an invite scanned inside the app never reaches the global history', async ({ relay }) => {
  const invite = fixture('camera-invite.txt');
  const secret = invite.slice(invite.indexOf('#') + 1);
  const dir = await inProfile(fakeCamera(join(fixtures, 'camera-invite.y4m')), async (page) => {
    await page.goto(relay.url + '/');
    await page.getByRole('button', { name: 'Scan a QR code' }).click();
    await page.getByTestId('confirm-join').click();
    await page.getByTestId('name-input').fill('Erin');
    await page.getByTestId('join-button').click();
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
    await expect(page.getByTestId('invite-link')).toHaveValue(new RegExp(`${secret.replace('.', '\\.')}$`));
  });
  const urls = historyUrls(dir);
  expect(urls, 'the visit is recorded').toContain(`${relay.url}/`);
  expect(urls.filter((url) => url.includes(secret))).toEqual([]);
});
