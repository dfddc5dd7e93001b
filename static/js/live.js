// The tablet's one live connection (/ws), on every page of a signed-in person.
// It reconnects by itself, answers the heartbeat, and for the meeting a page follows it
// keeps the last sequence number applied: a message that shows a gap, a "resync", or a
// reconnection makes it fetch a fresh snapshot (GET /api/meetings/{id}/session), at a
// random moment within the time the server asks for, so a room does not ask all at once.
// Pages follow a meeting with stream.follow(id, handlers) (import { stream } from
// "./live.js"); notices for the person (a published packet...) arrive as "ecabinet:event"
// events on document. The connection opens when this module is first imported.
export const stream = (() => {
  const RETRY_MAX_MS = 15000;
  const RESYNC_JITTER_MS = 250; // a resync sent to this tablet alone (its backlog overflowed)
  const live = {
    socket: null, meeting: null, handlers: {}, last: -1, buffer: null,
    retries: 0, heartbeatMs: 15000, heardAt: 0, watchdog: null, online: false,
  };

  function setOnline(online) {
    live.online = online;
    document.documentElement.dataset.live = online ? "online" : "offline";
    if (live.handlers.status) live.handlers.status(online);
  }

  function send(message) {
    if (live.socket && live.socket.readyState === WebSocket.OPEN) {
      live.socket.send(JSON.stringify(message));
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + window.location.host + "/ws");
    live.socket = socket;
    socket.addEventListener("open", () => {
      live.retries = 0;
      live.heardAt = Date.now();
      setOnline(true);
      if (live.meeting !== null) send({ type: "watch", meeting: live.meeting });
    });
    socket.addEventListener("message", (event) => {
      live.heardAt = Date.now();
      let message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      receive(message);
    });
    socket.addEventListener("close", () => {
      if (live.socket !== socket) return;
      live.socket = null;
      setOnline(false);
      if (live.retries >= 2) checkSignedIn();
      // Back off, with jitter, so that a restarted server is not hit by every tablet at once.
      const delay = Math.min(RETRY_MAX_MS, 500 * 2 ** live.retries) * (0.5 + Math.random());
      live.retries += 1;
      window.setTimeout(connect, delay);
    });
  }

  // A refused handshake looks like any lost connection; a signed-out tablet stops trying
  // (the server audits every refusal) and goes to the sign-in page instead.
  async function checkSignedIn() {
    try {
      // A room display is nobody: its own state answers 401 once it is revoked.
      const probe = live.handlers.snapshotUrl && live.meeting !== null
        ? live.handlers.snapshotUrl(live.meeting) : "/api/me";
      const response = await fetch(probe, { credentials: "same-origin", cache: "no-store" });
      if (response.status === 401) window.location.reload();
    } catch (error) { /* offline: keep trying */ }
  }

  // A server that went silent (no heartbeat) is as good as gone: reconnect elsewhere.
  function watch() {
    window.clearInterval(live.watchdog);
    live.watchdog = window.setInterval(() => {
      if (live.socket && Date.now() - live.heardAt > 3 * live.heartbeatMs) live.socket.close();
    }, 2000);
  }

  function receive(message) {
    switch (message.type) {
      case "hello":
        live.heartbeatMs = (message.heartbeat || 15) * 1000;
        return;
      case "ping":
        send({ type: "pong" });
        return;
      case "watching":
        resync();
        return;
      case "resync":
        // Everyone was told at once: ask at a random moment within the server's hint.
        resync(Math.random() * (message.within || RESYNC_JITTER_MS));
        return;
      case "event":
        document.dispatchEvent(new CustomEvent("ecabinet:event", { detail: message }));
        return;
      case "state":
      case "tally":
      case "presence":
        if (message.meeting !== live.meeting) return;
        if (live.buffer) live.buffer.push(message);
        else apply(message);
        return;
      default:
    }
  }

  function apply(message) {
    if (message.seq <= live.last) return; // already reflected
    if (message.type !== "state" && message.prev > live.last) { // something was missed
      resync();
      return;
    }
    live.last = message.seq;
    const handler = live.handlers[message.type];
    if (handler) handler(message.type === "state" ? message.state : message);
  }

  function accept(snapshot) {
    if (!snapshot || snapshot.seq < live.last) return;
    live.last = snapshot.seq;
    if (live.handlers.snapshot) live.handlers.snapshot(snapshot);
  }

  // Fetch a fresh snapshot, after `delay` ms. Messages arriving meanwhile wait and are
  // applied on top of it. A server that cannot answer (503, a lost connection) is asked
  // again later: when it says (Retry-After), else after a growing pause, always jittered.
  function pause(ms) { return new Promise((done) => { window.setTimeout(done, ms); }); }
  function jittered(ms) { return ms * (0.5 + Math.random()); }

  async function resync(delay) {
    if (live.meeting === null || live.buffer) return;
    live.buffer = [];
    let wait = delay || 0;
    for (;;) {
      if (wait) await pause(wait);
      const retry = await fetchSnapshot();
      if (retry === null) break;
      wait = jittered(retry);
    }
    const buffered = live.buffer || [];
    live.buffer = null;
    buffered.forEach(apply);
  }

  // Null when done (shown, or nothing to show); else how long to wait before asking again.
  async function fetchSnapshot() {
    try {
      const url = live.handlers.snapshotUrl ? live.handlers.snapshotUrl(live.meeting)
        : `/api/meetings/${live.meeting}/session`;
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        live.resyncFailures = 0;
        accept(await response.json());
      } else if (response.status === 401) {
        window.location.reload();
      } else if (response.status >= 500) {
        const after = Number(response.headers.get("Retry-After"));
        return after > 0 ? after * 1000 : backoff();
      }
      return null;
    } catch (error) {
      return backoff();
    }
  }

  function backoff() {
    live.resyncFailures = (live.resyncFailures || 0) + 1;
    return Math.min(RETRY_MAX_MS, 1000 * 2 ** (live.resyncFailures - 1));
  }

  connect();
  watch();

  return {
    follow(meetingId, handlers) {
      live.meeting = meetingId;
      live.handlers = handlers || {};
      live.last = -1;
      if (live.socket && live.socket.readyState === WebSocket.OPEN) {
        send({ type: "watch", meeting: meetingId });
      } else {
        resync(); // show something at once; the socket's "watching" resyncs again
      }
    },
    accept,
    resync,
    get online() { return live.online; },
  };
})();
