// Benchmarks in the browser: `cargo xtask bench files` builds everything and runs this config.
// Not part of the test suite (playwright.config.ts one folder up matches *.spec.ts only).

import { defineConfig } from '@playwright/test';
import { join } from 'node:path';
import { artifacts, launchOptions } from '../harness';

export default defineConfig({
  testDir: '.',
  testMatch: '*.bench.ts',
  // Two cores: one benchmark at a time, nothing else in parallel.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  // Each transfer has its own 10-minute limit; the benchmark as a whole has none.
  timeout: 0,
  expect: { timeout: 30_000 },
  outputDir: join(artifacts, 'playwright-bench'),
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: launchOptions(),
  },
});
