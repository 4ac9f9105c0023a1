// Browser tests: Debian's Chromium drives the real built app served by a real relay on 127.0.0.1.
// `cargo xtask test` builds everything, writes the fixtures and runs this suite.

import { defineConfig } from '@playwright/test';
import { join } from 'node:path';
import { artifacts, launchOptions } from './harness';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // Two cores: one browser at a time keeps timings sane.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: join(artifacts, 'playwright'),
  reporter: [['list'], ['json']],
  use: {
    browserName: 'chromium',
    launchOptions: launchOptions(),
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
