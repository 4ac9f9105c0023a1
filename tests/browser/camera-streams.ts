// Recording the camera streams a page opens, to check afterwards which camera each used and
// whether its tracks were stopped.

import type { Page } from '@playwright/test';

/** Before the page loads: keep every stream `getUserMedia` gives it. */
export async function recordCameraStreams(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const streams: MediaStream[] = [];
    (window as unknown as { cutoutStreams: MediaStream[] }).cutoutStreams = streams;
    const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await open(constraints);
      streams.push(stream);
      return stream;
    };
  });
}

/** Each recorded stream's video device and track state (`live` or `ended`), in order. */
export function cameraStreams(page: Page): Promise<{ device: string | undefined; state: string }[]> {
  return page.evaluate(() =>
    (window as unknown as { cutoutStreams: MediaStream[] }).cutoutStreams.map((s) => {
      const track = s.getVideoTracks()[0];
      return { device: track.getSettings().deviceId, state: track.readyState };
    }),
  );
}
