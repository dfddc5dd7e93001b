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
      throw error;
    }
    return data;
  },
};
