// People in a room: each in their own browser context (separate storage, like separate phones),
// and the steps every room test takes — create a room, open an invite, join, say something.

import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect, watchErrors, type Relay } from './harness';

/** A person in their own browser context, whose page must log no errors. */
export interface Person {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

export async function person(browser: Browser): Promise<Person> {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { context, page, errors: watchErrors(page) };
}

/** Chromium logs a console error for every WebSocket that cannot connect: expected while the
 * relay is down, and nothing else is. */
export function unexpected(errors: string[]): string[] {
  return errors.filter((e) => !/WebSocket connection to .* failed/.test(e));
}

export async function joinAs(page: Page, name: string) {
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('join-button').click();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');
}

/** Creates a room and returns its invite link. */
export async function createRoom(page: Page, relay: Relay, name: string): Promise<string> {
  await page.goto(relay.url + '/');
  await page.getByTestId('new-room').click();
  await joinAs(page, name);
  const link = await page.getByTestId('invite-link').inputValue();
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#r1\.[A-Za-z0-9_-]{43}$/);
  return link;
}

export async function openInvite(page: Page, link: string, name: string) {
  await page.goto(link);
  await joinAs(page, name);
}

export function member(page: Page, name: string) {
  return page.getByTestId('member').filter({ hasText: name });
}

export async function say(page: Page, text: string) {
  await page.getByTestId('composer').fill(text);
  await page.getByTestId('send').click();
}

export function messages(page: Page) {
  return page.getByTestId('message');
}
