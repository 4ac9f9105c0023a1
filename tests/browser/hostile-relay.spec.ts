// A relay in the middle that records and replays: Playwright routes each page's WebSocket through
// the test, which sees every relay frame and can drop, replace or add DELIVERs.
//
// The attack on a newcomer (docs/PROTOCOL.md R.4, R.11): the relay recorded everything said in
// the room before Carol came (the join handshakes, commits and messages of the room's group) and
// hands it all to her once she is in, again and again. Carol must be shown nothing said before
// she came, and must still read what is said after.

import type { Page, WebSocketRoute } from '@playwright/test';
import { expect, test } from './harness';
import { createRoom, member, messages, openInvite, person, say } from './people';

const DELIVER = 0x81;
/** A v2 payload is 0x02 ‖ type; MLS messages (commits, chat, presence) are type 0x10. */
const V2 = 0x02;
const MLS = 0x10;

/** DELIVER = 0x81 ‖ from(u32) ‖ payload; an envelope's kind is the payload's second byte. */
function from(frame: Buffer): number {
  return frame.readUInt32BE(1);
}

function kind(frame: Buffer): [number, number] {
  return [frame[5], frame[6]];
}

function asBuffer(message: string | Buffer): Buffer | null {
  return typeof message === 'string' ? null : Buffer.from(message);
}

/** Routes the page's relay connection through `onRelayFrame`, which forwards, drops or replaces
 * each relay→page frame; returns the route, to add frames of the test's own. */
async function relayInTheMiddle(
  page: Page,
  onRelayFrame: (frame: Buffer, toPage: WebSocketRoute) => void,
): Promise<() => WebSocketRoute> {
  let route: WebSocketRoute | undefined;
  await page.routeWebSocket(/\/ws$/, (ws) => {
    route = ws;
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      const frame = asBuffer(message);
      if (frame === null) ws.send(message);
      else onRelayFrame(frame, ws);
    });
  });
  return () => {
    if (route === undefined) throw new Error('the page never connected');
    return route;
  };
}

test('a newcomer handed everything the room said before is shown none of it, and reads what follows', async ({ browser, page, relay }) => {
  // Bob is first; the relay records everything it delivers to him.
  const bob = await person(browser);
  const recording: Buffer[] = [];
  await relayInTheMiddle(bob.page, (frame, toBob) => {
    recording.push(frame);
    toBob.send(frame);
  });
  const link = await createRoom(bob.page, relay, 'Bob');
  await openInvite(page, link, 'Alice');
  await expect(member(bob.page, 'Alice')).toBeVisible();
  const before = ['the old plan', 'the code is 4711', 'see you at nine'];
  for (const text of before) await say(page, text);
  await expect(messages(bob.page)).toHaveCount(before.length);

  const delivers = recording.filter((frame) => frame[0] === DELIVER);
  const alice = from(delivers.find((frame) => kind(frame)[0] === V2)!);
  const fromAlice = delivers.filter((frame) => from(frame) === alice);
  const mls = fromAlice.filter((frame) => kind(frame)[0] === V2 && kind(frame)[1] === MLS);
  expect(mls.length, 'Alice\'s recorded MLS messages (her chats among them)').toBeGreaterThanOrEqual(before.length);

  // Carol arrives; once she is in, the relay hands her everything it recorded, as from Alice.
  const carol = await person(browser);
  const toCarol = await relayInTheMiddle(carol.page, (frame, ws) => ws.send(frame));
  await openInvite(carol.page, link, 'Carol');
  await expect(member(carol.page, 'Alice')).toBeVisible();
  await expect(member(page, 'Carol')).toBeVisible();
  for (let round = 0; round < 2; round++) {
    for (const frame of fromAlice) toCarol().send(frame);
  }
  await say(page, 'welcome, Carol');
  await expect(messages(carol.page).filter({ hasText: 'welcome, Carol' })).toHaveCount(1);
  await expect(messages(carol.page)).toHaveCount(1);
  for (const text of before) {
    await expect(carol.page.getByText(text)).toHaveCount(0);
  }
  await say(carol.page, 'thanks');
  await expect(messages(page).filter({ hasText: 'thanks' })).toHaveCount(1);

  expect(bob.errors).toEqual([]);
  expect(carol.errors).toEqual([]);
  await bob.context.close();
  await carol.context.close();
});
