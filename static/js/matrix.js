// The matrix of positions follows the members' answers live: on a "position.changed"
// notice for this meeting (live.js dispatches it as "ecabinet:event"), it fetches the page
// again, with the reader's filters, and swaps in the parts marked data-live-part.
function start() {
  const root = document.querySelector("[data-matrix-meeting]");
  if (!root) return;
  const meeting = Number(root.dataset.matrixMeeting);
  let busy = false;
  let again = false;

  async function refresh() {
    if (busy) { again = true; return; } // one fetch at a time; one more covers a burst
    busy = true;
    try {
      const response = await fetch(window.location.href,
                                   { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      document.querySelectorAll("[data-live-part]").forEach((part) => {
        const name = part.dataset.livePart;
        const replacement = fresh.querySelector(`[data-live-part="${name}"]`);
        if (replacement) part.replaceWith(document.importNode(replacement, true));
      });
    } catch (error) {
      /* offline: the next notice, or a reload, brings the matrix up to date */
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }

  document.addEventListener("ecabinet:event", (event) => {
    const message = event.detail || {};
    if (message.kind === "position.changed" && message.data
        && message.data.meeting_id === meeting) refresh();
  });
}

start();
