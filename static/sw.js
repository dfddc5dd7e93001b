// e-Cabinet service worker: keeps the published packet on the tablet for reading without
// network, and only what the server's offline manifest lists. On every sync, whatever is
// cached but no longer listed is deleted: that is how documents are recalled after a
// meeting closes. A signed-out tablet (401 from the manifest) drops everything.
"use strict";

const PACKET = "ecabinet-packet-v1";
const STATIC = "ecabinet-static-v1";
const STATIC_FILES = [
  "/static/css/app.css", "/static/css/meetings.css", "/static/js/api.js",
  "/static/js/offline.js", "/static/js/viewer.js", "/static/js/outbox.js",
];
const PACKET_PATHS = [/^\/meetings(\/\d+)?$/, /^\/meetings\/\d+\/positions$/, /^\/versions\/\d+(\/comments)?$/,
  /^\/api\/versions\/\d+\/(file|pages\/\d+\.png)$/];
// Shown, in the reader's language, for a page the tablet does not keep when it is offline.
const OFFLINE_PAGE = "/offline";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(STATIC_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "sync") {
    event.waitUntil(sync(Number(event.data.width) || 1200, event.source));
  }
});

function absolute(path) {
  return new URL(path, self.location.origin).href;
}

function tell(client, message) {
  if (client) client.postMessage({ type: "offline", ...message });
}

async function sync(width, client) {
  let response;
  try {
    response = await fetch("/api/offline/manifest", { credentials: "same-origin", cache: "no-store" });
  } catch (error) {
    tell(client, { state: "offline" });
    return;
  }
  if (response.status === 401) {
    await caches.delete(PACKET);
    tell(client, { state: "cleared" });
    return;
  }
  if (!response.ok) return;
  const manifest = await response.json();
  const wanted = new Set(manifest.urls.map(absolute));
  if (manifest.urls.length) wanted.add(absolute("/meetings"));
  wanted.add(absolute(OFFLINE_PAGE));
  for (const doc of manifest.documents) {
    for (let n = 1; n <= doc.pages; n += 1) {
      wanted.add(absolute(doc.pageUrl.replace("{n}", String(n)) + "?w=" + width));
    }
  }
  const cache = await caches.open(PACKET);
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
  let kept = 0;
  for (const url of wanted) {
    if (await cache.match(url)) {
      kept += 1;
      continue;
    }
    try {
      const copy = await fetch(url, { credentials: "same-origin", headers: { "X-Ecabinet-Offline": "1" } });
      if (copy.status === 200) {
        await cache.put(url, copy);
        kept += 1;
      }
    } catch (error) {
      break; // the network went away: keep what we have, try again next time
    }
  }
  tell(client, { state: "ready", count: kept, total: wanted.size });
}

function isPacket(url) {
  return PACKET_PATHS.some((pattern) => pattern.test(url.pathname));
}

async function networkFirst(request) {
  const cache = await caches.open(PACKET);
  try {
    const response = await fetch(request);
    if (response.status === 401 || response.status === 403 || response.status === 404
        || (response.redirected && new URL(response.url).pathname === "/signin")) {
      await cache.delete(request.url); // refused now: recalled, or no longer signed in
    } else if (response.status === 200 && (await cache.match(request.url))) {
      await cache.put(request.url, response.clone()); // keep the offline copy current
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request.url);
    if (cached) return cached;
    throw error;
  }
}

async function page(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await (await caches.open(PACKET)).match(absolute(OFFLINE_PAGE));
    if (cached) return cached;
    throw error;
  }
}

async function staticFile(request) {
  const cache = await caches.open(STATIC);
  try {
    const response = await fetch(request);
    if (response.status === 200) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

async function signOut(request) {
  const response = await fetch(request);
  if (response.ok || response.redirected) await caches.delete(PACKET);
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if ((request.method === "POST" && url.pathname === "/signout")
      || (request.method === "DELETE" && url.pathname === "/api/session")) {
    event.respondWith(signOut(request));
    return;
  }
  if (request.method !== "GET" || request.headers.has("range")) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  } else if (isPacket(url)) {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

// Web Push (VAPID, aes128gcm): the browser decrypts; the payload is {title, body, url, tag}.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = { body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "e-Cabinet", {
    body: data.body || "", tag: data.tag || undefined, data: { url: data.url || "/notifications" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = absolute((event.notification.data && event.notification.data.url) || "/notifications");
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((windows) => {
    const open = windows.find((w) => w.url === target);
    return open ? open.focus() : self.clients.openWindow(target);
  }));
});
