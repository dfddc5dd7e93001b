// The roll-call view of an open vote (chosen by the chair when opening it): on the
// chair's page and the room display, each seat of the electorate and how it voted, kept
// current as ballots arrive (session.js fetches a fresh state on each count).
const root = document.getElementById("live");

if (root) {
  const WORDS = JSON.parse(document.getElementById("live-words").textContent);
  const locale = root.dataset.locale;
  const isDisplay = root.dataset.view === "display";
  const fill = (text, params) => text.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? ""));
  const word = (key, params) => fill(WORDS[key] || key, params || {});

  function choiceLabel(poll, choice) {
    const option = (poll.question_options || []).find((one) => one.key === choice);
    if (option) return (locale === "en" && option.label_en) || option.label;
    return word(`choice.${choice}`);
  }

  function render(state, me) {
    const panel = root.querySelector('[data-part="roll-call"]');
    if (!panel) return;
    const poll = state.poll;
    panel.hidden = !poll || !poll.roll_call || !(isDisplay || (me && me.may_run));
    if (panel.hidden) return;
    const list = panel.querySelector("ol");
    list.replaceChildren();
    for (const seat of poll.roll_call) {
      const line = document.createElement("li");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = seat.name;
      const how = document.createElement("span");
      how.className = seat.choice ? `badge choice-${seat.choice}` : "badge";
      how.textContent = seat.choice ? choiceLabel(poll, seat.choice) : word("roll_call.waiting");
      line.append(name, how);
      list.append(line);
    }
  }

  root.addEventListener("ecabinet:live-state", (event) => render(event.detail.state, event.detail.me));
}
