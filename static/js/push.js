// Subscribe this browser to Web Push with the server's VAPID key; the service worker
// (/sw.js) shows each push. Strings come from the page (data attributes), so they are
// translated there.
"use strict";

(() => {
  const panel = document.querySelector("[data-push]");
  if (!panel) return;
  const status = panel.querySelector("[data-push-status]");
  const button = panel.querySelector("[data-push-subscribe]");
  const say = (key) => { status.textContent = panel.dataset[key] || ""; };
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.hidden = true;
    say("unsupported");
    return;
  }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  async function subscribe() {
    button.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== "granted") { say("denied"); return; }
      const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" })
        .then(() => navigator.serviceWorker.ready);
      const key = await (await fetch("/api/push/key", { credentials: "same-origin" })).json();
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(key.publicKey),
      });
      const response = await fetch("/api/me/push-subscriptions", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(subscription.toJSON()),
      });
      say(response.ok ? "done" : "failed");
    } catch (error) {
      say("failed");
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", subscribe);
})();
