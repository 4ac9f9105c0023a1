// Shared fixtures of the browser tests: a real relay on 127.0.0.1 (port 0) serving the built app,
// Debian's Chromium with flags that work headless here, and a check that no page logs an error.

import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(__dirname, '../..');

/** Where screenshots and logs go (not committed). */
export const artifacts = process.env.CUTOUT_ARTIFACTS ?? join(root, 'target/test-artifacts');
/** Fixtures written by `cargo xtask fixtures DIR` (the test command does this). */
export const fixtures = process.env.CUTOUT_FIXTURES ?? join(artifacts, 'fixtures');

const relayBin = process.env.CUTOUT_RELAY_BIN ?? join(root, 'target/debug/relay');
const dist = process.env.CUTOUT_DIST ?? join(root, 'dist');

/**
 * Flags that keep headless Chromium quiet on a closed network: without the background-networking
 * ones it floods the machine with refused connections.
 */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launch options for Debian's Chromium, with extra flags (for example a fake camera). */
export function launchOptions(extraArgs: string[] = []) {
  return {
    executablePath: process.env.CUTOUT_CHROMIUM ?? '/usr/bin/chromium',
    args: [...chromiumArgs, ...extraArgs],
  };
}

/** Chromium flags for a fake camera that plays `clip` (a Y4M file) and grants permission. */
export function fakeCamera(clip: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${clip}`,
  ];
}

/** A relay process started for a test, listening on 127.0.0.1. */
export interface Relay {
  /** Origin of the relay, e.g. http://127.0.0.1:41234 */
  url: string;
  /** HTTPS origin, when started with `https: true`. */
  httpsUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the relay binary on 127.0.0.1 (port 0 unless `port` is given, e.g. to restart a relay
 * where clients expect it) and waits for its `listening http ADDR` line. Its data directory is
 * a new one unless `dataDir` is given (to restart it with the TLS material it made).
 */
export async function startRelay(
  name: string,
  extraArgs: string[] = [],
  port = 0,
  https = false,
  dataDir = mkdtempSync(join(tmpdir(), 'cutout-relay-')),
): Promise<Relay> {
  const logDir = join(artifacts, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `relay-${name}.log`));
  const child = spawn(
    relayBin,
    [
      '--http',
      `127.0.0.1:${port}`,
      '--https',
      https ? '127.0.0.1:0' : 'off',
      '--dist',
      dist,
      '--data-dir',
      dataDir,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Both of the relay's streams go to one log, closed once the process and its streams are: a
  // stdout line read after stderr ended must not write to a closed file.
  child.stderr!.pipe(log, { end: false });
  child.once('close', () => log.end());
  let httpsUrl: string | undefined;
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('relay did not report its address within 30 s')), 30_000);
    const lines = createInterface({ input: child.stdout! });
    let httpUrl: string | undefined;
    lines.on('line', (line) => {
      if (!log.writableEnded) log.write(line + '\n');
      const match = /^listening (https?) (\S+)$/.exec(line);
      if (match?.[1] === 'http') httpUrl = `http://${match[2]}`;
      if (match?.[1] === 'https') httpsUrl = `https://${match[2]}`;
      // The http line comes first; the https line follows at once when HTTPS is on.
      if (httpUrl && (!https || httpsUrl)) {
        clearTimeout(timer);
        resolveUrl(httpUrl);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited early with code ${code}`));
    });
  });
  return {
    url,
    httpsUrl,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timeout = new Promise((done) => setTimeout(done, 5_000));
      if ((await Promise.race([exited.then(() => 'exited'), timeout])) !== 'exited') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Collects console errors and uncaught exceptions of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  return errors;
}

interface Fixtures {
  /** Every error the page logged; checked to be empty after each test. */
  pageErrors: string[];
}

interface WorkerFixtures {
  relay: Relay;
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  relay: [
    async ({}, use, workerInfo) => {
      const relay = await startRelay(`worker${workerInfo.workerIndex}`);
      await use(relay);
      await relay.stop();
    },
    { scope: 'worker' },
  ],
  pageErrors: [
    async ({ page }, use) => {
      const errors = watchErrors(page);
      await use(errors);
      expect(errors, 'the page logged errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Reads a fixture file written by the test command. */
export function fixture(name: string): string {
  return readFileSync(join(fixtures, name), 'utf8');
}
