// The minutes page: the chair's passkey approval of the draft, the two signatures (each
// with the signer's own passkey over the documents being signed), and the drop zone of the
// verify page.
// Wired by data-* attributes; the messages come translated from _passkey_messages.html.
"use strict";

(() => {
  // The WebAuthn JSON helpers (and their fallback for older Safari) live in passkeys.js.
  const { requestOptions, credentialJSON } = window.ecabinet.passkey;

  const post = (url, body) => window.ecabinet.postJSON(url, body);

  async function assertion(optionsUrl, body) {
    const options = await post(optionsUrl, body || {});
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return credentialJSON(credential);
  }

  const actions = {
    // The challenge of these options is SHA-256 of the draft PDF: the passkey signs it.
    async approve(panel) {
      const credential = await assertion(panel.dataset.approvalOptionsUrl);
      await post(panel.dataset.approvalUrl, { credential });
    },
    // The challenge is SHA-256 of the signing step and of the two PDFs it signs.
    async sign(panel, button) {
      const role = button.dataset.role;
      const credential = await assertion(panel.dataset.signOptionsUrl, { as: role });
      await post(panel.dataset.signUrl, { as: role, credential });
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
      console.warn(error); // the page shows it to the person: a refusal, no script error
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
