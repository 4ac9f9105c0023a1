// Chromium driven over the DevTools protocol directly (a pipe, no network), with nothing enabled
// but what the benchmark needs. Playwright is not used for the pages: it enables the Network
// domain on every page, and Chromium then reports each WebSocket frame to it with its payload in
// base64 (a 1 GiB transfer would copy 1.3 GB more through the renderer, the browser process and
// Node on each side), which would weigh on the very figures measured here.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { artifacts, chromiumArgs } from '../harness';

type Params = Record<string, unknown>;
// CDP results and events are JSON of many shapes; callers read the fields they asked for.
type Json = any;

interface Pending {
  resolve(value: Json): void;
  reject(error: Error): void;
  method: string;
}

/** A Chromium instance with a fresh profile in a temporary directory (deleted on close). */
export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: { method: string; sessionId?: string; handler(params: Json): void }[] = [];
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly profile: string,
    readonly downloads: string,
  ) {
    const input = child.stdio[4] as Readable;
    let buffer = Buffer.alloc(0);
    input.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (let end = buffer.indexOf(0); end >= 0; end = buffer.indexOf(0)) {
        this.dispatch(JSON.parse(buffer.subarray(0, end).toString('utf8')));
        buffer = buffer.subarray(end + 1);
      }
    });
    this.exited = new Promise((done) => child.once('exit', () => done()));
    void this.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new Error(`Chromium exited during ${p.method}`));
      this.pending.clear();
    });
  }

  /** Starts Chromium (`CUTOUT_CHROMIUM`, else Debian's) headless with the harness's flags. */
  static async launch(label: string): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), `cutout-bench-${label}-`));
    const downloads = join(profile, 'downloads');
    mkdirSync(downloads);
    const logDir = join(artifacts, 'logs');
    mkdirSync(logDir, { recursive: true });
    const child = spawn(
      process.env.CUTOUT_CHROMIUM ?? '/usr/bin/chromium',
      [...chromiumArgs, '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    child.stderr!.pipe(createWriteStream(join(logDir, `chromium-${label}.log`)));
    const chromium = new Chromium(child, profile, downloads);
    await chromium.send('Browser.setDownloadBehavior', {
      behavior: 'allowAndName',
      downloadPath: downloads,
      eventsEnabled: true,
    });
    return chromium;
  }

  /** Product ("HeadlessChrome/156.0.8078.79") and user agent. */
  version(): Promise<{ product: string; userAgent: string }> {
    return this.send('Browser.getVersion');
  }

  get pid(): number {
    return this.child.pid!;
  }

  private dispatch(message: Json) {
    if (message.id !== undefined) {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      if (message.error) p.reject(new Error(`${p.method}: ${message.error.message}`));
      else p.resolve(message.result);
      return;
    }
    for (const l of this.listeners) {
      if (l.method === message.method && l.sessionId === message.sessionId) l.handler(message.params);
    }
  }

  /** Sends a command to the browser, or to the target of `sessionId`. */
  send(method: string, params: Params = {}, sessionId?: string): Promise<Json> {
    const id = this.nextId++;
    const output = this.child.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      output.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    });
  }

  on(method: string, handler: (params: Json) => void, sessionId?: string): void {
    this.listeners.push({ method, sessionId, handler });
  }

  /** The page Chromium opened at start, attached. */
  async page(): Promise<Tab> {
    for (let tries = 0; tries < 100; tries++) {
      const { targetInfos } = await this.send('Target.getTargets');
      const page = (targetInfos as { type: string; targetId: string }[]).find((t) => t.type === 'page');
      if (page) {
        const { sessionId } = await this.send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
        const tab = new Tab(this, sessionId);
        await tab.init();
        return tab;
      }
      await sleep(100);
    }
    throw new Error('Chromium opened no page');
  }

  /** Waits for the download that `start` begins; returns its path. */
  async download(start: () => Promise<unknown>, timeoutMs: number): Promise<string> {
    let guid = '';
    const done = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the download did not finish in time')), timeoutMs);
      this.on('Browser.downloadWillBegin', (e) => (guid = e.guid));
      this.on('Browser.downloadProgress', (e) => {
        if (e.guid !== guid) return;
        if (e.state === 'completed') {
          clearTimeout(timer);
          resolve(join(this.downloads, guid));
        } else if (e.state === 'canceled') {
          clearTimeout(timer);
          reject(new Error(`the download was canceled after ${e.receivedBytes} bytes`));
        }
      });
    });
    await start();
    return done;
  }

  /** Closes the browser and deletes its profile. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await Promise.race([this.send('Browser.close').catch(() => undefined), sleep(5_000)]);
      await Promise.race([this.exited, sleep(10_000)]);
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** A page of a [`Chromium`]: evaluation, navigation, files, clicks, and the errors it logs. */
export class Tab {
  /** Console errors, uncaught exceptions and failed loads. */
  readonly errors: string[] = [];

  constructor(
    readonly browser: Chromium,
    readonly sessionId: string,
  ) {}

  async init(): Promise<void> {
    this.browser.on(
      'Runtime.consoleAPICalled',
      (e) => {
        if (e.type === 'error') {
          this.errors.push(`console.error: ${e.args.map((a: Json) => a.value ?? a.description).join(' ')}`);
        }
      },
      this.sessionId,
    );
    this.browser.on(
      'Runtime.exceptionThrown',
      (e) => this.errors.push(`uncaught: ${e.exceptionDetails.exception?.description ?? e.exceptionDetails.text}`),
      this.sessionId,
    );
    this.browser.on(
      'Log.entryAdded',
      (e) => {
        if (e.entry.level === 'error') this.errors.push(`${e.entry.source}: ${e.entry.text} (${e.entry.url ?? ''})`);
      },
      this.sessionId,
    );
    await this.send('Runtime.enable');
    await this.send('Log.enable');
  }

  send(method: string, params: Params = {}): Promise<Json> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Runs `fn(arg)` in the page (awaiting a returned promise) and returns its JSON result. */
  async evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', {
      expression: `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`,
      awaitPromise: true,
      returnByValue: true,
      userGesture: true,
    });
    if (exceptionDetails) {
      throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    }
    return result.value as R;
  }

  /** Polls `fn(arg)` every `pollMs` until it returns something truthy; returns that. */
  async waitFor<A, R>(fn: (arg: A) => R, arg: A, what: string, timeoutMs = 30_000, pollMs = 100): Promise<R> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.evaluate(fn, arg).catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(pollMs);
    }
  }

  /** Navigates and waits until the new document has loaded (the app may rewrite its URL). */
  async goto(url: string): Promise<void> {
    await this.evaluate(() => {
      (window as unknown as { benchLeft: boolean }).benchLeft = true;
    });
    const { errorText } = await this.send('Page.navigate', { url });
    if (errorText) throw new Error(`navigating to ${url}: ${errorText}`);
    await this.waitFor(
      () => !(window as unknown as { benchLeft?: boolean }).benchLeft && document.readyState === 'complete',
      undefined,
      `${url} to load`,
    );
  }

  /** Sets the files of the `<input type=file>` matching `selector`; Chromium fires its events. */
  async setFiles(selector: string, path: string): Promise<void> {
    const { result } = await this.send('Runtime.evaluate', {
      expression: `document.querySelector(${JSON.stringify(selector)})`,
    });
    if (!result.objectId) throw new Error(`no element matches ${selector}`);
    await this.send('DOM.setFileInputFiles', { files: [path], objectId: result.objectId });
  }

  /** Clicks the element matching `selector` (a DOM click, as a person's click dispatches). */
  async click(selector: string): Promise<void> {
    const found = await this.evaluate((s: string) => {
      const element = document.querySelector(s) as HTMLElement | null;
      element?.click();
      return element !== null;
    }, selector);
    if (!found) throw new Error(`no element matches ${selector}`);
  }

  /** Types `text` into the input matching `selector`, as typing does (an input event). */
  async fill(selector: string, text: string): Promise<void> {
    const found = await this.evaluate(
      ([s, t]: [string, string]) => {
        const input = document.querySelector(s) as HTMLInputElement | null;
        if (!input) return false;
        input.value = t;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        return true;
      },
      [selector, text] as [string, string],
    );
    if (!found) throw new Error(`no element matches ${selector}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

