// `cargo xtask bench qr`, the wasm half: the app's own QR worker (dist/qr_worker_loader.js, the
// release build) decodes every synthetic frame once per pipeline option, in headless Chromium,
// the way the scanner feeds it (RGBA from a canvas, buffer transferred). The xtask writes the
// frames and a manifest, serves them with the app from a copy of dist/, and renders the report.

import { test } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { startRelay } from '../harness';

const manifestFile = process.env.CUTOUT_QR_MANIFEST!;
const resultFile = process.env.CUTOUT_QR_RESULT!;
/**
 * What to measure, `;`-separated: pipeline names, `step:NAME,NAME` for a list of steps, or
 * `frame:NAME,NAME` for steps run as on a live camera frame.
 */
const pipelines = (process.env.CUTOUT_QR_PIPELINES ?? 'rqrr;rxing;default;thorough').split(';');

interface Read {
  file: string;
  text: string | null;
  ms: number;
  panicked: boolean;
}

/** Runs in the page: one worker, every frame in turn; a worker that dies is replaced. */
async function decodeAll([pipeline, files]: [string, string[]]): Promise<Read[]> {
  const LIVE_FRAMES = 4;
  const start = () =>
    new Promise<Worker>((resolve, reject) => {
      const worker = new Worker('/qr_worker_loader.js');
      worker.onmessage = (e) => (e.data?.ready ? resolve(worker) : undefined);
      worker.onerror = () => reject(new Error('the worker did not start'));
    });
  let worker = await start();
  const canvas = new OffscreenCanvas(1, 1);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  const reads: Read[] = [];
  for (const [id, file] of files.entries()) {
    const bitmap = await createImageBitmap(await (await fetch(`/frames/${file}`)).blob());
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    context.drawImage(bitmap, 0, 0);
    // `live`: the frame shown to the camera for up to LIVE_FRAMES frames in a row, as the
    // scanner sends them; it counts as read if any of them reads, and its time is the slowest.
    const live = pipeline === 'live';
    const which = live
      ? { live: true }
      : pipeline.startsWith('step:')
        ? { steps: pipeline.slice(5) }
        : pipeline.startsWith('frame:')
          ? { steps: pipeline.slice(6), frame: true }
          : { pipeline };
    let read: Read = { file, text: null, ms: 0, panicked: false };
    for (let shown = 0; shown < (live ? LIVE_FRAMES : 1) && read.text === null && !read.panicked; shown++) {
      const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
      const answer = await new Promise<{ text: string | null; ms: number } | 'died'>((resolve) => {
        worker.onmessage = (e) => (e.data?.id === id ? resolve({ text: e.data.text ?? null, ms: e.data.ms }) : undefined);
        worker.onerror = (e) => {
          e.preventDefault();
          resolve('died');
        };
        worker.postMessage({ id, width: bitmap.width, height: bitmap.height, rgba, ...which }, [rgba.buffer]);
      });
      if (answer === 'died') {
        worker.terminate();
        worker = await start();
        read = { file, text: null, ms: read.ms, panicked: true };
      } else {
        read = { file, text: answer.text, ms: Math.max(read.ms, answer.ms), panicked: false };
      }
    }
    reads.push(read);
  }
  worker.terminate();
  return reads;
}

test('QR pipelines in wasm over the synthetic frames', async ({ page }) => {
  test.setTimeout(0);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { file: string }[];
  const relay = await startRelay('bench-qr');
  try {
    await page.goto(relay.url + '/healthz');
    const results: Record<string, Read[]> = {};
    for (const pipeline of pipelines) {
      const started = Date.now();
      results[pipeline] = await page.evaluate(decodeAll, [pipeline, manifest.map((f) => f.file)] as [string, string[]]);
      console.log(`${pipeline}: ${manifest.length} frames in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    writeFileSync(
      resultFile,
      JSON.stringify({ userAgent: await page.evaluate(() => navigator.userAgent), results }, null, 1) + '\n',
    );
  } finally {
    await relay.stop();
  }
});
