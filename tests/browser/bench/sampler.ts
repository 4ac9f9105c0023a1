// What a transfer costs: each Chromium instance's processes (found through CDP
// `SystemInfo.getProcessInfo` on the browser target), their resident memory sampled from
// /proc/PID/status every 100 ms, their CPU time from /proc/PID/stat, the page's JS heap through
// CDP `Runtime.getHeapUsage`, and the same for the relay and this harness.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Chromium, Tab } from './cdp';

/** Resident memory is read this often. */
const RSS_EVERY_MS = 100;
/** The JS heap is read this often (each read is a round trip to the page's main thread). */
const HEAP_EVERY_MS = 500;
/** The process list of each instance is refreshed this often. */
const PROCESSES_EVERY_MS = 1000;

const MiB = 1024 * 1024;

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** VmRSS of `pid` in bytes, or undefined once it has gone. */
function rss(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of `pid` in seconds, or undefined once it has gone. */
function cpu(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: the third
    // field (state) comes first, so utime (14) and stime (15) are at 11 and 12.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** Short names for Chromium's process types. */
function kind(type: string): string {
  if (type === 'browser' || type === 'renderer') return type;
  if (type === 'GPU') return 'gpu';
  if (type.includes('NetworkService')) return 'network';
  return 'other';
}

/** One watched process. */
interface Watched {
  pid: number;
  kind: string;
  peakRss: number;
  /** CPU seconds when the window opened (0 for a process first seen inside it). */
  cpuStart?: number;
  cpuLast?: number;
}

/** Peak memory and CPU of one side (a Chromium instance and its page). */
export interface SideFigures {
  /** Largest peak RSS among the instance's renderer processes, MiB. */
  rendererPeakRssMiB: number;
  /** Renderer processes the instance had. */
  renderers: number;
  /** Peak RSS of the browser process (which holds Blob data), MiB. */
  browserPeakRssMiB: number;
  /** Peak of `Runtime.getHeapUsage().usedSize` of the page, MiB. */
  jsHeapPeakMiB: number;
  /** Peak of `Runtime.getHeapUsage().embedderHeapUsedSize` (Blink's heap), MiB. */
  embedderHeapPeakMiB: number;
  /** JS heap samples taken. */
  heapSamples: number;
  /** CPU seconds in the timed window, by process kind (renderer, browser, network, gpu, other). */
  cpuSeconds: Record<string, number>;
}

/** A Chromium instance (persistent context) with the page under test. */
export class Side {
  private readonly watched = new Map<number, Watched>();
  private heapPeak = 0;
  private embedderPeak = 0;
  private heapSamples = 0;
  private heapBusy = false;
  private processesBusy = false;

  private constructor(
    private readonly browser: Chromium,
    private readonly tab: Tab,
  ) {}

  static async attach(browser: Chromium, tab: Tab): Promise<Side> {
    const side = new Side(browser, tab);
    await side.refreshProcesses();
    return side;
  }

  /** Asks Chromium for its processes and watches the new ones. */
  async refreshProcesses(): Promise<void> {
    if (this.processesBusy) return;
    this.processesBusy = true;
    try {
      const info = (await this.browser.send('SystemInfo.getProcessInfo')) as {
        processInfo: { type: string; id: number }[];
      };
      for (const p of info.processInfo) {
        if (!this.watched.has(p.id)) this.watched.set(p.id, { pid: p.id, kind: kind(p.type), peakRss: 0 });
      }
    } catch {
      // The instance is closing; the last list stands.
    } finally {
      this.processesBusy = false;
    }
  }

  sampleRss(): void {
    for (const w of this.watched.values()) {
      const bytes = rss(w.pid);
      if (bytes !== undefined) w.peakRss = Math.max(w.peakRss, bytes);
    }
  }

  async sampleHeap(): Promise<void> {
    if (this.heapBusy) return;
    this.heapBusy = true;
    try {
      const usage = (await this.tab.send('Runtime.getHeapUsage')) as {
        usedSize: number;
        embedderHeapUsedSize?: number;
      };
      this.heapPeak = Math.max(this.heapPeak, usage.usedSize);
      this.embedderPeak = Math.max(this.embedderPeak, usage.embedderHeapUsedSize ?? 0);
      this.heapSamples += 1;
    } catch {
      // The page is navigating or closing.
    } finally {
      this.heapBusy = false;
    }
  }

  /** Reads every watched process's CPU time; the first read inside a window is its start. */
  sampleCpu(windowOpen: boolean): void {
    for (const w of this.watched.values()) {
      const seconds = cpu(w.pid);
      if (seconds === undefined) continue;
      if (windowOpen && w.cpuStart === undefined) w.cpuStart = 0;
      w.cpuLast = seconds;
    }
  }

  openWindow(): void {
    for (const w of this.watched.values()) {
      w.cpuStart = cpu(w.pid);
      w.cpuLast = w.cpuStart;
    }
  }

  figures(): SideFigures {
    const all = [...this.watched.values()];
    const renderers = all.filter((w) => w.kind === 'renderer');
    const cpuSeconds: Record<string, number> = {};
    for (const w of all) {
      if (w.cpuLast === undefined) continue;
      cpuSeconds[w.kind] = (cpuSeconds[w.kind] ?? 0) + (w.cpuLast - (w.cpuStart ?? w.cpuLast));
    }
    return {
      rendererPeakRssMiB: Math.max(0, ...renderers.map((w) => w.peakRss)) / MiB,
      renderers: renderers.length,
      browserPeakRssMiB: Math.max(0, ...all.filter((w) => w.kind === 'browser').map((w) => w.peakRss)) / MiB,
      jsHeapPeakMiB: this.heapPeak / MiB,
      embedderHeapPeakMiB: this.embedderPeak / MiB,
      heapSamples: this.heapSamples,
      cpuSeconds,
    };
  }
}

/** Figures of a process outside Chromium (the relay). */
export interface ProcessFigures {
  peakRssMiB: number;
  cpuSeconds: number;
}

/**
 * Samples both sides and the relay until stopped. Memory peaks cover everything from `start` to
 * `stop`; CPU seconds cover only the window between `openWindow` and `closeWindow`.
 */
export class Sampler {
  private timers: NodeJS.Timeout[] = [];
  private relayPeak = 0;
  private relayCpuStart = 0;
  private relayCpuEnd = 0;
  private harnessStart: NodeJS.CpuUsage = process.cpuUsage();
  private harnessSeconds = 0;
  private windowOpen = false;
  private stopped = false;

  constructor(
    private readonly sides: Side[],
    private readonly relayPid: number,
  ) {}

  start(): void {
    const rssTick = () => {
      for (const side of this.sides) {
        side.sampleRss();
        if (this.windowOpen) side.sampleCpu(true);
      }
      this.relayPeak = Math.max(this.relayPeak, rss(this.relayPid) ?? 0);
    };
    rssTick();
    this.timers.push(setInterval(rssTick, RSS_EVERY_MS));
    this.timers.push(
      setInterval(() => {
        for (const side of this.sides) void side.sampleHeap();
      }, HEAP_EVERY_MS),
    );
    this.timers.push(
      setInterval(() => {
        for (const side of this.sides) void side.refreshProcesses();
      }, PROCESSES_EVERY_MS),
    );
  }

  openWindow(): void {
    for (const side of this.sides) side.openWindow();
    this.relayCpuStart = cpu(this.relayPid) ?? 0;
    this.harnessStart = process.cpuUsage();
    this.windowOpen = true;
  }

  closeWindow(): void {
    this.windowOpen = false;
    for (const side of this.sides) side.sampleCpu(false);
    this.relayCpuEnd = cpu(this.relayPid) ?? this.relayCpuStart;
    const used = process.cpuUsage(this.harnessStart);
    this.harnessSeconds = (used.user + used.system) / 1e6;
  }

  /** Takes a last sample of every side and stops. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    for (const side of this.sides) {
      side.sampleRss();
      await side.sampleHeap();
    }
  }

  relay(): ProcessFigures {
    return { peakRssMiB: this.relayPeak / MiB, cpuSeconds: this.relayCpuEnd - this.relayCpuStart };
  }

  /** CPU seconds of this Node process (Playwright and the sampling) in the window. */
  harnessCpuSeconds(): number {
    return this.harnessSeconds;
  }
}
