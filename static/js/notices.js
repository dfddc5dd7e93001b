// Shows the notices the live connection hands over (live.js dispatches each as an
// "ecabinet:event" on document): one line per notice in a polite live region, linking to
// the page concerned. The texts come from the server in the reader's language
// (#notice-words, from labels.NOTICES); a kind without a text is not shown.
function start() {
  const KEEP = 4; // older lines go: the region is a hint, the pages hold the truth
  const source = document.getElementById("notice-words");
  const region = document.getElementById("live-notices");
  if (!source || !region) return;
  const words = JSON.parse(source.textContent);

  function linkOf(pattern, message) {
    if (!pattern) return "";
    const values = { meeting: message.meeting, ...(message.data || {}) };
    let missing = false;
    const href = pattern.replace(/\{(\w+)\}/g, (_, name) => {
      const value = values[name];
      if (value === undefined || value === null) missing = true;
      return encodeURIComponent(String(value));
    });
    return missing ? "" : href;
  }

  function show(message) {
    const word = words.kinds[message.kind];
    if (!word) return;
    const line = document.createElement("p");
    line.className = "live-notice";
    line.dataset.kind = message.kind;
    const href = linkOf(word.link, message);
    const text = document.createElement(href ? "a" : "span");
    text.textContent = word.text;
    if (href) text.href = href;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "live-notice-close";
    close.textContent = "×";
    close.setAttribute("aria-label", words.dismiss);
    close.addEventListener("click", () => line.remove());
    line.append(text, close);
    region.prepend(line);
    while (region.children.length > KEEP) region.lastElementChild.remove();
  }

  document.addEventListener("ecabinet:event", (event) => show(event.detail || {}));
}

start();
