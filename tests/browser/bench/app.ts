// The app's side of the benchmark: two people in a room, one offers the file through the app's
// own file input, the other accepts it and saves what the app offers — the steps of
// files.spec.ts, over the DevTools protocol (cdp.ts). The receiving page notes when Accept is
// clicked and when its card turns `done` itself (performance.now()), so the harness's polling
// does not blur the time.

import type { Relay } from '../harness';
import type { Tab } from './cdp';

/** What the receiving page noted. */
export interface AppTiming {
  /** performance.now() at the Accept click. */
  start: number;
  /** performance.now() when the card's data-state became done (or failed). */
  end: number;
  state: string;
}

const INVITE = /^http:\/\/127\.0\.0\.1:\d+\/#r1\.[A-Za-z0-9_-]{43}$/;

export function card(name: string): string {
  return `[data-testid=file-card][data-name="${name}"]`;
}

async function waitState(page: Tab, selector: string, state: string, timeoutMs = 30_000): Promise<void> {
  await page.waitFor(
    ([s, want]: [string, string]) => document.querySelector(s)?.getAttribute('data-state') === want,
    [selector, state] as [string, string],
    `${selector} to be ${state}`,
    timeoutMs,
  );
}

async function join(page: Tab, name: string): Promise<void> {
  await page.waitFor(() => document.querySelector('[data-testid=name-input]') !== null, undefined, 'the name field');
  await page.fill('[data-testid=name-input]', name);
  await page.click('[data-testid=join-button]');
  await waitState(page, '[data-testid=connection-status]', 'online');
}

/** The sender creates a room, the receiver joins through the invite. */
export async function room(sender: Tab, receiver: Tab, relay: Relay): Promise<void> {
  await sender.goto(relay.url + '/');
  await sender.waitFor(() => document.querySelector('[data-testid=new-room]') !== null, undefined, 'the home page');
  await sender.click('[data-testid=new-room]');
  await join(sender, 'Sender');
  const link = await sender.waitFor(
    () => (document.querySelector('[data-testid=invite-link]') as HTMLInputElement | null)?.value,
    undefined,
    'the invite link',
  );
  if (!INVITE.test(link)) throw new Error(`unexpected invite link ${link}`);
  await receiver.goto(link);
  await join(receiver, 'Receiver');
  await sender.waitFor(
    () =>
      [...document.querySelectorAll('[data-testid=member]')].some(
        (m) => m.textContent?.includes('Receiver') && m.getAttribute('data-state') === 'online',
      ),
    undefined,
    'the receiver online at the sender',
  );
}

/** Installs the receiving page's clock on the card named `name`. */
export async function watchCard(receiver: Tab, name: string): Promise<void> {
  await receiver.evaluate((selector: string) => {
    const w = window as unknown as { benchApp: AppTiming };
    const timing: AppTiming = { start: 0, end: 0, state: '' };
    w.benchApp = timing;
    document.addEventListener(
      'click',
      (e) => {
        const accept = (e.target as Element | null)?.closest?.('[data-testid=file-accept]');
        if (accept && !timing.start) timing.start = performance.now();
      },
      true,
    );
    const check = () => {
      const state = document.querySelector(selector)?.getAttribute('data-state') ?? '';
      if (state === timing.state) return;
      timing.state = state;
      if ((state === 'done' || state === 'failed') && !timing.end) timing.end = performance.now();
    };
    new MutationObserver(check).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
  }, card(name));
}

/** The sender offers the file at `path`; returns once the receiver sees the offer. */
export async function offer(sender: Tab, receiver: Tab, path: string, name: string): Promise<void> {
  await sender.setFiles('[data-testid=file-input]', path);
  await waitState(receiver, card(name), 'offered', 60_000);
}

export async function accept(receiver: Tab, name: string): Promise<void> {
  await receiver.click(`${card(name)} [data-testid=file-accept]`);
}

/** Waits (polling twice a second) until the card is done or failed; returns the page's timing. */
export async function finished(receiver: Tab, timeoutMs: number): Promise<AppTiming> {
  return receiver.waitFor(
    () => {
      const timing = (window as unknown as { benchApp: AppTiming }).benchApp;
      return timing.end > 0 ? timing : undefined;
    },
    undefined,
    'the card to be done',
    timeoutMs,
    500,
  );
}
