// What a member writes while the tablet is offline (marks, private notes, positions,
// comments) is kept in IndexedDB and sent when the tablet reconnects, in the order it was
// written. The list at the top of the page shows each one and its result: waiting,
// accepted, refused (with the server's reason, e.g. the deadline had passed) or a
// conflict (it was changed elsewhere meanwhile). Marks and comments carry their own client
// id, so sending one again after a lost answer stores it once. Entries belong to the
// person who wrote them: another person signed in on the same tablet never sends them.
import { exchange } from "./api.js";

// {send}, or null on a page without the outbox (signed out, or no IndexedDB).
export const outbox = start();

function start() {
  const panel = document.querySelector("[data-outbox]");
  if (!panel || !("indexedDB" in window)) return null;
  const list = panel.querySelector("[data-outbox-list]");
  const banner = document.querySelector("[data-offline-banner]");
  const words = panel.dataset;
  const person = words.person;
  const DB = "ecabinet-outbox";
  const STORE = "requests";
  const RETRY_MS = 5000;

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, work) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const transaction = db.transaction(STORE, mode);
        const request = work(transaction.objectStore(STORE));
        transaction.oncomplete = () => resolve(request ? request.result : undefined);
        transaction.onerror = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  }

  const all = async () => (await withStore("readonly", (store) => store.getAll()))
    .filter((entry) => entry.person === person).sort((a, b) => a.at - b.at);
  const save = (entry) => withStore("readwrite", (store) => store.put(entry));
  const drop = (id) => withStore("readwrite", (store) => store.delete(id));

  // navigator.onLine is a hint only (it can say online on a page opened without network):
  // what a request does is what counts.
  function network(up) {
    if (banner) banner.hidden = up;
  }

  async function fetchJSON(entry) {
    let result;
    try {
      result = await exchange(entry.url, { method: entry.method, body: entry.body });
    } catch (error) {
      if (error instanceof TypeError) network(false);
      throw error;
    }
    network(true);
    return result;
  }

  async function queue(entry) {
    network(false);
    await save({ ...entry, id: crypto.randomUUID(), person, state: "waiting", detail: "", at: Date.now() });
    await render();
  }

  // Send now when the network is there; otherwise (or when it drops on the way) queue.
  // Resolves to {queued: true} or to {ok, status, data}.
  async function send(entry) {
    if (navigator.onLine) {
      try {
        return await fetchJSON(entry);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
      }
    }
    await queue(entry);
    return { queued: true };
  }

  function outcome(result) {
    if (result.ok) return "accepted";
    const kind = result.data && result.data.type ? result.data.type.replace("urn:ecabinet:problem:", "") : "";
    return kind === "conflict" ? "conflict" : "refused";
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    const run = async () => {
      for (const entry of await all()) {
        if (entry.state !== "waiting") continue;
        let result;
        try {
          result = await fetchJSON(entry);
        } catch (error) {
          break; // the network went away again: the rest waits for the next reconnection
        }
        // Signed out, or the server briefly unavailable: keep it for later.
        if (result.status === 401 || result.status >= 500) break;
        entry.state = outcome(result);
        entry.detail = result.ok ? "" : (result.data && result.data.detail) || String(result.status);
        await save(entry);
        document.dispatchEvent(new CustomEvent("outbox:sent", { detail: entry }));
      }
    };
    try {
      // Two tabs of the tablet reconnect at once: one sends, the other waits its turn.
      if (navigator.locks) await navigator.locks.request("ecabinet-outbox", run);
      else await run();
    } finally {
      flushing = false;
      await render();
    }
  }

  async function render() {
    const entries = await all();
    list.replaceChildren();
    for (const entry of entries) {
      const item = document.createElement("li");
      item.className = "outbox-entry state-" + entry.state;
      item.dataset.outboxState = entry.state;
      const label = document.createElement("span");
      label.className = "outbox-label";
      label.textContent = entry.label;
      const state = document.createElement("span");
      state.className = "badge " + { waiting: "info", accepted: "ok", refused: "danger", conflict: "warn" }[entry.state];
      state.textContent = words[entry.state];
      item.append(label, " ", state);
      if (entry.detail) {
        const detail = document.createElement("span");
        detail.className = "outbox-detail";
        detail.textContent = entry.detail;
        item.append(" ", detail);
      }
      list.append(item);
    }
    panel.hidden = entries.length === 0;
    panel.querySelector("[data-outbox-clear]").hidden = !entries.some((e) => e.state !== "waiting");
  }

  // Whether the server answers at all (a small request that changes nothing).
  async function reachable() {
    try {
      await fetch("/sw.js", { method: "HEAD", cache: "no-store", credentials: "same-origin" });
      network(true);
      return true;
    } catch (error) {
      network(false);
      return false;
    }
  }

  // Forms of the positions and comments pages: with the server reachable they are posted
  // as ever; without it their fields go to the queue as the JSON the API takes, instead of
  // to a page the browser cannot load.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.offlineUrl) return;
    if (form.dataset.offlineChecked) return;
    event.preventDefault();
    if (await reachable()) {
      form.dataset.offlineChecked = "1";
      form.requestSubmit(); // the submit event runs now, and this time is let through
      delete form.dataset.offlineChecked;
      return;
    }
    const body = {};
    for (const [name, value] of new FormData(form).entries()) {
      if (typeof value === "string" && name !== "csrf_token") body[name] = value;
    }
    if ("page" in body) body.page = body.page ? Number(body.page) : null;
    if (form.dataset.offlineRevision !== undefined) body.revision = Number(form.dataset.offlineRevision);
    if (form.dataset.offlineClientId !== undefined) body.clientId = crypto.randomUUID();
    await queue({ method: form.dataset.offlineMethod || "POST", url: form.dataset.offlineUrl, body,
      label: form.dataset.offlineLabel || "" });
    const note = form.querySelector("[data-offline-queued]");
    note.textContent = words.queuedHere;
    note.hidden = false;
  });

  panel.querySelector("[data-outbox-clear]").addEventListener("click", async () => {
    for (const entry of await all()) {
      if (entry.state !== "waiting") await drop(entry.id);
    }
    await render();
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", () => network(false));
  // The "online" event is not always told to a page, so a waiting queue is tried again
  // every few seconds: a failed try costs nothing but a refused connection.
  window.setInterval(async () => {
    if ((await all()).some((entry) => entry.state === "waiting")) flush();
  }, RETRY_MS);
  network(navigator.onLine);
  render().then(flush);
  return { send };
}
