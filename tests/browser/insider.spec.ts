// A holder of the invite who speaks the protocol (`insider`, a Rust program talking to the same
// relay) joins the room's group and tries to pass as Bob, whom Alice verified: under his name
// with its own key, and from a second connection under a name that looks like his
// (docs/SECURITY.md, "A holder of the invite"). Alice's screen must show no message as
// verified Bob's but Bob's own, and list nobody under Bob's key but Bob.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { artifacts, expect, test } from './harness';
import { createRoom, member, openInvite, person, say } from './people';

const insiderBin = process.env.CUTOUT_INSIDER_BIN ?? join(__dirname, '../../target/debug/insider');

type Step = { step: string; detail: any };

/** Starts the insider against the relay at `url`: the steps it prints as they come, and its end. */
function insider(url: string, invite: string, target: string, seconds: number): { steps: Step[]; done: Promise<void> } {
  const relay = new URL(url).host;
  const child = spawn(insiderBin, ['--relay', relay, '--invite', invite, '--target', target, '--seconds', String(seconds)]);
  const steps: Step[] = [];
  const errors: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => steps.push(JSON.parse(line)));
  child.stderr.on('data', (chunk) => errors.push(String(chunk)));
  const done = new Promise<number | null>((end) => child.on('exit', end)).then((code) => {
    expect(errors.join(''), 'the insider ran without an error').toBe('');
    expect(code).toBe(0);
  });
  return { steps, done };
}

test('a holder of the invite cannot make a message appear from a verified member, nor be listed under their key', async ({ browser, relay }) => {
  const alice = await person(browser);
  const bob = await person(browser);
  const link = await createRoom(alice.page, relay, 'Alice');
  await openInvite(bob.page, link, 'Bob');
  for (const [page, other] of [[alice.page, 'Bob'], [bob.page, 'Alice']] as const) {
    await member(page, other).getByTestId('verify-member').click();
    await page.getByTestId('mark-verified').click();
    await page.getByTestId('verify-close').click();
    await expect(member(page, other)).toHaveAttribute('data-verified', 'true');
  }
  await say(bob.page, 'the real Bob');
  const fromBob = alice.page.getByTestId('message').filter({ hasText: 'the real Bob' });
  await expect(fromBob).toHaveAttribute('data-author', 'verified');

  const run = insider(relay.url, link, 'Bob', 15);
  // The insider's own session arrives (the control that its messages reach Alice at all), under
  // Bob's name and flagged as another key.
  const own = alice.page.getByTestId('message').filter({ hasText: 'insider: under my own key' });
  await expect(own).toHaveCount(1, { timeout: 15_000 });
  await expect(own).toHaveAttribute('data-author', 'changed');
  // So is the file it offers under Bob's name.
  const shared = alice.page.getByTestId('shared-file').filter({ hasText: 'from-the-insider.pdf' });
  await expect(shared).toHaveAttribute('data-author', 'changed');
  await expect(shared.getByTestId('author-changed')).toBeVisible();
  await alice.page.screenshot({ path: join(artifacts, 'screens', 'insider-shared-file.png') });
  // While the insider is in the room (its lookalike too), Alice takes back
  // Bob's verification and gives it again: what she stores is the Bob whose number she compared.
  const realBob = alice.page.locator('[data-testid="member"][data-verified="true"]');
  await realBob.getByTestId('verify-member').click();
  await alice.page.getByTestId('unverify').click();
  await alice.page.getByTestId('mark-verified').click();
  await alice.page.getByTestId('verify-close').click();
  await run.done;
  const said = run.steps.filter((s) => s.step === 'said').map((s) => s.detail.session);
  expect(run.steps.map((s) => s.step)).toContain('target');
  expect(said.sort()).toEqual(['lookalike', 'own']);
  for (const page of [alice.page, bob.page]) {
    // The lookalike's message arrives (the insider is a member like any other), never as
    // verified Bob's.
    const lookalike = page.getByTestId('message').filter({ hasText: 'from the lookalike session' });
    await expect(lookalike).toHaveCount(1);
    await expect(lookalike).not.toHaveAttribute('data-author', 'verified');
  }
  // Only Bob's own message is marked verified at Alice, and only Bob is listed as verified.
  const verifiedLines = alice.page.locator('[data-testid="message"][data-author="verified"]');
  await expect(verifiedLines).toHaveCount(1);
  await expect(verifiedLines).toContainText('the real Bob');
  const verifiedMembers = alice.page.locator('[data-testid="member"][data-verified="true"]');
  await expect(verifiedMembers).toHaveCount(1);
  await expect(verifiedMembers).toContainText('Bob');
  // Every other entry named Bob (the insider's, online or gone) warns.
  for (const entry of await member(alice.page, 'Bob').all()) {
    if ((await entry.getAttribute('data-verified')) !== 'true') {
      await expect(entry.getByTestId('identity-changed')).toBeVisible();
    }
  }

  for (const p of [alice, bob]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});
