// Registers the service worker that keeps the packet for offline reading, and asks it to
// bring its copy in line with the server on every page load (which is also when recalled
// documents leave the tablet). The status line says what the tablet holds.
const widths = [600, 900, 1200, 1600, 2000];

// The width of rendered pages for this screen; the viewer asks for the same one.
export function pageWidth() {
  const wanted = Math.min(window.innerWidth, 1100) * (window.devicePixelRatio || 1);
  return widths.find((w) => w >= wanted) || widths[widths.length - 1];
}

function start() {
  if (!("serviceWorker" in navigator)) return;
  const status = document.querySelector("[data-offline-status]");

  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type !== "offline" || !status) return;
    const template = status.dataset[data.state];
    if (!template) return;
    status.textContent = template.replace("{count}", String(data.count || 0));
    status.hidden = false;
    status.dataset.state = data.state;
  });

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      registration.active.postMessage({ type: "sync", width: pageWidth() });
    })
    .catch(() => {});
}

start();
