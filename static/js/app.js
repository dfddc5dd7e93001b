// Shared helpers for every page. No inline scripts: the Content-Security-Policy forbids them.
"use strict";

window.ecabinet = {
  csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  },
  async postJSON(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": this.csrfToken() },
      body: JSON.stringify(body ?? {}),
    });
    const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
    if (!response.ok) {
      const error = new Error((data && data.detail) || response.statusText);
      error.problem = data;
      error.status = response.status;
      throw error;
    }
    return data;
  },

  // Whether a request's answer was lost on the way (the network, or a proxy's 502/503/504
  // when a server process died): the request may or may not have been carried out.
  answerLost(error) {
    return error instanceof TypeError || [502, 503, 504].includes(error.status);
  },

  // POST a request that is safe to send again (the server recognises a repeat, as it does
  // a signed ballot), until an answer comes back, a few times with growing pauses.
  async postUntilAnswered(url, body, onLost) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.postJSON(url, body);
      } catch (error) {
        if (!this.answerLost(error) || attempt >= 5) throw error;
        if (onLost) onLost();
        await new Promise((resolve) => { window.setTimeout(resolve, 500 * 2 ** attempt); });
      }
    }
  },
};
