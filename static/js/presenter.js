// "Follow the presenter" on the live page and the room display: the page the chair shows
// (state.presenting), and on the chair's page the form that presents one. session.js
// hands over each state it draws as an "ecabinet:live-state" event on #live.
import { postJSON } from "./api.js";
import { stream } from "./live.js";

(() => {
  const root = document.getElementById("live");
  if (!root) return;
  const WORDS = JSON.parse(document.getElementById("live-words").textContent);
  const meetingId = Number(root.dataset.meeting);
  const isDisplay = root.dataset.view === "display";
  const followKey = `ecabinet:unfollow:${meetingId}`;
  const fill = (text, params) => text.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? ""));
  const word = (key, params) => fill(WORDS[key] || key, params || {});
  const part = (name) => root.querySelector(`[data-part="${name}"]`);
  let itemWithDocuments = null; // the item whose documents fill the chair's list
  let last = null; // the state and "me" last drawn

  function pageUrl(shown) {
    // A display seat draws the presented page; a person reads it through their own access.
    return isDisplay
      ? `/api/meetings/${meetingId}/presented/${shown.version}/${shown.page}.png?w=1600`
      : `/api/versions/${shown.version}/pages/${shown.page}.png?w=1200`;
  }

  function following() {
    try { return window.sessionStorage.getItem(followKey) !== "1"; } catch (error) { return true; }
  }

  function renderShown(state, me) {
    const panel = part("presenting");
    if (!panel) return;
    const shown = state.presenting;
    const runs = Boolean(me && me.may_run);
    panel.hidden = !shown || !(isDisplay || shown.follow || runs);
    if (panel.hidden) return;
    const follow = panel.querySelector("[data-follow]");
    const on = isDisplay || runs || following();
    if (follow) { follow.checked = on; follow.closest("label").hidden = runs; }
    const label = word("presenting.page", { title: shown.title, page: shown.page, pages: shown.pages });
    for (const line of panel.querySelectorAll('[data-bind="presenting"]')) line.textContent = label;
    const image = part("presented-image");
    image.hidden = !on;
    image.alt = label;
    const url = pageUrl(shown);
    if (on && image.getAttribute("src") !== url) image.src = url;
  }

  async function fillDocuments(state) {
    const select = part("present-documents");
    if (!select || itemWithDocuments === state.current_item) return;
    itemWithDocuments = state.current_item;
    select.replaceChildren();
    if (state.current_item === null) return;
    const response = await fetch(`/api/meetings/${meetingId}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const packet = await response.json();
    const item = packet.items.find((one) => one.id === state.current_item);
    for (const document_ of (item ? item.documents : [])) {
      const latest = (document_.versions || []).at(-1);
      if (!latest || !latest.pageCount) continue;
      const option = new Option(`${document_.title} (${latest.pageCount})`, String(document_.id));
      option.dataset.pages = String(latest.pageCount);
      select.append(option);
    }
  }

  function renderChair(state, me) {
    const form = root.querySelector("form[data-present]");
    if (!form) return;
    form.hidden = !(me && me.may_run) || state.current_item === null || state.phase === "closed";
    if (form.hidden) return;
    form.querySelector("[data-present-stop]").hidden = !state.presenting;
    fillDocuments(state).catch((error) => console.warn(error));
  }

  function alertBox(text) {
    const box = document.getElementById("live-alert");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  async function send(url, body) {
    alertBox("");
    try {
      stream.accept(await postJSON(url, body));
    } catch (error) {
      console.warn(error); // a refusal, shown to the chair
      alertBox(error.problem ? error.message : word("failed"));
    }
  }

  root.addEventListener("ecabinet:live-state", (event) => {
    last = event.detail;
    renderShown(event.detail.state, event.detail.me);
    if (!isDisplay) renderChair(event.detail.state, event.detail.me);
  });

  document.addEventListener("DOMContentLoaded", () => {
    const form = root.querySelector("form[data-present]");
    if (form) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        event.stopPropagation(); // not a step of session.js's chair's controls
        send(`/api/meetings/${meetingId}/presentation`, {
          document: Number(form.elements.document.value),
          page: Number(form.elements.page.value) || 1,
          follow: form.elements.follow.checked,
        });
      });
      form.querySelector("[data-present-stop]").addEventListener("click", () => {
        send(`/api/meetings/${meetingId}/presentation/stop`, {});
      });
    }
    const follow = root.querySelector("[data-follow]");
    if (follow) {
      follow.addEventListener("change", () => {
        try {
          if (follow.checked) window.sessionStorage.removeItem(followKey);
          else window.sessionStorage.setItem(followKey, "1");
        } catch (error) { /* storage refused: following stays as it was */ }
        if (last) renderShown(last.state, last.me);
      });
    }
  });
})();
