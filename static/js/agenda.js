// Reordering the agenda: drag an item by its handle (mouse, pen or finger), or focus the
// handle and press the up and down arrow keys, or use the up and down buttons. Each move
// is saved at once, one save at a time: moves made while a save is on its way go together
// in the next one, with the latest order. Each save names the order it was made from, so
// the server refuses it when another tablet changed the agenda meanwhile; after any refusal
// or lost answer the page shows the order the server has, and says what happened.
import { answerLost, postJSON, requestJSON } from "./api.js";

function start() {
  const list = document.querySelector("[data-reorder-url]");
  if (!list) return;
  const status = document.querySelector("[data-reorder-status]");
  const errorBox = document.querySelector("[data-reorder-error]");
  const meetingUrl = list.dataset.reorderUrl.replace(/\/agenda\/order$/, "");

  const items = () => Array.from(list.querySelectorAll(":scope > [data-item-id]"));
  const order = () => items().map((li) => Number(li.dataset.itemId));
  const same = (a, b) => a.join() === b.join();

  // The order the server has, as far as this page knows; every save is made from it.
  let saved = order();
  let saving = false;
  let dragging = null;
  let lastMoved = null;

  function renumber() {
    items().forEach((li, index) => {
      const ordinal = li.querySelector("[data-ordinal]");
      if (ordinal) ordinal.textContent = String(index + 1);
    });
  }

  function announce(li) {
    if (!status || !li.isConnected) return;
    const all = items();
    status.textContent = (list.dataset.movedTemplate || "")
      .replace("{title}", li.dataset.title || "")
      .replace("{n}", String(all.indexOf(li) + 1))
      .replace("{total}", String(all.length));
  }

  function tell(...sentences) {
    if (!errorBox) return;
    errorBox.textContent = sentences.filter(Boolean).join(" ");
    errorBox.hidden = false;
  }

  function endDrag() {
    if (!dragging) return;
    dragging.li.classList.remove("is-dragging");
    dragging = null;
  }

  // Shows the order stored on the server; false when it cannot (no answer, or items were
  // added or removed elsewhere, which only a reload shows).
  async function showStored() {
    let stored;
    try {
      const meeting = await requestJSON(meetingUrl, { method: "GET" });
      stored = meeting.items.map((item) => item.id);
    } catch {
      return false;
    }
    const byId = new Map(items().map((li) => [Number(li.dataset.itemId), li]));
    if (stored.length !== byId.size || !stored.every((id) => byId.has(id))) return false;
    endDrag();
    stored.forEach((id) => list.appendChild(byId.get(id)));
    renumber();
    saved = stored;
    return true;
  }

  async function refused(error) {
    const reason = answerLost(error) ? errorBox && errorBox.dataset.answerLost : error.message;
    const shown = await showStored();
    const after = errorBox && (shown ? errorBox.dataset.savedShown : errorBox.dataset.notShown);
    tell(reason, after);
  }

  // Sends the latest order until the server has it; a save already on its way picks up
  // the moves made meanwhile when it is answered.
  async function save(moved) {
    renumber();
    lastMoved = moved;
    if (saving) return;
    saving = true;
    list.setAttribute("aria-busy", "true");
    try {
      while (!dragging && !same(order(), saved)) {
        if (errorBox) errorBox.hidden = true;
        const wanted = order();
        try {
          const answer = await postJSON(list.dataset.reorderUrl, { itemIds: wanted, basedOn: saved });
          saved = answer.itemIds;
        } catch (error) {
          await refused(error);
          return;
        }
      }
      if (lastMoved && same(order(), saved)) announce(lastMoved);
    } finally {
      saving = false;
      list.removeAttribute("aria-busy");
    }
  }

  function step(li, direction) {
    if (direction < 0 && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
    } else if (direction > 0 && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
    }
    return save(li);
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
  list.addEventListener("pointerdown", (event) => {
    const handle = event.target instanceof Element ? event.target.closest("[data-drag-handle]") : null;
    if (!handle) return;
    event.preventDefault();
    const li = handle.closest("[data-item-id]");
    dragging = { li, handle, pointer: event.pointerId };
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
    const { li, handle } = dragging;
    endDrag();
    if (handle.hasPointerCapture(event.pointerId)) handle.releasePointerCapture(event.pointerId);
    save(li);
  }

  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);
}

start();
