// The document viewer: pages rendered on the server as images, one at a time, with
// previous/next buttons, a page number field, the arrow keys, and a swipe on a tablet.
// The image width follows the screen, so an iPad gets sharp pages without waste.
import { pageWidth } from "./offline.js";

function start() {
  const viewer = document.querySelector("[data-viewer]");
  if (!viewer) return;
  const image = viewer.querySelector("[data-viewer-image]");
  const field = viewer.querySelector("[data-viewer-page]");
  const prev = viewer.querySelector("[data-viewer-prev]");
  const next = viewer.querySelector("[data-viewer-next]");
  const frame = viewer.querySelector("[data-viewer-frame]");
  const total = Number(viewer.dataset.pages);
  const width = pageWidth();
  let page = 1;

  const urlOf = (n) => viewer.dataset.pageUrl.replace("{n}", String(n)) + "?w=" + width;

  function show(n) {
    page = Math.min(Math.max(1, n), total);
    image.src = urlOf(page);
    image.alt = (image.dataset.altTemplate || "").replace("{n}", String(page));
    field.value = String(page);
    prev.disabled = page <= 1;
    next.disabled = page >= total;
    viewer.dataset.current = String(page);
    if (page < total) new Image().src = urlOf(page + 1); // the next page is ready on tap
  }

  prev.addEventListener("click", () => show(page - 1));
  next.addEventListener("click", () => show(page + 1));
  field.addEventListener("change", () => show(Number(field.value) || 1));
  frame.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft" || event.key === "PageUp") show(page - 1);
    else if (event.key === "ArrowRight" || event.key === "PageDown") show(page + 1);
    else return;
    event.preventDefault();
  });

  let start = null;
  frame.addEventListener("pointerdown", (event) => { start = { x: event.clientX, y: event.clientY }; });
  frame.addEventListener("pointerup", (event) => {
    if (!start) return;
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    start = null;
    if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) show(page + (dx < 0 ? 1 : -1));
  });

  show(1);
}

start();
