// Forms and buttons of the meeting workspace post to the JSON API, then the page reloads.
// <form data-api="/api/..." data-method="PATCH" data-next="/x/{id}"> sends its fields as
// JSON (empty fields left out on PATCH); <button data-api-post="/api/..." data-method=
// "DELETE" data-confirm="..."> sends an empty request. Refusals show their detail.
import { requestJSON } from "./api.js";

function errorBox(element) {
  const scope = element.closest("form, section, li, details") || document;
  return scope.querySelector("[data-error]");
}

function showError(element, message) {
  const box = errorBox(element);
  if (box) {
    box.textContent = message;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }
}

const sendOnce = (url, method, body) =>
  requestJSON(url, { method, body: method === "DELETE" ? undefined : body || {} });

async function send(url, method, body) {
  try {
    return await sendOnce(url, method, body);
  } catch (error) {
    // Opening a session without a quorum: the server's warning, then the chair's choice.
    if (error.kind !== "no-quorum-yet" || !window.confirm(error.message)) throw error;
    return await sendOnce(url, method, { ...body, confirm: true });
  }
}

function fieldsOf(form, method) {
  const body = {};
  for (const [name, value] of new FormData(form).entries()) {
    if (typeof value !== "string") continue;
    if (method === "PATCH" && value === "" && name !== "opinionDeadline") continue;
    body[name] = value;
  }
  return body;
}

function after(element, data) {
  const next = element.dataset.next;
  if (next && data && data.id !== undefined) {
    window.location.assign(next.replace("{id}", String(data.id)));
  } else {
    window.location.reload();
  }
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
  event.preventDefault();
  const method = form.dataset.method || "POST";
  const button = form.querySelector("[type=submit]");
  if (button) button.disabled = true;
  try {
    after(form, await send(form.dataset.api, method, fieldsOf(form, method)));
  } catch (error) {
    showError(form, error.message);
    if (button) button.disabled = false;
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-api-post]") : null;
  if (!button) return;
  event.preventDefault();
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  button.disabled = true;
  try {
    after(button, await send(button.dataset.apiPost, button.dataset.method || "POST", {}));
  } catch (error) {
    showError(button, error.message);
    button.disabled = false;
  }
});
