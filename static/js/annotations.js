// The reader's own marks in the book: a highlight on selected text, a sticky note tapped
// onto the page, freehand ink with a finger or a pencil (pointer events). Private to the
// reader. Each mark of the page is listed under it, a highlight with a button that turns
// it into a comment to the drafting agency, quote and page filled in.
import { requestJSON } from "./api.js";
import { book } from "./book.js";
import { outbox } from "./outbox.js";

function start() {
  const viewer = document.querySelector("[data-book-viewer]");
  if (!viewer || !book) return;
  const $ = (selector) => viewer.querySelector(selector);
  const box = $("[data-page-box]");
  const ink = $("[data-ink-layer]");
  const pins = $("[data-note-pins]");
  const list = $("[data-marks-list]");
  const noteForm = $("[data-note-form]");
  const words = viewer.dataset;
  const SVG = "http://www.w3.org/2000/svg";
  let marks = [];
  let pendingNote = null;

  const send = (method, url, body) => requestJSON(url, { method, body });
  const page = () => book.page();

  // A new mark goes through the offline queue: without network it is kept on the tablet,
  // shown as waiting, and sent (once, by its client id) when the tablet reconnects.
  async function addMark(body) {
    const full = { ...body, clientId: crypto.randomUUID() };
    if (!outbox) return send("POST", words.annotationsUrl, full);
    const result = await outbox.send({
      method: "POST", url: words.annotationsUrl, body: full,
      label: words.queueLabel.replace("{n}", String(body.page)),
    });
    if (result.queued) return { ...full, id: "queued-" + full.clientId, pending: true };
    if (!result.ok) throw new Error(String(result.status));
    return result.data;
  }

  document.addEventListener("outbox:sent", (event) => {
    if (event.detail.url === words.annotationsUrl && event.detail.state === "accepted") load();
  });

  async function load() {
    const data = await send("GET", words.annotationsUrl);
    // Marks still waiting in the offline queue stay drawn until the server has them.
    const stored = new Set(data.annotations.map((mark) => mark.clientId));
    marks = [...data.annotations, ...marks.filter((mark) => mark.pending && !stored.has(mark.clientId))];
    draw();
  }

  function draw() {
    const current = page();
    for (const old of box.querySelectorAll(".hl-rect")) old.remove();
    ink.replaceChildren();
    pins.replaceChildren();
    list.replaceChildren();
    const here = marks.filter((mark) => mark.page === current);
    for (const mark of here) {
      if (mark.kind === "highlight") {
        for (const [left, top, width, height] of mark.shape.rects) {
          const rect = document.createElement("div");
          rect.className = "hl-rect colour-" + mark.shape.colour;
          rect.style.left = left * 100 + "%";
          rect.style.top = top * 100 + "%";
          rect.style.width = width * 100 + "%";
          rect.style.height = height * 100 + "%";
          box.append(rect);
        }
      } else if (mark.kind === "ink") {
        for (const stroke of mark.shape.strokes) ink.append(line(stroke));
      } else {
        const pin = document.createElement("span");
        pin.className = "note-pin";
        pin.textContent = "✎";
        pin.title = mark.text;
        pin.style.left = mark.shape.x * 100 + "%";
        pin.style.top = mark.shape.y * 100 + "%";
        pins.append(pin);
      }
      list.append(entry(mark));
    }
    $("[data-marks-empty]").hidden = here.length > 0;
  }

  function entry(mark) {
    const item = document.createElement("li");
    item.className = "mark-entry mark-" + mark.kind;
    item.dataset.markId = String(mark.id);
    const label = document.createElement("span");
    label.className = "mark-label";
    label.textContent = mark.kind === "highlight" ? "“" + mark.quote + "”"
      : mark.kind === "note" ? mark.text : words.inkLabel;
    item.append(label);
    if (mark.carry === "not_found") {
      const flag = document.createElement("span");
      flag.className = "badge warn";
      flag.textContent = words.notFound;
      item.append(" ", flag);
    }
    if (mark.pending) {
      const flag = document.createElement("span");
      flag.className = "badge info";
      flag.textContent = words.queuedLabel;
      item.append(" ", flag);
      return item;
    }
    if (mark.kind === "highlight") {
      const comment = document.createElement("a");
      comment.className = "button";
      comment.textContent = words.toComment;
      comment.href = words.commentsUrl + "?page=" + mark.page + "&quote=" + encodeURIComponent(mark.quote);
      item.append(" ", comment);
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button";
    remove.textContent = words.removeLabel;
    remove.addEventListener("click", async () => {
      await send("DELETE", "/api/annotations/" + mark.id);
      marks = marks.filter((other) => other.id !== mark.id);
      draw();
    });
    item.append(" ", remove);
    return item;
  }

  function line(points) {
    const path = document.createElementNS(SVG, "polyline");
    path.setAttribute("points", points.map(([x, y]) => x * 1000 + "," + y * 1000).join(" "));
    path.setAttribute("class", "ink-stroke");
    return path;
  }

  const clamp = (v) => Math.min(1, Math.max(0, v));
  function pointOf(event) {
    const rect = box.getBoundingClientRect();
    return [clamp((event.clientX - rect.left) / rect.width), clamp((event.clientY - rect.top) / rect.height)];
  }

  // Highlight: the selection's rectangles, as fractions of the page.
  $("[data-highlight-selection]").addEventListener("click", async () => {
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed) return;
    const quote = selection.toString().replace(/\s+/g, " ").trim();
    const frame = box.getBoundingClientRect();
    const rects = [...selection.getRangeAt(0).getClientRects()]
      .filter((r) => r.width > 1 && r.height > 1)
      .map((r) => [clamp((r.left - frame.left) / frame.width), clamp((r.top - frame.top) / frame.height),
        clamp(r.width / frame.width), clamp(r.height / frame.height)]);
    if (!quote || !rects.length) return;
    const mark = await addMark({
      kind: "highlight", page: page(), quote: quote.slice(0, 2000), shape: { rects: rects.slice(0, 60) },
    });
    selection.removeAllRanges();
    marks.push(mark);
    draw();
  });

  // Tools: a note where the page is tapped next, or ink.
  for (const button of viewer.querySelectorAll("[data-tool]")) {
    button.addEventListener("click", () => {
      const tool = button.dataset.tool;
      const active = viewer.dataset.tool === tool;
      if (active) delete viewer.dataset.tool;
      else viewer.dataset.tool = tool;
      for (const other of viewer.querySelectorAll("[data-tool]")) {
        other.setAttribute("aria-pressed", String(viewer.dataset.tool === other.dataset.tool));
      }
    });
  }

  let stroke = null;
  ink.addEventListener("pointerdown", (event) => {
    if (viewer.dataset.tool === "note") {
      pendingNote = pointOf(event);
      noteForm.hidden = false;
      noteForm.querySelector("textarea").focus();
      return;
    }
    if (viewer.dataset.tool !== "ink") return;
    ink.setPointerCapture(event.pointerId);
    stroke = { points: [pointOf(event)], path: line([pointOf(event)]) };
    ink.append(stroke.path);
    event.preventDefault();
  });
  ink.addEventListener("pointermove", (event) => {
    if (!stroke) return;
    stroke.points.push(pointOf(event));
    stroke.path.setAttribute("points", stroke.points.map(([x, y]) => x * 1000 + "," + y * 1000).join(" "));
  });
  ink.addEventListener("pointerup", async () => {
    if (!stroke) return;
    const points = stroke.points.slice(0, 2000);
    stroke = null;
    if (points.length < 2) { draw(); return; }
    marks.push(await addMark({ kind: "ink", page: page(), shape: { strokes: [points] } }));
    draw();
  });

  noteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = noteForm.querySelector("textarea");
    const text = field.value.trim();
    if (!text || !pendingNote) return;
    const [x, y] = pendingNote;
    marks.push(await addMark({ kind: "note", page: page(), text, shape: { x, y } }));
    field.value = "";
    noteForm.hidden = true;
    pendingNote = null;
    draw();
  });
  noteForm.querySelector("[data-note-cancel]").addEventListener("click", () => {
    noteForm.hidden = true;
    pendingNote = null;
  });

  viewer.addEventListener("book:layout", draw);

  // Private notes on the item: saved on demand.
  const itemNote = document.querySelector("[data-item-note]");
  if (itemNote) {
    const field = itemNote.querySelector("textarea");
    const status = itemNote.querySelector("[data-item-note-status]");
    send("GET", itemNote.dataset.url).then((data) => { field.value = data.text; }).catch(() => {});
    itemNote.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!outbox) {
        await send("PUT", itemNote.dataset.url, { text: field.value });
        status.textContent = itemNote.dataset.saved;
        return;
      }
      const result = await outbox.send({
        method: "PUT", url: itemNote.dataset.url, body: { text: field.value }, label: itemNote.dataset.queueLabel,
      });
      if (!result.queued && !result.ok) throw new Error(String(result.status));
      status.textContent = result.queued ? itemNote.dataset.queued : itemNote.dataset.saved;
    });
  }

  load().catch(() => draw());
}

start();
