// Turning QR codes shown by one browser into a clip another browser's fake camera plays: the
// test screenshots the code element, a page converts each screenshot to a 1280×720 4:2:0 frame
// (the code filling the height, on white), and the frames are written as Y4M.

import type { Page } from '@playwright/test';
import { expect } from './harness';
import { writeFileSync } from 'node:fs';

export const WIDTH = 1280;
export const HEIGHT = 720;

/** One 1280×720 frame in Y4M's planar 4:2:0 (Y, then U, then V). */
export type Frame = Buffer;

/** Converts a PNG screenshot into a clip frame, decoded and scaled by `page`'s browser. */
export async function toFrame(page: Page, png: Buffer): Promise<Frame> {
  const base64 = await page.evaluate(
    async ({ data, width, height }) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, width, height);
      const scale = (height - 40) / Math.max(bitmap.width, bitmap.height);
      const [w, h] = [bitmap.width * scale, bitmap.height * scale];
      ctx.drawImage(bitmap, (width - w) / 2, (height - h) / 2, w, h);
      const rgba = ctx.getImageData(0, 0, width, height).data;
      // Full-range BT.601, as C420jpeg declares.
      const out = new Uint8Array((width * height * 3) / 2);
      const uAt = width * height;
      const vAt = uAt + (width * height) / 4;
      for (let i = 0, p = 0; i < width * height; i++, p += 4) {
        out[i] = Math.round(0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2]);
      }
      for (let y = 0; y < height; y += 2) {
        for (let x = 0; x < width; x += 2) {
          const p = (y * width + x) * 4;
          const [r, g, b] = [rgba[p], rgba[p + 1], rgba[p + 2]];
          const c = (y / 2) * (width / 2) + x / 2;
          out[uAt + c] = Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
          out[vAt + c] = Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
        }
      }
      let text = '';
      for (let i = 0; i < out.length; i += 0x8000) {
        text += String.fromCharCode(...out.subarray(i, i + 0x8000));
      }
      return btoa(text);
    },
    { data: png.toString('base64'), width: WIDTH, height: HEIGHT },
  );
  return Buffer.from(base64, 'base64');
}

/**
 * Writes `frames` as a Y4M clip of `fps` frames a second, each frame held for `hold` video frames
 * (the default: ten codes a second). Chromium's fake camera plays it in a loop, from the start
 * each time a page opens the camera.
 */
export function writeClip(path: string, frames: Frame[], hold = 3, fps = 30): void {
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const marker = Buffer.from('FRAME\n');
  const parts: Buffer[] = [header];
  for (const frame of frames) {
    for (let i = 0; i < hold; i++) parts.push(marker, frame);
  }
  writeFileSync(path, Buffer.concat(parts));
}

/** A clip of the one code shown in `testid`. */
export async function captureCode(page: Page, testid: string): Promise<Frame> {
  return toFrame(page, await page.getByTestId(testid).screenshot());
}

/**
 * Pauses the animated sequence on `page` and steps it with its own "Next code", screenshotting
 * `count` successive frames (frame numbers checked), leaving out every frame whose number
 * `drop` picks. Returns the kept frames and how many the sequence says are needed.
 */
export async function captureSequence(
  page: Page,
  count: number,
  drop: (frame: number) => boolean = () => false,
): Promise<{ frames: Frame[]; needed: number; dropped: number }> {
  const code = page.getByTestId('offline-qr');
  const pause = page.getByTestId('pause');
  const needed = Number(await code.getAttribute('data-needed'));
  await expect(pause).toHaveAttribute('aria-pressed', 'false');
  await pause.click();
  let last = Number(await code.getAttribute('data-frame'));
  const frames: Frame[] = [];
  let dropped = 0;
  const next = page.getByTestId('next-code');
  for (let taken = 0; taken < count; taken++) {
    if (drop(last)) {
      dropped++;
    } else {
      frames.push(await toFrame(page, await code.screenshot()));
    }
    await next.click();
    await expect(code).toHaveAttribute('data-frame', String(last + 1));
    last += 1;
  }
  return { frames, needed, dropped };
}
