// A relay in the middle that records and replays: Playwright routes each page's WebSocket through
// the test, which sees every relay frame and can drop, replace or add DELIVERs.
//
// The attack of PROTOCOL.md B.3: when a newcomer joins, the relay holds back a member's real Here
// and hands the newcomer that member's Join recorded when the member arrived, then replays the
// member's earlier chats. Carol must be shown nothing Alice said before Carol came, and must still
// meet Alice.

import type { Page, WebSocketRoute } from '@playwright/test';
import { expect, test } from './harness';
import { createRoom, member, messages, openInvite, person, say } from './people';

const DELIVER = 0x81;
const KIND_PRESENCE = 0x01;
const KIND_CHAT = 0x02;

/** DELIVER = 0x81 ‖ from(u32) ‖ payload; an envelope's kind is the payload's second byte. */
function from(frame: Buffer): number {
  return frame.readUInt32BE(1);
}

function kind(frame: Buffer): number {
  return frame[6];
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

test('a newcomer handed a member\'s recorded Join is shown nothing said before, and still meets the member', async ({ browser, page, relay }) => {
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
  const oldChats = delivers.filter((frame) => kind(frame) === KIND_CHAT);
  expect(oldChats).toHaveLength(before.length);
  const alice = from(oldChats[0]);
  const aliceJoin = delivers.find((frame) => from(frame) === alice && kind(frame) === KIND_PRESENCE);
  expect(aliceJoin, 'Alice\'s Join, as the relay delivered it to Bob').toBeDefined();

  // A challenge lives 15 s: a Join younger than that may still be answered, and what Alice said
  // since shown to a newcomer (the protocol's stated window). Carol comes later.
  await page.waitForTimeout(16_000);

  // Carol arrives: the relay swaps Alice's first frame to her (the real Here) for the recorded
  // Join, and forwards everything else both ways.
  const carol = await person(browser);
  let swapped = false;
  const toCarol = await relayInTheMiddle(carol.page, (frame, ws) => {
    if (!swapped && frame[0] === DELIVER && from(frame) === alice) {
      swapped = true;
      ws.send(aliceJoin!);
    } else {
      ws.send(frame);
    }
  });
  await openInvite(carol.page, link, 'Carol');
  await expect.poll(() => swapped, { message: 'the relay swapped Alice\'s Here' }).toBe(true);
  await expect(member(carol.page, 'Alice')).toBeVisible();
  await expect(member(page, 'Carol')).toBeVisible();

  // The relay replays what Alice said before; then Alice greets Carol.
  for (const chat of oldChats) toCarol().send(chat);
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
