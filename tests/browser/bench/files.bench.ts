// `cargo xtask bench files`: a 1 GiB file between two headless Chromium instances on loopback,
// through the app (encrypted) and, as the baseline in the same run, through the same relay
// without encryption (baseline.ts). Baseline and app alternate, each transfer between two fresh
// Chromium instances (profiles in new temporary directories, so Blobs may spill to disk as in a
// normal profile), driven over the DevTools protocol (cdp.ts). Writes a JSON file
// (CUTOUT_BENCH_RESULT) that the xtask renders into docs/BENCHMARKS.md.

import { test } from '@playwright/test';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { startRelay, type Relay } from '../harness';
import * as app from './app';
import * as baseline from './baseline';
import { Chromium, type Tab } from './cdp';
import { Sampler, Side, type ProcessFigures, type SideFigures } from './sampler';
import { sha256File, sourceFile } from './source';

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
const root = resolve(__dirname, '../../..');
const resultFile = process.env.CUTOUT_BENCH_RESULT ?? join(root, 'target/bench/files.json');
const sourcePath = process.env.CUTOUT_BENCH_FILE ?? join(root, 'target/bench/files-1GiB.bin');
const size = Number(process.env.CUTOUT_BENCH_BYTES ?? GiB);
const runs = Number(process.env.CUTOUT_BENCH_RUNS ?? 2);
const name = basename(sourcePath);
/** Longest a single transfer (or saving its result) may take. */
const TRANSFER_TIMEOUT_MS = 10 * 60_000;
/**
 * The relay's per-connection limits, raised so that they cap neither path: the defaults
 * (64 MiB/s, 2000 frames/s) would cap a fast baseline, and the ratio with it.
 */
const RELAY_ARGS = ['--rate-bytes', String(4 * GiB), '--rate-frames', '100000'];

interface Run {
  kind: 'baseline' | 'app';
  run: number;
  seconds: number;
  mibPerSecond: number;
  sha256: string;
  sha256Equal: boolean;
  sender: SideFigures;
  receiver: SideFigures;
  relay: ProcessFigures;
  harnessCpuSeconds: number;
  /** Errors the pages logged. */
  errors: string[];
}

interface Results {
  date: string;
  chromium: string;
  userAgent: string;
  file: { bytes: number; sha256: string; reused: boolean };
  relayArgs: string[];
  runs: Run[];
}

/** One way of moving the file: the app, or the baseline. */
interface Way {
  kind: Run['kind'];
  /** Puts both pages on the relay's origin, in one room. */
  prepare(sender: Tab, receiver: Tab, relay: Relay): Promise<void>;
  /** Offers the file (before the timed window). */
  offer(sender: Tab, receiver: Tab): Promise<void>;
  /** Starts the transfer: the timed window opens just before. */
  begin(sender: Tab, receiver: Tab): Promise<void>;
  /** Waits until the receiver holds the whole file; the seconds the receiving page measured. */
  finish(receiver: Tab): Promise<number>;
  /** The selector of the receiver's link to save the file. */
  save: string;
  /** Errors that are expected of this way's pages. */
  expected: RegExp | undefined;
}

const appWay: Way = {
  kind: 'app',
  async prepare(sender, receiver, relay) {
    await app.room(sender, receiver, relay);
    await app.watchCard(receiver, name);
  },
  offer: (sender, receiver) => app.offer(sender, receiver, sourcePath, name),
  begin: (_sender, receiver) => app.accept(receiver, name),
  async finish(receiver) {
    const timing = await app.finished(receiver, TRANSFER_TIMEOUT_MS);
    if (timing.state !== 'done') throw new Error(`the app's transfer ended ${timing.state}`);
    return (timing.end - timing.start) / 1000;
  },
  save: `${app.card(name)} [data-testid=file-save]`,
  expected: undefined,
};

function baselineWay(): Way {
  let to = 0;
  return {
    kind: 'baseline',
    async prepare(sender, receiver, relay) {
      await sender.goto(relay.url + '/healthz');
      await receiver.goto(relay.url + '/healthz');
      to = await baseline.joinBoth(sender, receiver);
      await baseline.startReceiving(receiver, size);
    },
    offer: (sender) => baseline.chooseFile(sender, sourcePath),
    begin: (sender) => baseline.startSending(sender, to),
    async finish(receiver) {
      const state = await baseline.finished(receiver, TRANSFER_TIMEOUT_MS);
      if (state.error) throw new Error(`the baseline transfer failed: ${state.error}`);
      return (state.end - state.start) / 1000;
    },
    save: '#bench-save',
    // /healthz has no icon: Chromium's request for /favicon.ico is a 404 it logs as an error.
    expected: /favicon\.ico/,
  };
}

function write(results: Results) {
  mkdirSync(dirname(resultFile), { recursive: true });
  writeFileSync(resultFile, JSON.stringify(results, null, 2) + '\n');
}

/** One transfer between two fresh Chromium instances, sampled from the offer until the download
 * is saved; CPU is counted in the timed window only. */
async function transfer(way: Way, run: number, relay: Relay, expected: string): Promise<Run> {
  const sender = await Chromium.launch(`${way.kind}-sender`);
  const receiver = await Chromium.launch(`${way.kind}-receiver`);
  let sampler: Sampler | undefined;
  try {
    const [senderTab, receiverTab] = [await sender.page(), await receiver.page()];
    await way.prepare(senderTab, receiverTab, relay);
    const sides = [await Side.attach(sender, senderTab), await Side.attach(receiver, receiverTab)];
    sampler = new Sampler(sides, relay.process.pid!);
    sampler.start();
    await way.offer(senderTab, receiverTab);
    sampler.openWindow();
    await way.begin(senderTab, receiverTab);
    const seconds = await way.finish(receiverTab);
    sampler.closeWindow();
    console.log(`${way.kind} run ${run}: received in ${seconds.toFixed(1)} s, saving`);
    const saved = await receiver.download(() => receiverTab.click(way.save), TRANSFER_TIMEOUT_MS);
    await sampler.stop();
    const sha256 = await sha256File(saved);
    rmSync(saved);
    const [senderFigures, receiverFigures] = sides.map((side) => side.figures());
    const result: Run = {
      kind: way.kind,
      run,
      seconds,
      mibPerSecond: size / MiB / seconds,
      sha256,
      sha256Equal: sha256 === expected,
      sender: senderFigures,
      receiver: receiverFigures,
      relay: sampler.relay(),
      harnessCpuSeconds: sampler.harnessCpuSeconds(),
      errors: [...senderTab.errors, ...receiverTab.errors].filter((e) => !way.expected?.test(e)),
    };
    const mib = (n: number) => n.toFixed(0);
    console.log(
      `${way.kind} run ${run}: ${result.mibPerSecond.toFixed(1)} MiB/s; ` +
        `renderer RSS ${mib(senderFigures.rendererPeakRssMiB)} / ${mib(receiverFigures.rendererPeakRssMiB)} MiB, ` +
        `JS heap ${mib(senderFigures.jsHeapPeakMiB)} / ${mib(receiverFigures.jsHeapPeakMiB)} MiB (sender / receiver); ` +
        `SHA-256 ${result.sha256Equal ? 'equal' : 'DIFFERENT'}` +
        (result.errors.length ? `; page errors: ${result.errors.join(' | ')}` : ''),
    );
    return result;
  } finally {
    await sampler?.stop();
    await sender.close();
    await receiver.close();
  }
}

test('a 1 GiB file: the app against the unencrypted baseline', async () => {
  test.setTimeout(0);
  const source = await sourceFile(sourcePath, size);
  console.log(`source: ${sourcePath} (${source.reused ? 'reused' : 'written'}), SHA-256 ${source.sha256}`);
  const relay = await startRelay('bench-files', RELAY_ARGS);
  try {
    const probe = await Chromium.launch('probe');
    const version = await probe.version().finally(() => probe.close());
    const results: Results = {
      date: new Date().toISOString().slice(0, 10),
      chromium: version.product,
      userAgent: version.userAgent,
      file: { bytes: size, sha256: source.sha256, reused: source.reused },
      relayArgs: RELAY_ARGS,
      runs: [],
    };
    for (let run = 1; run <= runs; run++) {
      for (const way of [baselineWay(), appWay]) {
        results.runs.push(await transfer(way, run, relay, source.sha256));
        write(results);
      }
    }
    console.log(`wrote ${resultFile}`);
  } finally {
    await relay.stop();
  }
});
