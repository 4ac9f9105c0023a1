// The scanner without a live camera (as on plain HTTP at a LAN address, or on a device without
// one): it says why, and reads a photo or an uploaded picture instead, decoded in the worker like
// camera frames. Also: a decoder that dies is replaced and reading goes on.

import type { Page } from '@playwright/test';
import { expect, fixture, fixtures, test } from './harness';
import { join } from 'node:path';

/** Records every Worker the page starts, as `window.cutoutWorkers`. */
async function watchWorkers(page: Page) {
  await page.addInitScript(() => {
    const workers: Worker[] = [];
    (window as unknown as { cutoutWorkers: Worker[] }).cutoutWorkers = workers;
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        workers.push(this);
      }
    };
  });
}

const workerCount = (page: Page) =>
  page.evaluate(() => (window as unknown as { cutoutWorkers: Worker[] }).cutoutWorkers.length);

async function openScanner(page: Page, url: string) {
  await page.goto(url + '/');
  await page.getByRole('button', { name: 'Scan a QR code' }).click();
  await expect(page.getByTestId('scan-panel')).toBeVisible();
}

test('no camera: the scanner says why and reads an uploaded picture instead', async ({ page, relay }) => {
  await watchWorkers(page);
  const fetched: string[] = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(relay.url + '/');
  await expect(page.getByRole('button', { name: 'Scan a QR code' })).toBeVisible();
  // The first load fetches no decoder: the scanner starts the worker.
  expect(fetched.filter((path) => path.includes('qr_worker'))).toEqual([]);
  expect(await workerCount(page)).toBe(0);
  await openScanner(page, relay.url);
  await expect(page.getByTestId('scan-status')).toContainText('take a photo of the code or choose a picture');
  await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-qr.png'));
  await expect(page.getByTestId('scan-result')).toHaveValue(fixture('upload-qr.txt'));
  await expect(page.getByTestId('scan-status')).toContainText('QR code read. Not a Cutout code.');
  await expect(page.getByTestId('scan-panel')).toHaveAttribute('data-kind', 'foreign');
  // Decoded in the worker the scanner started, not on the page's thread.
  expect(await workerCount(page)).toBe(1);
});

test('the photo input asks for the rear camera, and its picture is read the same way', async ({ page, relay }) => {
  await openScanner(page, relay.url);
  const photo = page.getByTestId('scan-photo');
  await expect(photo).toHaveAttribute('capture', 'environment');
  await expect(photo).toHaveAttribute('accept', 'image/*');
  await photo.setInputFiles(join(fixtures, 'upload-qr.png'));
  await expect(page.getByTestId('scan-result')).toHaveValue(fixture('upload-qr.txt'));
});

test('a picture without a code says so, and another picture can follow', async ({ page, relay }) => {
  await openScanner(page, relay.url);
  await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-blank.png'));
  await expect(page.getByTestId('scan-status')).toContainText('No QR code found in that picture');
  await expect(page.getByTestId('scan-result')).toHaveCount(0);
  await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-qr.png'));
  await expect(page.getByTestId('scan-result')).toHaveValue(fixture('upload-qr.txt'));
});

test('a decoder that dies is replaced, and the next picture is read', async ({ page, relay }) => {
  await watchWorkers(page);
  await openScanner(page, relay.url);
  await expect.poll(() => workerCount(page)).toBe(1);
  // What the page sees when a decoder panics inside the worker: its wasm traps, and the worker
  // reports an uncaught error.
  await page.evaluate(() => {
    const [worker] = (window as unknown as { cutoutWorkers: Worker[] }).cutoutWorkers;
    worker.dispatchEvent(new ErrorEvent('error', { message: 'RuntimeError: unreachable' }));
  });
  await expect(page.getByTestId('scan-panel')).toHaveAttribute('data-restarts', '1');
  await expect.poll(() => workerCount(page)).toBe(2);
  await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-qr.png'));
  await expect(page.getByTestId('scan-result')).toHaveValue(fixture('upload-qr.txt'));
});

test('what a code is: a pairing code goes to Contacts, a damaged Cutout code is told apart', async ({ page, relay }) => {
  await openScanner(page, relay.url);
  await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-pairing.png'));
  // Read on the home page, a pairing code opens Contacts, ready to save the contact.
  await expect(page.getByTestId('tab-contacts')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('pair-check-code')).toHaveText(/^\d{4} \d{4}$/);
  await page.getByTestId('offline-home').click();
  await page.getByRole('button', { name: 'Scan a QR code' }).click();
  await page.getByTestId('scan-upload').setInputFiles(join(fixtures, 'upload-damaged.png'));
  await expect(page.getByTestId('scan-panel')).toHaveAttribute('data-kind', 'damaged');
  await expect(page.getByTestId('scan-status')).toContainText('damaged');
});
