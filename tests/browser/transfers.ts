// Files in and out of the app as a person would: offered through the app's own file input,
// accepted on a card, saved through the download link the app gives, hashed.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect } from './harness';

export const MiB = 1024 * 1024;

export interface FilePayload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

export function payload(name: string, buffer: Buffer, mimeType = 'application/octet-stream'): FilePayload {
  return { name, mimeType, buffer };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function card(page: Page, name: string) {
  return page.locator(`[data-testid=file-card][data-name="${name}"]`);
}

export async function offer(page: Page, ...files: FilePayload[]) {
  await page.getByTestId('file-input').setInputFiles(files);
}

/** Saves a received file through the app's own link; returns the name it gave and the bytes. */
export async function save(page: Page, name: string): Promise<{ download: string; bytes: Buffer }> {
  const link = card(page, name).getByTestId('file-save');
  const download = (await link.getAttribute('download')) ?? '';
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { download, bytes: readFileSync((await file.path())!) };
}

export async function receive(page: Page, name: string): Promise<Buffer> {
  await card(page, name).getByTestId('file-accept').click();
  await expect(card(page, name)).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  return (await save(page, name)).bytes;
}

/**
 * The received files the app holds on disk for `page` (its folder of the origin private file
 * system, where a secure context writes incoming files as they arrive): name and size of each.
 */
export async function storedFiles(page: Page): Promise<{ name: string; size: number }[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    let folder: FileSystemDirectoryHandle;
    try {
      folder = await root.getDirectoryHandle('cutout-received');
    } catch {
      return [];
    }
    const files: { name: string; size: number }[] = [];
    // @ts-expect-error: values() is in every browser with OPFS, not yet in TypeScript's DOM types.
    for await (const handle of folder.values() as AsyncIterable<FileSystemHandle>) {
      if (handle.kind !== 'file') continue;
      // A file the app removes while it is listed (a finished transfer's is renamed or dropped)
      // is gone by the time it is read: it is not stored any more.
      try {
        files.push({ name: handle.name, size: (await (handle as FileSystemFileHandle).getFile()).size });
      } catch (e) {
        if ((e as DOMException).name !== 'NotFoundError') throw e;
      }
    }
    return files;
  });
}
