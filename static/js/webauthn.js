// The one passkey ceremony: registration and assertion with navigator.credentials, the
// JSON the server exchanges (with a base64url fallback for browsers without the WebAuthn
// JSON helpers, older Safari), and what to tell the person when it fails. Used by the
// passkey pages (passkeys.js), the minutes (minutes.js), written polls (ballot.js) and the
// live session's check-in and ballots (session.js).
import { postJSON } from "./api.js";

function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64url(text) {
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

export const supported = () => Boolean(window.PublicKeyCredential && navigator.credentials);

// A new passkey, from the server's creation options (JSON): the credential as JSON.
export async function register(options) {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
  return credentialJSON(credential);
}

// A passkey's signature over the server's challenge, from its request options (JSON).
export async function assertion(options) {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
  return credentialJSON(credential);
}

// The same, with the options asked of the server first (POST optionsUrl with body).
export const registerAt = async (optionsUrl, body) => register(await postJSON(optionsUrl, body));
export const assertionAt = async (optionsUrl, body) => assertion(await postJSON(optionsUrl, body));

// --- telling the person what happened ---------------------------------------------
const BROWSER_ERRORS = {
  NotAllowedError: "cancelled", AbortError: "cancelled",
  InvalidStateError: "exists", SecurityError: "security", NotSupportedError: "unsupported",
};

// The words for a failed ceremony: the server's (translated) for a refusal, else the
// page's message for what the browser said; `failed` when the page has no better one.
export function explain(error, messages) {
  if (error && error.problem) return error.message;
  if (error instanceof TypeError) return messages.network; // fetch could not connect
  const key = error && BROWSER_ERRORS[error.name];
  return (key && messages[key]) || messages.failed;
}

// The messages of templates/_passkey_messages.html (data-msg-* of #passkey-alert).
export function pageMessages(alertBox) {
  const d = alertBox ? alertBox.dataset : {};
  return {
    waiting: d.msgWaiting, cancelled: d.msgCancelled, exists: d.msgExists, security: d.msgSecurity,
    unsupported: d.msgUnsupported, network: d.msgNetwork, failed: d.msgFailed,
  };
}

export function show(element, text) {
  if (!element) return;
  element.textContent = text;
  element.hidden = !text;
}

// A ceremony started by `button` on a page that includes _passkey_messages.html: the
// waiting line while the device asks, and on failure the explanation in the alert, the
// button enabled again. `busy` (optional) is marked aria-busy meanwhile. Resolves to
// {ok: true, value} with what `work` returned, or to {ok: false} once the failure is shown.
export async function perform(button, work, busy) {
  const alertBox = document.getElementById("passkey-alert");
  const status = document.getElementById("passkey-status");
  const messages = pageMessages(alertBox);
  show(alertBox, "");
  if (!supported()) {
    show(alertBox, messages.unsupported);
    return { ok: false };
  }
  button.disabled = true;
  if (busy) busy.setAttribute("aria-busy", "true");
  show(status, messages.waiting);
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    console.warn(error); // the page shows it to the person: a refusal, no script error
    show(status, "");
    show(alertBox, explain(error, messages));
    button.disabled = false;
    if (busy) busy.removeAttribute("aria-busy");
    return { ok: false };
  }
}
