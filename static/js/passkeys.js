// Passkey ceremonies for the enrollment, sign-in and "my devices" pages.
// Forms carry data-passkey="enroll|signin|add-device" and the API addresses in data-*;
// the messages come translated from the page (templates/_passkey_messages.html).
"use strict";

(() => {
  // --- base64url, for browsers without the WebAuthn JSON helpers (older Safari) -------
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

  const withBinaryIds = (list) => (list || []).map((c) => ({ ...c, id: fromBase64url(c.id) }));

  function creationOptions(json) {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return {
      ...json,
      challenge: fromBase64url(json.challenge),
      user: { ...json.user, id: fromBase64url(json.user.id) },
      excludeCredentials: withBinaryIds(json.excludeCredentials),
    };
  }

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return { ...json, challenge: fromBase64url(json.challenge),
             allowCredentials: withBinaryIds(json.allowCredentials) };
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    const r = credential.response;
    const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
    }
    return {
      id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type, response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  // Shared with the live session's check-in and ballots (static/js/session.js).
  window.ecabinet.passkey = { requestOptions, credentialJSON };

  // --- the ceremonies -----------------------------------------------------------------
  const post = (url, body) => window.ecabinet.postJSON(url, body);

  async function register(optionsUrl) {
    const options = await post(optionsUrl, {});
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
    return credentialJSON(credential);
  }

  async function getAssertion(optionsUrl) {
    const options = await post(optionsUrl, {});
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return credentialJSON(credential);
  }

  // The last approval of a recovery answers with the one-time link: it is shown here,
  // once, and the page stays (a reload would lose it).
  function showRecoveryLink(result) {
    const box = document.getElementById("recovery-link");
    box.querySelector("img").src = result.qr;
    box.querySelector("input").value = result.url;
    box.hidden = false;
  }

  const deviceName = (form) => (form.elements.device_name ? form.elements.device_name.value : "");

  const ceremonies = {
    async enroll(form, d) {
      const credential = await register(d.optionsUrl);
      await post(d.url, { credential, deviceName: deviceName(form) });
    },
    async signin(form, d) {
      await post(d.url, { credential: await getAssertion(d.optionsUrl) });
    },
    // A new passkey is a sensitive change: the person first proves it is them.
    async "add-device"(form, d) {
      await post(d.freshUrl, { credential: await getAssertion(d.freshOptionsUrl) });
      const credential = await register(d.optionsUrl);
      await post(d.url, { credential, deviceName: deviceName(form) });
    },
    async "approve-recovery"(form, d) {
      const options = await post(d.optionsUrl, {});
      const credential = await navigator.credentials.get({
        publicKey: requestOptions(options.publicKey) });
      const result = await post(d.url, { credential: credentialJSON(credential) });
      if (!result.url) return true;
      showRecoveryLink(result);
      return false;
    },
    // Ending a quarantine lets the new passkey vote: the earlier device confirms first.
    async release(form, d) {
      await post(d.freshUrl, { credential: await getAssertion(d.freshOptionsUrl) });
      await post(d.url, {});
    },
  };

  // --- telling the person what happened ---------------------------------------------
  const BROWSER_ERRORS = {
    NotAllowedError: "cancelled", AbortError: "cancelled",
    InvalidStateError: "exists", SecurityError: "security", NotSupportedError: "unsupported",
  };

  function explain(error, messages) {
    if (error && error.problem) return error.message; // the server's words, translated
    if (error instanceof TypeError) return messages.network; // fetch could not connect
    const key = error && BROWSER_ERRORS[error.name];
    return (key && messages[key]) || messages.failed;
  }

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  async function perform(form) {
    const alertBox = document.getElementById("passkey-alert");
    const status = document.getElementById("passkey-status");
    const messages = alertBox.dataset;
    const button = form.querySelector("button[type=submit]");
    show(alertBox, "");
    if (!window.PublicKeyCredential || !navigator.credentials) {
      show(alertBox, messages.msgUnsupported);
      return;
    }
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    show(status, messages.msgWaiting);
    try {
      const leave = await ceremonies[form.dataset.passkey](form, form.dataset);
      if (leave === false) {
        show(status, "");
        form.removeAttribute("aria-busy");
        return;
      }
      window.location.assign(form.dataset.next || "/");
    } catch (error) {
      console.warn(error); // the page shows it to the person: a refusal, no script error
      show(status, "");
      show(alertBox, explain(error, {
        cancelled: messages.msgCancelled, exists: messages.msgExists,
        security: messages.msgSecurity, unsupported: messages.msgUnsupported,
        network: messages.msgNetwork, failed: messages.msgFailed,
      }));
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form[data-passkey]")) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        perform(form);
      });
    }
  });
})();
