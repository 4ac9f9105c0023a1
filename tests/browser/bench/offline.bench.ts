// `cargo xtask bench offline`: an offline message shown as animated codes by one headless
// Chromium at each density (Robust, Normal, Dense, each at its own rate; each a seal of its
// own), screenshotted code by
// code, made into clips at 1280×720 and 1920×1080, clean and degraded (offline-clips.ts: the
// perspective, shake, blur, exposure and noise of a hand-held phone), with 0 % and 20 % of the
// codes lost (a lost code is a blank frame, so the clip keeps the display's timing), each played
// by a fresh Chromium's fake camera to the app's real scanner. Measured per clip: the worker's
// decode time per frame against the frame interval, distinct codes collected ÷ K, codes shown
// until the message was whole, and the payload rate that makes. Writes JSON
// (CUTOUT_BENCH_RESULT) that the xtask renders into docs/BENCHMARKS.md.

import { type Page, chromium, expect, test } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fakeCamera, launchOptions, startRelay } from '../harness';
import { FULL_HD, HD, type Size, blankFrame, captureScreenshots, toFrame, writeClip } from '../offline-clips';

const root = resolve(__dirname, '../../..');
const resultFile = process.env.CUTOUT_BENCH_RESULT ?? join(root, 'target/bench/offline.json');
const workDir = join(root, 'target/bench/offline');
const payloadBytes = Number(process.env.CUTOUT_BENCH_BYTES ?? 32 * 1024);
const DENSITIES = ['robust', 'normal', 'dense'];
const SIZES: Size[] = [HD, FULL_HD];
const LOOKS = ['clean', 'degraded'] as const;
const LOSSES = [0, 0.2];
/** Longest one clip may take to deliver the message; past it the run counts as not received. */
const RECEIVE_TIMEOUT_MS = 120_000;

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

/** Plays `clip` to a fresh receiver; what it collected, how fast, and whether the file matched. */
async function receive(relayUrl: string, clip: string, passphrase: string, bytes: Buffer, rate: number) {
  const browser = await chromium.launch(launchOptions(fakeCamera(clip)));
  try {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const decodes: { t: number; ms: number; hit: boolean }[] = [];
      // The frame sizes the scanner hands the worker: what it got from the camera.
      const sizes = new Set<string>();
      Object.assign(window, { cutoutDecodes: decodes, cutoutSizes: sizes });
      const Original = window.Worker;
      window.Worker = class extends Original {
        private readonly qr: boolean;
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options);
          this.qr = String(url).includes('qr_worker');
          if (this.qr) {
            this.addEventListener('message', (e: MessageEvent) => {
              if (typeof e.data?.ms === 'number') decodes.push({ t: performance.now(), ms: e.data.ms, hit: e.data.text != null });
            });
          }
        }
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        postMessage(message: any, transfer?: any) {
          if (this.qr && typeof message?.width === 'number') sizes.add(`${message.width}×${message.height}`);
          super.postMessage(message, transfer);
        }
      };
    });
    await page.goto(relayUrl + '/');
    await page.getByTestId('offline').click();
    await page.getByTestId('tab-receive').click();
    await page.getByTestId('receive-scan').click();
    const ready = page.getByTestId('receive-ready');
    const received = await ready
      .waitFor({ state: 'visible', timeout: RECEIVE_TIMEOUT_MS })
      .then(() => true)
      .catch(() => false);
    const section = page.getByTestId('offline-receive');
    const distinct = Number(await section.getAttribute('data-distinct'));
    const video = await page.evaluate(() =>
      [...(window as unknown as { cutoutSizes: Set<string> }).cutoutSizes].join(', ') || 'none',
    );
    const decodes: Decode[] = await page.evaluate(() => (window as unknown as { cutoutDecodes: Decode[] }).cutoutDecodes);
    const hits = decodes.filter((d) => d.hit);
    const seconds = hits.length > 0 ? (hits[hits.length - 1].t - hits[0].t) / 1000 + 1 / rate : NaN;
    let sha256Equal = false;
    if (received) {
      await page.getByTestId('receive-passphrase').fill(passphrase);
      await page.getByTestId('receive-open').click();
      const link = page.getByTestId('received-file');
      await expect(link).toBeVisible({ timeout: 60_000 });
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      sha256Equal = sha256(readFileSync(await download.path())) === sha256(bytes);
    }
    const ms = decodes.map((d) => d.ms);
    return {
      received,
      distinct,
      video,
      seconds,
      decodes: decodes.length,
      hits: hits.length,
      decodeMedianMs: quantile(ms, 0.5),
      decodeP90Ms: quantile(ms, 0.9),
      sha256Equal,
    };
  } finally {
    await browser.close();
  }
}

/** Chooses `density` on the sender's page (sealing again unless it is the one shown); its K,
 * symbol size and rate. */
async function choose(sender: Page, density: string) {
  const code = sender.getByTestId('offline-qr');
  if ((await code.getAttribute('data-density')) !== density) {
    await sender.getByTestId('density').selectOption(density);
  }
  await expect(code).toHaveAttribute('data-density', density, { timeout: 60_000 });
  return {
    k: Number(await code.getAttribute('data-needed')),
    symbolSize: Number(await code.getAttribute('data-symbol-size')),
    rate: Number(await sender.getByTestId('rate').inputValue()),
  };
}

test('offline QR sequences through the fake camera', async () => {
  mkdirSync(workDir, { recursive: true });
  const relay = await startRelay('bench-offline');
  const bytes = payload(payloadBytes);
  // Twice the pixels of the page: the 1920×1080 frames are scaled down from the screenshot, not
  // up, as a camera sees a phone's sharp screen.
  const senderBrowser = await chromium.launch(launchOptions());
  const sender = await senderBrowser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2 });
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
  const blobLength = Number(await code.getAttribute('data-blob-length'));

  const densities = [];
  const runs = [];
  for (const density of DENSITIES) {
    const { k, symbolSize, rate } = await choose(sender, density);
    // Enough codes for 20 % loss and the codes a degraded clip spoils, with room to spare; the
    // clip loops if more are needed.
    const count = Math.ceil((k * 1.6) / 0.8) + 8;
    console.log(`${density}: K = ${k} codes of ${symbolSize} bytes at ${rate} a second; capturing ${count} codes`);
    // Left paused while the clips play: a page animating 30 codes a second would take CPU from
    // the receiver being measured.
    const { shots } = await captureScreenshots(sender, count);
    densities.push({ density, k, symbolSize, rate, captured: shots.length });
    for (const size of SIZES) {
      for (const look of LOOKS) {
        const frames = [];
        for (const [i, shot] of shots.entries()) {
          frames.push(await toFrame(sender, shot, { size, degraded: look === 'degraded' ? i : undefined }));
        }
        const blank = blankFrame(size);
        for (const loss of LOSSES) {
          // Every fifth code lost at 20 %: a blank frame where it was shown.
          const shown = frames.map((frame, i) => (loss > 0 && i % 5 === 4 ? blank : frame));
          const clip = join(workDir, `${density}-${size.height}p-${look}-loss${Math.round(loss * 100)}.y4m`);
          writeClip(clip, shown, 1, rate, size);
          const result = await receive(relay.url, clip, passphrase, bytes, rate);
          rmSync(clip);
          const run = {
            density,
            camera: `${size.width}×${size.height}`,
            look,
            rate,
            loss,
            k,
            symbolSize,
            framesShown: result.seconds * rate,
            intervalMs: 1000 / rate,
            payloadBytes,
            kbPerSecond: result.received ? payloadBytes / 1000 / result.seconds : 0,
            ...result,
          };
          console.log(JSON.stringify(run));
          runs.push(run);
        }
      }
    }
  }
  await senderBrowser.close();
  await relay.stop();
  writeFileSync(resultFile, JSON.stringify({ blobLength, payloadBytes, densities, runs }, null, 2));
});
