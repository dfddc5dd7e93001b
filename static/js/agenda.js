// Reordering the agenda: drag an item by its handle (mouse, pen or finger), or focus the
// handle and press the up and down arrow keys, or use the up and down buttons. Each move
// is saved at once; if the server refuses, the previous order comes back with the reason.
import { postJSON } from "./api.js";

function start() {
  const list = document.querySelector("[data-reorder-url]");
  if (!list) return;
  const status = document.querySelector("[data-reorder-status]");
  const errorBox = document.querySelector("[data-reorder-error]");

  const items = () => Array.from(list.querySelectorAll(":scope > [data-item-id]"));
  const order = () => items().map((li) => Number(li.dataset.itemId));

  function renumber() {
    items().forEach((li, index) => {
      const ordinal = li.querySelector("[data-ordinal]");
      if (ordinal) ordinal.textContent = String(index + 1);
    });
  }

  function announce(li) {
    if (!status) return;
    const all = items();
    status.textContent = (list.dataset.movedTemplate || "")
      .replace("{title}", li.dataset.title || "")
      .replace("{n}", String(all.indexOf(li) + 1))
      .replace("{total}", String(all.length));
  }

  function restore(previous) {
    const byId = new Map(items().map((li) => [Number(li.dataset.itemId), li]));
    previous.forEach((id) => list.appendChild(byId.get(id)));
    renumber();
  }

  async function save(previous, moved) {
    const now = order();
    if (now.join() === previous.join()) return;
    renumber();
    if (errorBox) errorBox.hidden = true;
    try {
      await postJSON(list.dataset.reorderUrl, { itemIds: now });
      if (moved) announce(moved);
    } catch (error) {
      restore(previous);
      if (errorBox) {
        errorBox.textContent = error.message;
        errorBox.hidden = false;
      }
    }
  }

  function step(li, direction) {
    const previous = order();
    if (direction < 0 && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
    } else if (direction > 0 && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
    }
    return save(previous, li);
  }

  list.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-move]") : null;
    if (!button) return;
    const li = button.closest("[data-item-id]");
    step(li, button.dataset.move === "up" ? -1 : 1).then(() => button.focus());
  });

  list.addEventListener("keydown", (event) => {
    const handle = event.target instanceof Element ? event.target.closest("[data-drag-handle]") : null;
    if (!handle || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    event.preventDefault();
    const li = handle.closest("[data-item-id]");
    step(li, event.key === "ArrowUp" ? -1 : 1).then(() => handle.focus());
  });

  // Dragging with pointer events works alike for a mouse and a finger on an iPad.
  let dragging = null;

  list.addEventListener("pointerdown", (event) => {
    const handle = event.target instanceof Element ? event.target.closest("[data-drag-handle]") : null;
    if (!handle) return;
    event.preventDefault();
    const li = handle.closest("[data-item-id]");
    dragging = { li, handle, previous: order(), pointer: event.pointerId };
    handle.setPointerCapture(event.pointerId);
    li.classList.add("is-dragging");
  });

  list.addEventListener("pointermove", (event) => {
    if (!dragging || event.pointerId !== dragging.pointer) return;
    const others = items().filter((li) => li !== dragging.li);
    const below = others.find((li) => {
      const box = li.getBoundingClientRect();
      return event.clientY < box.top + box.height / 2;
    });
    if (below) {
      if (below !== dragging.li.nextElementSibling) list.insertBefore(dragging.li, below);
    } else if (dragging.li !== list.lastElementChild) {
      list.appendChild(dragging.li);
    }
  });

  function drop(event) {
    if (!dragging || event.pointerId !== dragging.pointer) return;
    const { li, handle, previous } = dragging;
    dragging = null;
    li.classList.remove("is-dragging");
    if (handle.hasPointerCapture(event.pointerId)) handle.releasePointerCapture(event.pointerId);
    save(previous, li);
  }

  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);
}

start();
