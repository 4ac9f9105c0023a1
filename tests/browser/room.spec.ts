// Journeys 1–3 end to end: create a room, invite, join, chat with presence, reconnect.
// Several browser contexts (separate storage, like separate phones) against a real relay.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFlipProxy } from './flip-proxy';
import { artifacts, expect, startRelay, test, watchErrors } from './harness';
import { createRoom, joinAs, member, messages, openInvite, person, say, unexpected } from './people';

test('create, join through the invite link, see each other, chat both ways in order', async ({ browser, page, relay }) => {
  const link = await createRoom(page, relay, 'Alice');
  await expect(page.getByTestId('alone-notice')).toBeVisible();
  await expect(page.getByTestId('check-code')).toHaveText(/^\d{4} \d{4}$/);
  const code = await page.getByTestId('check-code').textContent();

  const bob = await person(browser);
  await openInvite(bob.page, link, 'Bob');
  expect(bob.page.url(), 'the secret is gone from the address bar').not.toContain('#');
  expect(await bob.page.evaluate(() => location.href)).not.toContain('r1.');
  await expect(bob.page.getByTestId('check-code')).toHaveText(code!);

  for (const p of [page, bob.page]) {
    await expect(member(p, 'Alice')).toHaveAttribute('data-state', 'online');
    await expect(member(p, 'Bob')).toHaveAttribute('data-state', 'online');
    await expect(p.getByTestId('member')).toHaveCount(2);
  }
  await expect(page.getByTestId('alone-notice')).toHaveCount(0);

  await say(page, 'one');
  await say(page, 'two');
  await say(bob.page, 'three');
  await say(page, 'four');
  for (const p of [page, bob.page]) {
    await expect(messages(p)).toHaveCount(4);
  }
  // Each sender's messages arrive in order; Alice's own end up confirmed by the relay.
  const aliceOnBob = bob.page.getByTestId('message').filter({ hasText: 'Alice' });
  await expect(aliceOnBob).toHaveText([/one/, /two/, /four/]);
  await expect(page.getByTestId('message').filter({ hasText: 'three' })).toContainText('Bob');
  await expect(page.locator('[data-testid=message][data-state=pending]')).toHaveCount(0);

  // The QR code stays hidden until asked for.
  await expect(page.getByTestId('invite-qr')).toHaveCount(0);
  await page.getByTestId('invite-toggle').click();
  await expect(page.getByTestId('invite-qr').locator('svg')).toBeVisible();

  expect(bob.errors).toEqual([]);
  await bob.context.close();
});

test('a third member joins; a closed tab shows offline; a reload gives one entry, not two', async ({ browser, page, relay }) => {
  const link = await createRoom(page, relay, 'Alice');
  const bob = await person(browser);
  const carol = await person(browser);
  await openInvite(bob.page, link, 'Bob');
  await openInvite(carol.page, link, 'Carol');
  for (const p of [page, bob.page, carol.page]) {
    await expect(p.getByTestId('member')).toHaveCount(3);
  }
  await say(carol.page, 'hello from carol');
  await expect(page.getByTestId('message')).toHaveText([/hello from carol/]);
  await expect(bob.page.getByTestId('message')).toHaveText([/hello from carol/]);

  await bob.page.reload();
  await expect(bob.page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  await expect(member(page, 'Bob')).toHaveAttribute('data-state', 'online');
  await expect(page.getByTestId('member')).toHaveCount(3);
  await expect(bob.page.getByTestId('member')).toHaveCount(3);

  await carol.page.close();
  await expect(member(page, 'Carol')).toHaveAttribute('data-state', 'offline');
  await expect(member(bob.page, 'Carol')).toHaveAttribute('data-state', 'offline');

  expect(bob.errors).toEqual([]);
  expect(carol.errors).toEqual([]);
  await bob.context.close();
  await carol.context.close();
});

test('the relay is killed and restarted mid-chat: both reconnect, a message typed meanwhile arrives once', async ({ browser }) => {
  let relay = await startRelay('restart');
  const port = new URL(relay.url).port;
  const alice = await person(browser);
  const bob = await person(browser);
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  await say(alice.page, 'before the outage');
  await expect(bob.page.getByTestId('message')).toHaveText([/before the outage/]);

  const exited = new Promise((done) => relay.process.once('exit', done));
  relay.process.kill('SIGKILL');
  await exited;
  for (const p of [alice.page, bob.page]) {
    await expect(p.getByTestId('connection-status')).not.toHaveAttribute('data-state', 'online');
  }
  await say(alice.page, 'typed during the outage');
  await expect(alice.page.locator('[data-testid=message][data-state=pending]')).toHaveCount(1);

  relay = await startRelay('restart-again', [], Number(port));
  try {
    for (const p of [alice.page, bob.page]) {
      await expect(p.getByTestId('connection-status')).toHaveAttribute('data-state', 'online', { timeout: 30_000 });
    }
    await expect(bob.page.getByTestId('message')).toHaveText([/before the outage/, /typed during the outage/], {
      timeout: 30_000,
    });
    await expect(alice.page.locator('[data-testid=message][data-state=pending]')).toHaveCount(0);
    await expect(member(bob.page, 'Alice')).toHaveAttribute('data-state', 'online');
    await expect(bob.page.getByTestId('member')).toHaveCount(2);
    // Nothing arrives twice, even after a while.
    await say(bob.page, 'after');
    await expect(alice.page.getByTestId('message')).toHaveText([/before the outage/, /typed during the outage/, /after/]);
    await expect(bob.page.getByTestId('message')).toHaveCount(3);
  } finally {
    await relay.stop();
  }
  expect(unexpected(alice.errors)).toEqual([]);
  expect(unexpected(bob.errors)).toEqual([]);
  await alice.context.close();
  await bob.context.close();
});

for (const [width, height] of [
  [360, 740],
  [1280, 800],
]) {
  test(`room screenshot at ${width}x${height} fits without horizontal scrolling`, async ({ browser, page, relay }) => {
    await page.setViewportSize({ width, height });
    const link = await createRoom(page, relay, 'Alice');
    const bob = await person(browser);
    await openInvite(bob.page, link, 'Bob');
    await say(bob.page, 'Hi! Is this the room for the field trip?');
    await say(page, 'Yes — the bus leaves at nine.');
    await expect(page.getByTestId('message')).toHaveCount(2);
    await page.getByTestId('invite-toggle').click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const dir = join(artifacts, 'screenshots');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `room-${width}x${height}.png`), fullPage: true });
    await bob.context.close();
  });
}

test('a frame with one flipped bit is dropped and counted; the room keeps working', async ({ browser, page, relay }) => {
  const proxy = await startFlipProxy(relay.url);
  try {
    const link = await createRoom(page, relay, 'Alice');
    const bob = await person(browser);
    // Bob reaches the relay only through the tampering proxy.
    await openInvite(bob.page, link.replace(relay.url, proxy.url), 'Bob');
    await expect(member(page, 'Bob')).toHaveAttribute('data-state', 'online');

    // A message longer than 256 bytes pads to 512, so its frame is longer than any presence
    // frame (which pads to 256): exactly that message is hit.
    proxy.arm(400);
    const long = 'tampered '.repeat(40);
    await say(page, long);
    await expect(bob.page.getByTestId('dropped-notice')).toContainText('1 message could not be decrypted');
    expect(proxy.flipped()).toBe(1);
    await expect(bob.page.getByTestId('message')).toHaveCount(0);

    await say(page, 'still working');
    await expect(bob.page.getByTestId('message')).toHaveText([/still working/]);
    await expect(bob.page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
    expect(bob.errors).toEqual([]);
    await bob.context.close();
  } finally {
    await proxy.close();
  }
});

test('no serious or critical accessibility violations in the room (axe-core)', async ({ browser, relay }) => {
  // axe is injected as a script, which the app's CSP rightly forbids: bypass it for this check.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await createRoom(page, relay, 'Alice');
  await say(page, 'Checking accessibility');
  // A file card is part of the room too.
  await page.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') });
  await expect(page.getByTestId('file-card')).toHaveAttribute('data-state', 'sharing');
  await page.getByTestId('invite-toggle').click();
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: { id: string; help: string; nodes: unknown[] }) => `${v.id}: ${v.help} (${v.nodes.length})`);
  });
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});

test('Leave returns home and the others see the member go offline', async ({ browser, page, relay }) => {
  const link = await createRoom(page, relay, 'Alice');
  const bob = await person(browser);
  await openInvite(bob.page, link, 'Bob');
  await expect(member(page, 'Bob')).toHaveAttribute('data-state', 'online');
  await bob.page.getByTestId('leave').click();
  await bob.page.getByTestId('leave-confirmed').click();
  await expect(bob.page.getByTestId('new-room')).toBeVisible();
  await expect(member(page, 'Bob')).toHaveAttribute('data-state', 'offline');
  await expect(page.getByTestId('alone-notice')).toBeVisible();
  // Leaving forgets the room in that tab: a reload stays home.
  await bob.page.reload();
  await expect(bob.page.getByTestId('new-room')).toBeVisible();
  expect(bob.errors).toEqual([]);
  await bob.context.close();
});

test('new messages stay in view and the composer never moves', async ({ page, relay }) => {
  await createRoom(page, relay, 'Alice');
  const composer = page.getByTestId('composer');
  const before = await composer.boundingBox();
  for (let i = 1; i <= 25; i += 1) {
    await say(page, `message ${i}`);
  }
  await expect(page.getByTestId('message')).toHaveCount(25);
  await expect(page.getByTestId('message').last()).toBeInViewport();
  const after = await composer.boundingBox();
  expect(after?.y).toBe(before?.y);
});

test('Leave asks first; Stay keeps the person in the room', async ({ page, relay }) => {
  await createRoom(page, relay, 'Alice');
  await page.getByTestId('leave').click();
  await expect(page.getByTestId('leave-confirm')).toContainText('Leave this room?');
  await expect(page.getByTestId('leave-cancel')).toBeFocused();
  await page.getByTestId('leave-cancel').click();
  await expect(page.getByTestId('leave-confirm')).toHaveCount(0);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  await page.getByTestId('leave').click();
  await page.getByTestId('leave-confirmed').click();
  await expect(page.getByTestId('new-room')).toBeVisible();
});

test('an invite put into the address bar of a room asks before switching rooms', async ({ page, relay }) => {
  await createRoom(page, relay, 'Alice');
  const code = await page.getByTestId('check-code').textContent();
  // Another room's invite, as a page holding this tab could write it.
  const other = '#r1.' + 'A'.repeat(43);
  await page.evaluate((hash) => { location.hash = hash; }, other);
  await expect(page.getByTestId('invite-arrived')).toContainText('You will leave the room you are in');
  await expect(page.getByTestId('check-code')).toHaveText(code!);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
  expect(page.url(), 'the secret is gone from the address bar').not.toContain('#');
  await page.getByTestId('invite-arrived-ignore').click();
  await expect(page.getByTestId('invite-arrived')).toHaveCount(0);
  await expect(page.getByTestId('check-code')).toHaveText(code!);

  await page.evaluate((hash) => { location.hash = hash; }, other);
  await page.getByTestId('invite-arrived-open').click();
  await expect(page.getByTestId('name-input')).toBeVisible();
  await expect(page.getByTestId('check-code')).not.toHaveText(code!);
});
