// The minutes page: the chair's passkey approval of the draft, the two signatures (each
// with the signer's own passkey over the documents being signed), and the drop zone of the
// verify page.
// Wired by data-* attributes; the messages come translated from _passkey_messages.html.
import { postJSON as post } from "./api.js";
import { assertionAt, perform } from "./webauthn.js";

const actions = {
  // The challenge of these options is SHA-256 of the draft PDF: the passkey signs it.
  async approve(panel) {
    const credential = await assertionAt(panel.dataset.approvalOptionsUrl);
    await post(panel.dataset.approvalUrl, { credential });
  },
  // The challenge is SHA-256 of the signing step and of the two PDFs it signs.
  async sign(panel, button) {
    const role = button.dataset.role;
    const credential = await assertionAt(panel.dataset.signOptionsUrl, { as: role });
    await post(panel.dataset.signUrl, { as: role, credential });
  },
};

async function act(panel, button) {
  const done = await perform(button, () => actions[button.dataset.minutesAction](panel, button));
  if (done.ok) window.location.reload();
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

const panel = document.getElementById("minutes-actions");
if (panel) {
  for (const button of panel.querySelectorAll("button[data-minutes-action]")) {
    button.addEventListener("click", () => act(panel, button));
  }
}
for (const form of document.querySelectorAll("form[data-dropzone]")) wireDropZone(form);
