// Passkey ceremonies for the enrollment, sign-in and "my devices" pages.
// Forms carry data-passkey="enroll|signin|add-device|approve-recovery|release" and the API
// addresses in data-*; the messages come translated from the page
// (templates/_passkey_messages.html).
import { postJSON as post } from "./api.js";
import { assertion, assertionAt, perform, registerAt, show } from "./webauthn.js";

// The last approval of a recovery answers with the one-time link: it is shown here,
// once, and the page stays (a reload would lose it).
function showRecoveryLink(result) {
  const box = document.getElementById("recovery-link");
  box.querySelector("img").src = result.qr;
  box.querySelector("input").value = result.url;
  box.hidden = false;
}

const deviceName = (form) => (form.elements.device_name ? form.elements.device_name.value : "");

// Each resolves to false when the page stays, else the browser goes to data-next.
const ceremonies = {
  async enroll(form, d) {
    const credential = await registerAt(d.optionsUrl);
    await post(d.url, { credential, deviceName: deviceName(form) });
  },
  async signin(form, d) {
    await post(d.url, { credential: await assertionAt(d.optionsUrl) });
  },
  // A new passkey is a sensitive change: the person first proves it is them.
  async "add-device"(form, d) {
    await post(d.freshUrl, { credential: await assertionAt(d.freshOptionsUrl) });
    const credential = await registerAt(d.optionsUrl);
    await post(d.url, { credential, deviceName: deviceName(form) });
  },
  async "approve-recovery"(form, d) {
    const options = await post(d.optionsUrl, {});
    const result = await post(d.url, { credential: await assertion(options.publicKey) });
    if (!result.url) return true;
    showRecoveryLink(result);
    return false;
  },
  // Ending a quarantine lets the new passkey vote: the earlier device confirms first.
  async release(form, d) {
    await post(d.freshUrl, { credential: await assertionAt(d.freshOptionsUrl) });
    await post(d.url, {});
  },
};

async function start(form) {
  const button = form.querySelector("button[type=submit]");
  const done = await perform(button, () => ceremonies[form.dataset.passkey](form, form.dataset), form);
  if (!done.ok) return;
  if (done.value === false) {
    show(document.getElementById("passkey-status"), "");
    form.removeAttribute("aria-busy");
    return;
  }
  window.location.assign(form.dataset.next || "/");
}

for (const form of document.querySelectorAll("form[data-passkey]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    start(form);
  });
}
