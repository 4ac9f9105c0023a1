// Cutout's service worker: keeps the app for use with no relay (journey 7). It keeps every file
// of the build, as listed in app-files.txt (written by trunk's post-build hook, see Trunk.toml).
// Files whose names carry a content hash are served from the copy; the rest (index.html, the
// workers, this list) from the network when it answers within a few seconds, else from the copy.
// The relay's own endpoints (/ws, /relay-info, /healthz, /ca.crt) are never kept.
'use strict';

const CACHE = 'cutout-app';
const LIST = 'app-files.txt';
const NETWORK_WAIT_MS = 3000;
const NEVER_KEPT = ['/ws', '/relay-info', '/healthz', '/ca.crt'];

// Keeps every listed file and forgets files of older builds.
async function fill() {
  const response = await fetch(LIST, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${LIST}: ${response.status}`);
  const list = await response.clone().text();
  const names = list.split('\n').map((n) => n.trim()).filter((n) => n && n !== 'sw.js');
  const cache = await caches.open(CACHE);
  await cache.addAll(['./', ...names.filter((n) => n !== LIST)]);
  await cache.put(LIST, response);
  // As the cache's keys hold them: paths under the worker's scope, percent-encoded.
  const path = (n) => new URL(n, self.registration.scope).pathname;
  const wanted = new Set([path('./'), path(LIST), ...names.map(path)]);
  for (const request of await cache.keys()) {
    if (!wanted.has(new URL(request.url).pathname)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(fill().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('message', (event) => {
  if (event.data === 'refresh') event.waitUntil(fill().catch(() => {}));
});

// The relay's rule for immutable files (relay/src/headers.rs, is_hashed_asset): trunk's hash
// is a 64-bit number in hex without leading zeros.
function hashed(path) {
  return /-[0-9a-f]{12,16}(_bg)?\.[a-z0-9]+$/.test(path);
}

// Where a response is kept: pages under './' (their address may carry an invite's secret in
// its fragment, which must never be written down), files under their path alone.
function keyOf(request) {
  if (request.mode === 'navigate') return './';
  const url = new URL(request.url);
  return url.origin + url.pathname;
}

async function fromNetwork(request, cache) {
  const key = keyOf(request);
  const kept = await cache.match(key);
  const fetching = fetch(request).then((response) => {
    if (response.ok && response.type === 'basic') {
      // A full disk must not turn a good answer into a failure.
      cache.put(key, response.clone()).catch(() => {});
    }
    return response;
  });
  // With no copy kept, the network may take as long as it takes.
  if (!kept) return fetching;
  const slow = new Promise((resolve) => setTimeout(() => resolve(kept), NETWORK_WAIT_MS));
  return Promise.race([fetching.catch(() => kept), slow]);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (NEVER_KEPT.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      if (hashed(url.pathname)) {
        const kept = await cache.match(keyOf(request));
        if (kept) return kept;
      }
      return fromNetwork(request, cache);
    }),
  );
});
