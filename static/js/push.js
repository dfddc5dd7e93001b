// Subscribe this browser to Web Push with the server's VAPID key; the service worker
// (/sw.js) shows each push. Strings come from the page (data attributes), so they are
// translated there.
import { postJSON } from "./api.js";
import { fromBase64url } from "./webauthn.js";

function start() {
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

  async function subscribe() {
    button.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== "granted") { say("denied"); return; }
      const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" })
        .then(() => navigator.serviceWorker.ready);
      const key = await (await fetch("/api/push/key", { credentials: "same-origin" })).json();
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: fromBase64url(key.publicKey),
      });
      await postJSON("/api/me/push-subscriptions", subscription.toJSON());
      say("done");
    } catch (error) {
      say("failed");
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", subscribe);
}

start();
