// The minutes page: the chair's passkey approval of the draft, the two signatures (after a
// fresh passkey check when the server asks for one), and the drop zone of the verify page.
// Wired by data-* attributes; the messages come translated from _passkey_messages.html.
"use strict";

(() => {
  function toBase64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  }

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return { ...json, challenge: fromBase64url(json.challenge),
             allowCredentials: (json.allowCredentials || []).map(
               (c) => ({ ...c, id: fromBase64url(c.id) })) };
  }

  function assertionJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    const r = credential.response;
    return {
      id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type,
      response: {
        clientDataJSON: toBase64url(r.clientDataJSON),
        authenticatorData: toBase64url(r.authenticatorData),
        signature: toBase64url(r.signature),
        userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  const post = (url, body) => window.ecabinet.postJSON(url, body);

  async function assertion(optionsUrl) {
    const options = await post(optionsUrl, {});
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return assertionJSON(credential);
  }

  const freshRequired = (error) =>
    error && error.problem && String(error.problem.type || "").endsWith("fresh-auth-required");

  const actions = {
    // The challenge of these options is SHA-256 of the draft PDF: the passkey signs it.
    async approve(panel) {
      const credential = await assertion(panel.dataset.approvalOptionsUrl);
      await post(panel.dataset.approvalUrl, { credential });
    },
    async sign(panel, button) {
      const body = { as: button.dataset.role };
      try {
        await post(panel.dataset.signUrl, body);
      } catch (error) {
        if (!freshRequired(error)) throw error;
        const credential = await assertion(panel.dataset.freshOptionsUrl);
        await post(panel.dataset.freshUrl, { credential });
        await post(panel.dataset.signUrl, body);
      }
    },
  };

  function show(element, text) {
    if (!element) return;
    element.textContent = text;
    element.hidden = !text;
  }

  async function perform(panel, button) {
    const alertBox = document.getElementById("passkey-alert");
    const status = document.getElementById("passkey-status");
    const messages = alertBox ? alertBox.dataset : {};
    show(alertBox, "");
    if (!window.PublicKeyCredential || !navigator.credentials) {
      show(alertBox, messages.msgUnsupported);
      return;
    }
    button.disabled = true;
    show(status, messages.msgWaiting);
    try {
      await actions[button.dataset.minutesAction](panel, button);
      window.location.reload();
    } catch (error) {
      console.error(error);
      show(status, "");
      const text = error && error.problem ? error.message
        : error instanceof TypeError ? messages.msgNetwork
        : error && error.name === "NotAllowedError" ? messages.msgCancelled : messages.msgFailed;
      show(alertBox, text);
      button.disabled = false;
    }
  }

  function wireDropZone(form) {
    const input = form.querySelector("input[type=file]");
    form.addEventListener("dragover", (event) => {
      event.preventDefault();
      form.classList.add("dragging");
    });
    form.addEventListener("dragleave", () => form.classList.remove("dragging"));
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      form.classList.remove("dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        form.requestSubmit();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const panel = document.getElementById("minutes-actions");
    if (panel) {
      for (const button of panel.querySelectorAll("button[data-minutes-action]")) {
        button.addEventListener("click", () => perform(panel, button));
      }
    }
    for (const form of document.querySelectorAll("form[data-dropzone]")) wireDropZone(form);
  });
})();
