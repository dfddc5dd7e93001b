// The book's reader: a page image rendered by the server with its text laid over it,
// transparent, so that words can be selected, quoted in a comment and found. Pages turn
// with the buttons, the page field, the arrow keys and a swipe; zoom and thumbnails;
// the agenda pane folds away on a phone.
// {page()}, the page shown, or null on a page without the book.
export const book = start();

function start() {
  const book = document.querySelector("[data-book]");
  if (!book) return null;
  const toggle = book.querySelector("[data-book-toggle]");
  if (toggle) {
    toggle.addEventListener("click", () => {
      const open = book.classList.toggle("show-agenda");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  const viewer = book.querySelector("[data-book-viewer]");
  if (!viewer) return null;

  const $ = (selector) => viewer.querySelector(selector);
  const image = $("[data-page-image]");
  const layer = $("[data-text-layer]");
  const box = $("[data-page-box]");
  const stage = $("[data-stage]");
  const field = $("[data-page-field]");
  const status = $("[data-status]");
  const zoomValue = $("[data-zoom-value]");
  const thumbs = $("[data-thumbs]");
  const selectionBar = $("[data-selection-bar]");
  const commentLink = $("[data-comment-selection]");
  const threadLink = book.querySelector("[data-thread-link]");
  const total = Number(viewer.dataset.pages);
  const WIDTHS = [600, 900, 1200, 1600, 2000];
  const ZOOMS = [0.75, 1, 1.25, 1.5, 2, 3];
  let zoomIndex = 1;
  let page = 0;
  let lines = [];
  let hits = [];
  let hitIndex = -1;
  let loading = 0;

  // One character in, one character out, so offsets in the folded text are offsets in
  // the original: "thue" finds "thuế", "dinh" finds "định".
  function fold(text) {
    let out = "";
    for (const char of text) {
      if (char === "đ" || char === "Đ") { out += "d"; continue; }
      const base = char.normalize("NFD")[0].toLowerCase();
      out += base.length === 1 ? base : char;
    }
    return out;
  }

  const say = (message) => { status.textContent = message; };
  const urlFor = (template, n) => template.replace("{n}", String(n));

  function widthNeeded() {
    const wanted = box.clientWidth * (window.devicePixelRatio || 1);
    return WIDTHS.find((w) => w >= wanted) || WIDTHS[WIDTHS.length - 1];
  }

  function sizeBox() {
    const room = stage.clientWidth - 16;
    box.style.width = Math.max(200, Math.round(room * ZOOMS[zoomIndex])) + "px";
    zoomValue.textContent = Math.round(ZOOMS[zoomIndex] * 100) + "%";
  }

  function layoutText() {
    const width = box.clientWidth;
    const height = image.clientHeight || width * 1.414;
    for (const line of lines) {
      const span = line.span;
      const [left, top, w, h] = line.b;
      span.style.left = (left * 100) + "%";
      span.style.top = (top * 100) + "%";
      span.style.fontSize = (h * height * 0.92) + "px";
      span.style.transform = "none";
      const natural = span.getBoundingClientRect().width;
      if (natural > 0) span.style.transform = "scaleX(" + (w * width / natural) + ")";
    }
    drawHits();
    viewer.dispatchEvent(new CustomEvent("book:layout", { detail: { page } }));
  }

  function buildText(data) {
    layer.replaceChildren();
    lines = data.lines.map((line, index) => {
      const span = document.createElement("span");
      span.textContent = line.t;
      span.dataset.line = String(index);
      layer.append(span, document.createElement("br"));
      return { ...line, span };
    });
    layoutText();
  }

  async function show(n) {
    n = Math.min(Math.max(1, n), total);
    const ticket = ++loading;
    page = n;
    field.value = String(n);
    viewer.dataset.current = String(n);
    $("[data-prev]").disabled = n <= 1;
    $("[data-next]").disabled = n >= total;
    image.alt = (viewer.dataset.altTemplate || "").replace("{n}", String(n));
    image.src = urlFor(viewer.dataset.pageUrl, n) + "?w=" + widthNeeded();
    if (threadLink) threadLink.href = viewer.dataset.commentsUrl + "?page=" + n;
    history.replaceState(null, "", "#page=" + n);
    for (const thumb of thumbs.querySelectorAll("[data-thumb]")) {
      if (thumb.dataset.thumb === String(n)) thumb.setAttribute("aria-current", "page");
      else thumb.removeAttribute("aria-current");
    }
    layer.replaceChildren();
    lines = [];
    hideSelectionBar();
    try {
      const response = await fetch(urlFor(viewer.dataset.textUrl, n), { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (ticket !== loading) return;
      if (image.complete) buildText(data);
      else image.addEventListener("load", () => { if (ticket === loading) buildText(data); }, { once: true });
    } catch (error) {
      if (ticket === loading) layer.dataset.state = "unavailable";
    }
  }

  // Finding words: the whole text once, folded; hits are highlighted where they fall.
  let findPages = null;

  async function find(query) {
    const wanted = fold(query.trim().replace(/\s+/g, " "));
    hits = [];
    hitIndex = -1;
    if (!wanted) { drawHits(); say(""); return; }
    if (!findPages) {
      const response = await fetch(viewer.dataset.findUrl, { credentials: "same-origin" });
      findPages = response.ok ? (await response.json()).pages : [];
    }
    findPages.forEach((pageLines, p) => {
      pageLines.forEach((text, lineIndex) => {
        const folded = fold(text);
        let at = folded.indexOf(wanted);
        while (at !== -1) {
          hits.push({ page: p + 1, line: lineIndex, start: at, end: at + wanted.length });
          at = folded.indexOf(wanted, at + wanted.length);
        }
      });
    });
    $("[data-find-prev]").hidden = hits.length < 2;
    $("[data-find-next]").hidden = hits.length < 2;
    if (!hits.length) { drawHits(); say(viewer.dataset.noHits); return; }
    const fromHere = hits.findIndex((hit) => hit.page >= page);
    goToHit(fromHere >= 0 ? fromHere : 0);
  }

  function goToHit(index) {
    hitIndex = (index + hits.length) % hits.length;
    const hit = hits[hitIndex];
    say(viewer.dataset.hitsTemplate.replace("{i}", String(hitIndex + 1))
      .replace("{n}", String(hits.length)).replace("{page}", String(hit.page)));
    if (hit.page !== page) show(hit.page);
    else drawHits();
  }

  function drawHits() {
    for (const old of layer.querySelectorAll(".hit")) old.remove();
    hits.forEach((hit, index) => {
      if (hit.page !== page || !lines[hit.line]) return;
      const line = lines[hit.line];
      const mark = document.createElement("div");
      mark.className = index === hitIndex ? "hit current" : "hit";
      const left = line.x[hit.start];
      const right = line.x[Math.min(hit.end, line.x.length - 1)];
      mark.style.left = (left * 100) + "%";
      mark.style.width = ((right - left) * 100) + "%";
      mark.style.top = (line.b[1] * 100) + "%";
      mark.style.height = (line.b[3] * 100) + "%";
      if (index === hitIndex) mark.dataset.current = "1";
      layer.append(mark);
      if (index === hitIndex) mark.scrollIntoView({ block: "center", inline: "nearest" });
    });
  }

  // A selection in the text layer offers to quote it in a comment, page filled in.
  function hideSelectionBar() { selectionBar.hidden = true; }

  function selectedText() {
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed || !layer.contains(selection.anchorNode)) return "";
    return selection.toString().replace(/\s+/g, " ").trim();
  }

  document.addEventListener("selectionchange", () => {
    const text = selectedText();
    if (!text) { hideSelectionBar(); return; }
    commentLink.href = viewer.dataset.commentsUrl + "?page=" + page + "&quote=" +
      encodeURIComponent(text.slice(0, 2000));
    selectionBar.hidden = false;
    viewer.dispatchEvent(new CustomEvent("book:selection", { detail: { text, page } }));
  });

  if (viewer.dataset.copyable === "0") {
    document.addEventListener("copy", (event) => {
      const selection = document.getSelection();
      if (selection && layer.contains(selection.anchorNode)) {
        event.preventDefault();
        say(viewer.dataset.noCopy);
      }
    });
  }

  $("[data-prev]").addEventListener("click", () => show(page - 1));
  $("[data-next]").addEventListener("click", () => show(page + 1));
  field.addEventListener("change", () => show(Number(field.value) || 1));
  $("[data-zoom-in]").addEventListener("click", () => zoom(1));
  $("[data-zoom-out]").addEventListener("click", () => zoom(-1));
  $("[data-find]").addEventListener("submit", (event) => {
    event.preventDefault();
    const query = $("[data-find-field]").value;
    if (hits.length && query === viewer.dataset.lastQuery) goToHit(hitIndex + 1);
    else { viewer.dataset.lastQuery = query; find(query); }
  });
  $("[data-find-next]").addEventListener("click", () => goToHit(hitIndex + 1));
  $("[data-find-prev]").addEventListener("click", () => goToHit(hitIndex - 1));
  $("[data-thumbs-toggle]").addEventListener("click", (event) => {
    thumbs.hidden = !thumbs.hidden;
    event.currentTarget.setAttribute("aria-expanded", String(!thumbs.hidden));
    if (!thumbs.hidden) {
      for (const img of thumbs.querySelectorAll("img[data-src]")) {
        img.src = img.dataset.src;
        img.removeAttribute("data-src");
      }
    }
  });
  thumbs.addEventListener("click", (event) => {
    const thumb = event.target.closest("[data-thumb]");
    if (thumb) show(Number(thumb.dataset.thumb));
  });

  function zoom(step) {
    zoomIndex = Math.min(Math.max(0, zoomIndex + step), ZOOMS.length - 1);
    sizeBox();
    const wanted = urlFor(viewer.dataset.pageUrl, page) + "?w=" + widthNeeded();
    if (!image.src.endsWith(wanted)) image.src = wanted;
    layoutText();
  }

  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowLeft" || event.key === "PageUp") show(page - 1);
    else if (event.key === "ArrowRight" || event.key === "PageDown") show(page + 1);
    else if (event.key === "Home") show(1);
    else if (event.key === "End") show(total);
    else return;
    event.preventDefault();
  });

  // A finger swipe turns the page; a mouse drag selects text instead.
  let start = null;
  stage.addEventListener("pointerdown", (event) => {
    start = event.pointerType === "mouse" || viewer.dataset.tool ? null : { x: event.clientX, y: event.clientY };
  });
  stage.addEventListener("pointerup", (event) => {
    if (!start) return;
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    start = null;
    if (selectedText() || ZOOMS[zoomIndex] > 1) return;
    if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) show(page + (dx < 0 ? 1 : -1));
  });

  image.addEventListener("load", () => { if (lines.length) layoutText(); });
  window.addEventListener("resize", () => { sizeBox(); layoutText(); });

  const fromHash = /#page=(\d+)/.exec(location.hash);
  sizeBox();
  show(fromHash ? Number(fromHash[1]) : Number(viewer.dataset.startPage) || 1);
  const wanted = new URLSearchParams(location.search).get("find");
  if (wanted) {
    $("[data-find-field]").value = wanted;
    viewer.dataset.lastQuery = wanted;
    find(wanted);
  }
  return { page: () => page };
}
