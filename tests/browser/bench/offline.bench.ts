// `cargo xtask bench offline`: an offline message shown as animated codes by one headless
// Chromium, screenshotted into clips at 10, 15 and 20 codes a second with 0 % and 20 % of the
// codes lost (a lost code is a blank frame, so the clip keeps the display's timing), each played
// by a fresh Chromium's fake camera to the app's real scanner. Measured per clip: the worker's
// decode time per frame against the frame interval, distinct codes collected ÷ K, codes shown
// until the message was whole, and the payload rate that makes. Writes JSON
// (CUTOUT_BENCH_RESULT) that the xtask renders into docs/BENCHMARKS.md.

import { chromium, expect, test } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fakeCamera, launchOptions, startRelay } from '../harness';
import { HEIGHT, WIDTH, captureSequence, writeClip, type Frame } from '../offline-clips';

const root = resolve(__dirname, '../../..');
const resultFile = process.env.CUTOUT_BENCH_RESULT ?? join(root, 'target/bench/offline.json');
const workDir = join(root, 'target/bench/offline');
const payloadBytes = Number(process.env.CUTOUT_BENCH_BYTES ?? 32 * 1024);
const RATES = [10, 15, 20];
const LOSSES = [0, 0.2];
/** Longest one clip may take to deliver the message. */
const RECEIVE_TIMEOUT_MS = 180_000;

interface Decode {
  t: number;
  ms: number;
  hit: boolean;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic bytes that do not compress. */
function payload(size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

test('offline QR sequences through the fake camera', async () => {
  mkdirSync(workDir, { recursive: true });
  const relay = await startRelay('bench-offline');
  const bytes = payload(payloadBytes);
  const senderBrowser = await chromium.launch(launchOptions());
  const sender = await senderBrowser.newPage({ viewport: { width: 1280, height: 900 } });
  await sender.goto(relay.url + '/');
  await sender.getByTestId('offline').click();
  await sender.getByTestId('offline-attach').setInputFiles({ name: 'payload.bin', mimeType: 'application/octet-stream', buffer: bytes });
  const phrase = sender.getByTestId('generated-passphrase');
  await expect(phrase).toHaveText(/^[a-z-]+( [a-z-]+){3}$/);
  const passphrase = (await phrase.textContent())!;
  await sender.getByTestId('light').check();
  await sender.getByTestId('seal').click();
  const code = sender.getByTestId('offline-qr');
  await expect(code).toBeVisible({ timeout: 60_000 });
  const k = Number(await code.getAttribute('data-needed'));
  const symbolSize = Number(await code.getAttribute('data-symbol-size'));
  const blobLength = Number(await code.getAttribute('data-blob-length'));
  // Enough codes for 20 % loss with room to spare; the clip loops if more are needed.
  const count = Math.ceil((k * 1.3) / 0.8) + 8;
  console.log(`K = ${k} codes of ${symbolSize} bytes (blob ${blobLength} bytes); capturing ${count} codes`);
  const { frames } = await captureSequence(sender, count);
  await senderBrowser.close();
  const blank: Frame = Buffer.alloc((WIDTH * HEIGHT * 3) / 2, 0);
  blank.fill(255, 0, WIDTH * HEIGHT);
  blank.fill(128, WIDTH * HEIGHT);

  const runs = [];
  for (const loss of LOSSES) {
    for (const rate of RATES) {
      // Every fifth code lost at 20 %: a blank frame where it was shown.
      const shown = frames.map((frame, i) => (loss > 0 && i % 5 === 4 ? blank : frame));
      const clip = join(workDir, `rate${rate}-loss${Math.round(loss * 100)}.y4m`);
      writeClip(clip, shown, 1, rate);
      const browser = await chromium.launch(launchOptions(fakeCamera(clip)));
      try {
        const page = await browser.newPage();
        await page.addInitScript(() => {
          const decodes: { t: number; ms: number; hit: boolean }[] = [];
          (window as unknown as { cutoutDecodes: typeof decodes }).cutoutDecodes = decodes;
          const Original = window.Worker;
          window.Worker = class extends Original {
            constructor(url: string | URL, options?: WorkerOptions) {
              super(url, options);
              if (String(url).includes('qr_worker')) {
                this.addEventListener('message', (e: MessageEvent) => {
                  if (typeof e.data?.ms === 'number') decodes.push({ t: performance.now(), ms: e.data.ms, hit: e.data.text != null });
                });
              }
            }
          };
        });
        await page.goto(relay.url + '/');
        await page.getByTestId('offline').click();
        await page.getByTestId('tab-receive').click();
        await page.getByTestId('receive-scan').click();
        await expect(page.getByTestId('receive-ready')).toBeVisible({ timeout: RECEIVE_TIMEOUT_MS });
        const section = page.getByTestId('offline-receive');
        const distinct = Number(await section.getAttribute('data-distinct'));
        const decodes: Decode[] = await page.evaluate(() => (window as unknown as { cutoutDecodes: Decode[] }).cutoutDecodes);
        const hits = decodes.filter((d) => d.hit);
        const seconds = (hits[hits.length - 1].t - hits[0].t) / 1000 + 1 / rate;
        await page.getByTestId('receive-passphrase').fill(passphrase);
        await page.getByTestId('receive-open').click();
        const link = page.getByTestId('received-file');
        await expect(link).toBeVisible({ timeout: 60_000 });
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        const received = readFileSync(await download.path());
        const ms = decodes.map((d) => d.ms);
        const run = {
          rate,
          loss,
          k,
          distinct,
          framesShown: seconds * rate,
          seconds,
          decodes: decodes.length,
          hits: hits.length,
          decodeMedianMs: quantile(ms, 0.5),
          decodeP90Ms: quantile(ms, 0.9),
          intervalMs: 1000 / rate,
          payloadBytes,
          kbPerSecond: payloadBytes / 1000 / seconds,
          sha256Equal: sha256(received) === sha256(bytes),
        };
        console.log(JSON.stringify(run));
        runs.push(run);
      } finally {
        await browser.close();
      }
    }
  }
  await relay.stop();
  writeFileSync(
    resultFile,
    JSON.stringify({ k, symbolSize, blobLength, payloadBytes, captured: frames.length, runs }, null, 2),
  );
});
