// Pages that follow a meeting's packet update themselves: when a live notice says the
// packet changed (a document added, a new version, the meeting published, rescheduled or
// closed, the agenda moved or triaged), the page fetches itself again and swaps in its
// <main> (marked data-live-meeting="<id>"), or only its [data-live-region] parts, with no
// reload. notices.js shows the short
// notice of what changed. The notification badge is recounted on each new notification.
function start() {
  const PACKET_KINDS = new Set([
    "document.added", "document.changed", "document.amended", "meeting.updated",
    "meeting.published", "meeting.closed", "agenda.changed", "agenda.triaged",
    "agenda.item_status",
  ]);
  const main = document.querySelector("main[data-live-meeting]");
  const badge = document.querySelector("[data-unread]");
  let pending = null;

  async function recount() {
    if (!badge) return;
    try {
      const response = await fetch("/api/me/notifications/unread",
                                   { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return;
      const count = (await response.json()).unread;
      badge.textContent = String(count);
      badge.dataset.count = String(count);
    } catch (error) { /* offline: the next notice recounts */ }
  }

  // Someone typing in a form on this page keeps their text: the swap waits for them.
  function busy() {
    const active = document.activeElement;
    return active && main.contains(active) && active.matches("input, textarea, select");
  }

  async function refresh() {
    pending = null;
    if (busy()) {
      pending = window.setTimeout(refresh, 1500);
      return;
    }
    try {
      const response = await fetch(window.location.href,
                                    { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const replacement = fresh.querySelector("main[data-live-meeting]");
      if (!replacement) return;
      // A page with scripts of its own (the book) names the regions to swap; the rest of
      // it, and the state its scripts keep, stays as it is.
      const regions = main.querySelectorAll("[data-live-region][id]");
      const pairs = regions.length
        ? Array.from(regions, (old) => [old, fresh.getElementById(old.id)])
        : [[main, replacement]];
      for (const [old, next] of pairs) {
        if (next) old.replaceChildren(...Array.from(next.childNodes).map((n) => document.adoptNode(n)));
      }
      main.dataset.refreshed = String(Number(main.dataset.refreshed || 0) + 1);
      document.dispatchEvent(new CustomEvent("ecabinet:refreshed"));
    } catch (error) { /* offline: the page keeps what it shows */ }
  }

  document.addEventListener("ecabinet:event", (event) => {
    const message = event.detail || {};
    if (message.kind === "notification.created") recount();
    if (!main || !PACKET_KINDS.has(message.kind)) return;
    const meeting = message.meeting || (message.data && message.data.meeting_id);
    if (String(meeting) !== main.dataset.liveMeeting) return;
    // Several changes in a burst (a triage moves many items) make one fetch.
    if (pending === null) pending = window.setTimeout(refresh, 250);
  });
}

start();
