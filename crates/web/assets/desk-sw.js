// The desk page's service worker: keeps the page, its script and style, and the pose module
// in this browser's cache, so the desk companion opens and works offline after the first
// visit. Scoped to the desk: it answers only for the paths below and leaves every other
// request (and every page of the clinic app) to the network. The day's totals wait in the
// page's storage until the server can be reached (see desk.js `send`).
const CACHE = "tonus-desk-v1";
const OFFLINE = ["/desk", "/assets/desk.js", "/assets/tonus.css", "/wasm/pose.mjs", "/wasm/tonus_pose.wasm", "/desk.webmanifest", "/assets/desk-icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(OFFLINE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !OFFLINE.includes(url.pathname)) return;
  // Network first, so a new plan or module arrives when online; the cache when offline.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        // A navigation sent to the login page arrives as an opaque redirect; a fetch that
        // followed it, as a redirected response.
        const toLogin = response.redirected || response.type === "opaqueredirect";
        if (response.ok && !toLogin) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        } else if (toLogin) {
          // Nobody is logged in here now: the copy of the last client's page (their name and
          // plan) goes.
          caches.open(CACHE).then((cache) => cache.delete(event.request));
        }
        return response;
      })
      .catch(() => caches.match(event.request).then((hit) => hit || Response.error())),
  );
});
