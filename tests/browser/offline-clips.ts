// Turning QR codes shown by one browser into a clip another browser's fake camera plays: the
// test screenshots the code element, a page converts each screenshot to a 4:2:0 frame (1280×720
// unless told; the code filling the height, on white), and the frames are written as Y4M.
//
// A degraded frame is what a hand-held phone makes of the screen instead: the code slightly in
// perspective and shaking from frame to frame, blurred, its blacks grey and its whites dim, the
// exposure drifting between frames, brighter in the middle, with sensor noise. Every frame's
// degradation follows from its index, so a clip is the same each run.

import type { Page } from '@playwright/test';
import { expect } from './harness';
import { closeSync, openSync, writeSync } from 'node:fs';

/** A camera frame size. */
export interface Size {
  width: number;
  height: number;
}

export const HD: Size = { width: 1280, height: 720 };
export const FULL_HD: Size = { width: 1920, height: 1080 };

/** One frame in Y4M's planar 4:2:0 (Y, then U, then V). */
export type Frame = Buffer;

/** How a screenshot becomes a frame. */
export interface Look {
  /** The frame size (1280×720 unless told). */
  size?: Size;
  /** Degrade it as a hand-held camera would, seeded by this frame index. */
  degraded?: number;
}

/** A blank frame of `size`: the screen between two codes. */
export function blankFrame(size: Size = HD): Frame {
  const luma = size.width * size.height;
  const frame = Buffer.alloc((luma * 3) / 2, 128);
  frame.fill(255, 0, luma);
  return frame;
}

/** Converts a PNG screenshot into a clip frame, decoded and scaled by `page`'s browser. */
export async function toFrame(page: Page, png: Buffer, look: Look = {}): Promise<Frame> {
  const { width, height } = look.size ?? HD;
  const base64 = await page.evaluate(
    async ({ data, width, height, seed }) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const out = new Uint8Array((width * height * 3) / 2);
      const uAt = width * height;
      const vAt = uAt + (width * height) / 4;
      const side = height - 40;
      const scale = side / Math.max(bitmap.width, bitmap.height);
      const [w, h] = [bitmap.width * scale, bitmap.height * scale];
      if (seed === null) {
        const canvas = new OffscreenCanvas(width, height);
        const ctx = canvas.getContext('2d')!;
        ctx.imageSmoothingQuality = 'high';
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(0, 0, width, height);
        ctx.drawImage(bitmap, (width - w) / 2, (height - h) / 2, w, h);
        const rgba = ctx.getImageData(0, 0, width, height).data;
        // Full-range BT.601, as C420jpeg declares.
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
      } else {
        // mulberry32: a small seeded generator, so a clip is the same on every run.
        let state = (seed * 0x9e3779b9 + 0x6d2b79f5) >>> 0;
        const random = () => {
          state = (state + 0x6d2b79f5) >>> 0;
          let t = state;
          t = Math.imul(t ^ (t >>> 15), t | 1);
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
          return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
        const around = (spread: number) => (random() * 2 - 1) * spread;
        // The code as the screen shows it, in grey, on a side × side square.
        const source = new OffscreenCanvas(Math.round(w), Math.round(h));
        const sctx = source.getContext('2d')!;
        sctx.imageSmoothingQuality = 'high';
        sctx.drawImage(bitmap, 0, 0, source.width, source.height);
        const srgba = sctx.getImageData(0, 0, source.width, source.height).data;
        const grey = new Float32Array(source.width * source.height);
        for (let i = 0, p = 0; i < grey.length; i++, p += 4) {
          grey[i] = 0.299 * srgba[p] + 0.587 * srgba[p + 1] + 0.114 * srgba[p + 2];
        }
        // Where the square's corners land: the phone tilted a little to one side (the left edge
        // 8 % taller than the right), turned by up to 2°, the whole moved by up to 2 % of the
        // side and each corner by up to 1 % more (a hand shaking from frame to frame).
        const [cx, cy] = [width / 2 + around(side * 0.02), height / 2 + around(side * 0.02)];
        const turn = (around(2) * Math.PI) / 180;
        const corners = [
          [-0.5, -0.52],
          [0.5, -0.48],
          [0.5, 0.48],
          [-0.5, 0.52],
        ].map(([x, y]) => {
          const [sx, sy] = [x * w + around(side * 0.01), y * h + around(side * 0.01)];
          return [cx + sx * Math.cos(turn) - sy * Math.sin(turn), cy + sx * Math.sin(turn) + sy * Math.cos(turn)];
        });
        // The unit square onto those corners (Heckbert's projective mapping), then inverted.
        const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = corners;
        const [dx1, dx2, dx3] = [x1 - x2, x3 - x2, x0 - x1 + x2 - x3];
        const [dy1, dy2, dy3] = [y1 - y2, y3 - y2, y0 - y1 + y2 - y3];
        const den = dx1 * dy2 - dx2 * dy1;
        const g = (dx3 * dy2 - dx2 * dy3) / den;
        const hh = (dx1 * dy3 - dx3 * dy1) / den;
        const m = [x1 - x0 + g * x1, x3 - x0 + hh * x3, x0, y1 - y0 + g * y1, y3 - y0 + hh * y3, y0, g, hh, 1];
        const inv = [
          m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
          m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
          m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3],
        ];
        const plane = new Float32Array(width * height);
        const [sw, sh] = [source.width, source.height];
        const surround = 235;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const q = inv[6] * x + inv[7] * y + inv[8];
            const u = ((inv[0] * x + inv[1] * y + inv[2]) / q) * sw - 0.5;
            const v = ((inv[3] * x + inv[4] * y + inv[5]) / q) * sh - 0.5;
            let value = surround;
            if (u >= 0 && v >= 0 && u < sw - 1 && v < sh - 1) {
              const [ui, vi] = [Math.floor(u), Math.floor(v)];
              const [fu, fv] = [u - ui, v - vi];
              const at = vi * sw + ui;
              value =
                (grey[at] * (1 - fu) + grey[at + 1] * fu) * (1 - fv) +
                (grey[at + sw] * (1 - fu) + grey[at + sw + 1] * fu) * fv;
            }
            plane[y * width + x] = value;
          }
        }
        // Out of focus: a [1 2 1] kernel both ways, twice at 720p (σ ≈ 1 px), three times at
        // 1080p.
        const passes = height >= 1080 ? 3 : 2;
        const tmp = new Float32Array(plane.length);
        for (let pass = 0; pass < passes; pass++) {
          // The frame's edges are repeated outward.
          for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) {
              const i = y * width + x;
              const [left, right] = [x > 0 ? i - 1 : i, x < width - 1 ? i + 1 : i];
              tmp[i] = (plane[left] + 2 * plane[i] + plane[right]) / 4;
            }
          }
          for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) {
              const i = y * width + x;
              const [up, down] = [y > 0 ? i - width : i, y < height - 1 ? i + width : i];
              plane[i] = (tmp[up] + 2 * tmp[i] + tmp[down]) / 4;
            }
          }
        }
        // Exposure: blacks at 25–55, whites at 185–235, drifting from frame to frame; brighter in
        // the middle (15 % less in the corners); noise of σ ≈ 5.
        const black = 25 + random() * 30;
        const white = 185 + random() * 50;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const i = y * width + x;
            const [rx, ry] = [(x - width / 2) / (width / 2), (y - height / 2) / (height / 2)];
            const light = 1 - 0.075 * (rx * rx + ry * ry);
            const noise = (random() + random() + random() - 1.5) * 10;
            const value = (black + ((white - black) * plane[i]) / 255) * light + noise;
            out[i] = Math.max(0, Math.min(255, Math.round(value)));
          }
        }
        out.fill(128, uAt);
      }
      let text = '';
      for (let i = 0; i < out.length; i += 0x8000) {
        text += String.fromCharCode(...out.subarray(i, i + 0x8000));
      }
      return btoa(text);
    },
    { data: png.toString('base64'), width, height, seed: look.degraded ?? null },
  );
  return Buffer.from(base64, 'base64');
}

/**
 * Writes `frames` as a Y4M clip of `fps` frames a second, each frame held for `hold` video frames
 * (the default: ten codes a second). Chromium's fake camera plays it in a loop, from the start
 * each time a page opens the camera.
 */
export function writeClip(path: string, frames: Frame[], hold = 3, fps = 30, size: Size = HD): void {
  const file = openSync(path, 'w');
  try {
    writeSync(file, `YUV4MPEG2 W${size.width} H${size.height} F${fps}:1 Ip A1:1 C420jpeg\n`);
    for (const frame of frames) {
      for (let i = 0; i < hold; i++) {
        writeSync(file, 'FRAME\n');
        writeSync(file, frame);
      }
    }
  } finally {
    closeSync(file);
  }
}

/** A clip of the one code shown in `testid`. */
export async function captureCode(page: Page, testid: string): Promise<Frame> {
  return toFrame(page, await page.getByTestId(testid).screenshot());
}

/**
 * Pauses the animated sequence on `page` (if it plays) and steps it with its own "Next code",
 * screenshotting `count` successive codes (frame numbers checked), leaving out every code whose
 * number `drop` picks. Returns the PNGs kept and how many codes the sequence says are needed.
 */
export async function captureScreenshots(
  page: Page,
  count: number,
  drop: (frame: number) => boolean = () => false,
): Promise<{ shots: Buffer[]; needed: number; dropped: number }> {
  const code = page.getByTestId('offline-qr');
  const pause = page.getByTestId('pause');
  const needed = Number(await code.getAttribute('data-needed'));
  if ((await pause.getAttribute('aria-pressed')) === 'false') {
    await pause.click();
  }
  await expect(pause).toHaveAttribute('aria-pressed', 'true');
  let last = Number(await code.getAttribute('data-frame'));
  const shots: Buffer[] = [];
  let dropped = 0;
  const next = page.getByTestId('next-code');
  for (let taken = 0; taken < count; taken++) {
    if (drop(last)) {
      dropped++;
    } else {
      shots.push(await code.screenshot());
    }
    await next.click();
    await expect(code).toHaveAttribute('data-frame', String(last + 1));
    last += 1;
  }
  return { shots, needed, dropped };
}

/** [`captureScreenshots`], each made a 1280×720 frame. */
export async function captureSequence(
  page: Page,
  count: number,
  drop: (frame: number) => boolean = () => false,
): Promise<{ frames: Frame[]; needed: number; dropped: number }> {
  const { shots, needed, dropped } = await captureScreenshots(page, count, drop);
  const frames: Frame[] = [];
  for (const shot of shots) {
    frames.push(await toFrame(page, shot));
  }
  return { frames, needed, dropped };
}
