// Uploads with a progress bar: <form data-upload="/api/..."> with a file input named
// "file" and a <progress data-progress>. fetch() cannot report upload progress, so this
// uses XMLHttpRequest. The server checks everything; a refusal's detail is shown as is.
import { csrfToken } from "./api.js";

function upload(form) {
  const progress = form.querySelector("[data-progress]");
  const status = form.querySelector("[data-upload-status]");
  const box = form.querySelector("[data-error]");
  const button = form.querySelector("[type=submit]");
  const request = new XMLHttpRequest();
  request.open("POST", form.dataset.upload);
  request.setRequestHeader("X-CSRF-Token", csrfToken());
  request.responseType = "json";
  if (box) box.hidden = true;
  if (button) button.disabled = true;
  if (progress) {
    progress.hidden = false;
    progress.value = 0;
  }
  request.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    const percent = Math.round((event.loaded / event.total) * 100);
    if (progress) progress.value = percent;
    if (status) status.textContent = percent + " %";
  });
  request.addEventListener("load", () => {
    if (request.status >= 200 && request.status < 300) {
      if (progress) progress.value = 100;
      window.location.reload();
      return;
    }
    fail((request.response && request.response.detail) || request.statusText);
  });
  request.addEventListener("error", () => fail(form.dataset.networkError || "Network error"));

  function fail(message) {
    if (box) {
      box.textContent = message;
      box.hidden = false;
    }
    if (progress) progress.hidden = true;
    if (status) status.textContent = "";
    if (button) button.disabled = false;
  }

  request.send(new FormData(form));
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.upload) return;
  event.preventDefault();
  upload(form);
});
