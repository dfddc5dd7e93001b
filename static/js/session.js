// The live session page (tablet: check in, vote, the chair's controls) and the room
// display. Everything is drawn from the snapshot and kept current by live.js; nothing is
// inserted as HTML, only as text. The words and the table of the chair's steps per phase
// come from the page (JSON blocks), so the server stays the one source of both.
import { answerLost, postJSON as post, postUntilAnswered } from "./api.js";
import { stream } from "./live.js";
import { assertion, explain as explainFailure } from "./webauthn.js";

function start() {
  const root = document.getElementById("live");
  if (!root) return;
  const WORDS = JSON.parse(document.getElementById("live-words").textContent);
  const STEPS = JSON.parse(document.getElementById("live-steps").textContent);
  const meetingId = Number(root.dataset.meeting);
  const locale = root.dataset.locale;
  const isDisplay = root.dataset.view === "display";
  const SVG = "http://www.w3.org/2000/svg";
  let state = null; // what every watcher sees
  let me = null; // what only this person sees
  let busy = false;
  let receivedAt = Date.now(); // when the state arrived: the countdown runs from there

  // --- small helpers ----------------------------------------------------------------
  const fill = (text, params) => text.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? ""));
  const word = (key, params) => fill(WORDS[key] || key, params || {});
  const part = (name) => root.querySelector(`[data-part="${name}"]`);
  const setText = (name, text) => {
    for (const element of root.querySelectorAll(`[data-bind="${name}"]`)) element.textContent = text;
  };
  const show = (element, visible) => { if (element) element.hidden = !visible; };
  const allowed = (step) => state !== null && (STEPS[state.phase] || []).includes(step);
  const titleOf = (item) => (locale === "en" && item.title_en) || item.title;
  const currentItem = () => state && state.agenda.find((item) => item.id === state.current_item);
  // A "choose one option" question's options ({key, label, label_en}); none: for/against.
  const labelOf = (option) => (locale === "en" && option.label_en) || option.label;
  const choiceWord = (choice, options) => {
    const option = (options || []).find((one) => one.key === choice);
    return option ? labelOf(option) : word(`choice.${choice}`);
  };

  function element(tag, className, text) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function alertBox(text) {
    const box = document.getElementById("live-alert");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function note(text) {
    const line = document.getElementById("live-note");
    if (line) line.textContent = text || "";
  }

  // --- drawing ----------------------------------------------------------------------
  function render() {
    if (state === null) return;
    setText("phase", word(`phase.${state.phase}`));
    renderCurrent();
    renderAttendance();
    renderVote();
    renderResult();
    renderAnnulled();
    renderSpeakers();
    renderRecusals();
    if (!isDisplay) {
      renderAgenda();
      renderChair();
    }
    holdControls(); // controls drawn while a step is on its way wait for it too
    // Other scripts of the page (presenter.js) draw their parts from the same state.
    root.dispatchEvent(new CustomEvent("ecabinet:live-state", { detail: { state, me } }));
  }

  function renderCurrent() {
    const item = currentItem();
    setText("current", item ? `${item.ordinal}. ${titleOf(item)}` : word("no_item"));
    setText("current-status", item ? word(`status.${item.status}`) : "");
    setText("current-conclusion", item && item.conclusion ? item.conclusion : "");
  }

  function renderAttendance() {
    const q = state.quorum;
    setText("quorum", word(q.met ? "quorum.met" : "quorum.missing", q));
    const list = part("attendance");
    list.replaceChildren();
    for (const seat of state.attendance) {
      if (isDisplay && !seat.present) continue;
      const line = element("li", seat.present ? "present" : seat.away ? "away" : "absent");
      line.dataset.seat = seat.seat;
      line.append(element("span", "name", seat.name));
      const status = seat.present ? word("present") : seat.away ? word("away") : word("absent");
      const details = [status];
      if (seat.checked_in && seat.mode) details.push(word(`mode.${seat.mode}`));
      if (seat.stand_in) details.push(word("stand_in", { name: seat.stand_in }));
      line.append(element("span", "meta", details.join(" · ")));
      list.append(line);
    }
    if (isDisplay || me === null) return;
    const mine = state.attendance.find((seat) => seat.seat === me.seat);
    const checkedIn = Boolean(mine && mine.checked_in);
    setText("me-checkin", checkedIn ? word("checked_in", { mode: word(`mode.${mine.mode}`) }) : "");
    show(part("checkin"), me.may_check_in && !checkedIn && allowed("check_in"));
  }

  function renderVote() {
    const poll = state.poll;
    show(part("vote"), poll !== null);
    if (poll === null) return;
    setText("question", poll.question);
    setText("secret", poll.secret ? word("secret") : "");
    setText("cast", word("cast", poll));
    setText("cast-number", String(poll.cast));
    setText("cast-of", String(poll.present));
    renderOptions(part("vote-options"), poll.question_options, null);
    tickVote();
    if (isDisplay) return;
    renderTexts(poll);
    const mine = me && me.ballot;
    if (mine) {
      const chosen = mine.choice && choiceWord(mine.choice, poll.question_options);
      const choice = chosen ? `${word("your_choice", { choice: chosen })}. ` : "";
      setText("my-ballot", choice + word("receipt", { receipt: mine.receipt }));
    } else {
      setText("my-ballot", me && me.seat !== null && checkedIn() ? word("not_voted") : "");
    }
    renderChoices(poll);
    // A member who has not checked in learns why there are no choices, and checks in here.
    const notIn = Boolean(me && me.seat !== null && !mine && !checkedIn());
    show(part("vote-checkin"), notIn);
    show(part("vote-checkin-buttons"), notIn && me.may_check_in && allowed("check_in"));
  }

  // A timed vote counts down on every screen from the seconds left when the state came,
  // so a tablet's wrong clock does not matter; at zero the server takes no more ballots.
  function tickVote() {
    const poll = state && state.poll;
    const timed = Boolean(poll) && typeof poll.left === "number";
    const left = timed ? Math.max(0, poll.left - Math.floor((Date.now() - receivedAt) / 1000)) : 0;
    for (const line of root.querySelectorAll('[data-bind="vote-countdown"]')) {
      line.hidden = !timed;
      if (!timed) continue;
      line.textContent = left > 0 ? word("vote.left", { time: clock(left) }) : word("vote.closing");
      line.classList.toggle("over", left === 0);
    }
  }

  // The document versions voted on, as the ballot will name them and the passkey sign them.
  function renderTexts(poll) {
    const list = part("texts");
    if (!list) return;
    list.replaceChildren(...(poll.texts || []).map((text) => element("li", "", word("text_voted", {
      title: text.title, version: text.version, hash: shortHash(text.sha256) }))));
  }

  const shortHash = (hex) => hex.slice(0, 12).match(/.{1,4}/g).join(" ");
  const hashesOf = (texts) => (texts || []).map((text) => `${text.version}:${text.sha256}`).join(" ");

    function checkedIn() {
    const mine = me && state.attendance.find((seat) => seat.seat === me.seat);
    return Boolean(mine && mine.checked_in);
  }

  // A vote that opens comes to the first screen: on a phone the ballot would otherwise be
  // far below; focus moves to it and the status line announces it to screen readers.
  function bringVoteForward(poll) {
    const card = part("vote");
    if (!card || isDisplay) return;
    note(word("vote_opened", { question: poll.question }));
    card.scrollIntoView({ block: "start" });
    card.focus({ preventScroll: true });
  }

  function renderChoices(poll) {
    const box = part("choices");
    const mine = me && state.attendance.find((seat) => seat.seat === me.seat);
    const canVote = Boolean(mine && mine.checked_in);
    show(box, canVote);
    if (box.dataset.poll === String(poll.id)) return;
    box.dataset.poll = String(poll.id);
    box.replaceChildren();
    const kind = (option) => ((poll.question_options || []).length && option !== "abstain" ? "option" : option);
    for (const option of poll.options) {
      const button = element("button", `button huge choice choice-${kind(option)}`,
        choiceWord(option, poll.question_options));
      button.type = "button";
      button.dataset.choice = option;
      box.append(button);
    }
  }

  function latestResult() {
    const results = state.results || [];
    const forItem = results.filter((result) => result.item === state.current_item);
    return (forItem.length ? forItem : results).at(-1) || null;
  }

  function renderResult() {
    const result = state.poll === null && !pendingAnnulment() ? latestResult() : null;
    show(part("result"), result !== null);
    if (result === null) return;
    setText("result-question", result.question);
    setText("sentence", result.sentence[locale] || result.sentence.vi);
    const options = result.question_options || [];
    renderOptions(part("option-results"), options, result.outcome);
    if (options.length) {
      const { abstain, base, needed } = result.outcome;
      const counts = { ...result.outcome.options, abstain, base, needed };
      const names = Object.fromEntries(options.map((option, index) => [option.key, word("option", { n: index + 1 })]));
      drawBars(part("bars"), [...options.map((option) => option.key), "abstain"], counts,
        (key) => names[key] || word(`choice.${key}`), (key) => (key === result.outcome.adopted ? "adopted" : "option"));
    } else {
      drawBars(part("bars"), state.options, result.outcome);
    }
    drawNames(part("names"), result, options);
  }

  // The options of a "choose one option" question, numbered as the bars and the minutes
  // number them; after the close, with their votes and the adopted one marked.
  function renderOptions(list, options, outcome) {
    if (!list) return;
    show(list, Boolean(options && options.length));
    list.replaceChildren(...(options || []).map((option) => {
      const adopted = outcome !== null && outcome.adopted === option.key;
      const votes = outcome === null ? "" : ` (${word("option.votes", { votes: outcome.options[option.key] ?? 0 })})`;
      const line = element("li", adopted ? "adopted" : "", `${labelOf(option)}${votes}`);
      if (adopted) line.append(element("strong", "", ` ${word("option.adopted")}`));
      return line;
    }));
  }

  // --- an annulled vote ---------------------------------------------------------------
  // The latest vote the chair annulled on the item being taken, until it is re-run: every
  // screen says so, with the reason.
  function pendingAnnulment() {
    const annulled = (state.annulled || []).filter((one) => one.item === state.current_item);
    const last = annulled.at(-1);
    return last && last.rerun === null && state.poll === null ? last : null;
  }

  function renderAnnulled() {
    const annulled = pendingAnnulment();
    show(part("annulled"), annulled !== null);
    if (annulled === null) return;
    setText("annulled-question", annulled.question);
    setText("annulled-reason", word("annulled", annulled));
    setText("annulled-by", word("annulled_by", annulled));
  }

  // What the chair may annul: the open vote, or the one just closed on the item being taken.
  function annullable() {
    if (state.poll) return state.poll.id;
    const closed = (state.results || []).filter((result) => result.item === state.current_item);
    return state.phase === "item" && closed.length ? closed.at(-1).poll : null;
  }

  function drawBars(container, options, outcome, name = (o) => word(`choice.${o}`), kind = (o) => o) {
    const rowHeight = 56;
    const total = Math.max(outcome.base || 0, 1);
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 640 ${options.length * rowHeight + 8}`);
    svg.setAttribute("class", "bars");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", options.map((o) => `${name(o)}: ${outcome[o] ?? 0}`).join(", "));
    options.forEach((option, index) => {
      const count = outcome[option] ?? 0;
      const y = index * rowHeight + 8;
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", "0");
      label.setAttribute("y", String(y + 26));
      label.textContent = name(option);
      const bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("x", "200");
      bar.setAttribute("y", String(y));
      bar.setAttribute("height", "36");
      bar.setAttribute("width", String(Math.round((380 * count) / total)));
      bar.setAttribute("class", `bar bar-${kind(option)}`);
      const value = document.createElementNS(SVG, "text");
      value.setAttribute("x", String(210 + Math.round((380 * count) / total)));
      value.setAttribute("y", String(y + 26));
      value.setAttribute("class", "bar-value");
      value.textContent = String(count);
      svg.append(label, bar, value);
    });
    const needed = document.createElementNS(SVG, "line");
    const x = String(200 + Math.round((380 * outcome.needed) / total));
    needed.setAttribute("x1", x);
    needed.setAttribute("x2", x);
    needed.setAttribute("y1", "0");
    needed.setAttribute("y2", String(options.length * rowHeight + 8));
    needed.setAttribute("class", "threshold");
    svg.append(needed);
    container.replaceChildren(svg);
  }

  function drawNames(container, result, options) {
    container.replaceChildren();
    if (!result.by_choice) return; // a secret ballot: counts only
    for (const [choice, names] of Object.entries(result.by_choice)) {
      if (!names.length) continue;
      const group = element("div", `names names-${choice}`);
      group.append(element("h3", "", `${choiceWord(choice, options)} (${names.length})`));
      group.append(element("p", "", names.join(", ")));
      container.append(group);
    }
  }

  // --- the list of speakers ---------------------------------------------------------
  const clock = (seconds) => {
    const whole = Math.abs(seconds);
    return `${seconds < 0 ? "+" : ""}${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  };

  function tick() {
    const list = state && state.speakers;
    const current = list && list.current;
    for (const line of root.querySelectorAll('[data-bind="countdown"]')) {
      if (!current) { line.textContent = ""; line.classList.remove("over"); continue; }
      const left = current.limit - current.elapsed - Math.floor((Date.now() - receivedAt) / 1000);
      line.textContent = clock(left);
      line.classList.toggle("over", left < 0);
      line.setAttribute("aria-label", word(left < 0 ? "speakers.over" : "speakers.left", { time: clock(left) }));
    }
  }

  function renderSpeakers() {
    const list = state.speakers;
    show(part("speakers"), Boolean(list));
    if (!list) return;
    const current = list.current;
    setText("speaker", current ? `${current.name} · ${word(`speech.${current.kind}`)}` : word("speakers.nobody"));
    setText("speakers-closed", list.closed ? word("speakers.closed") : "");
    const queue = part("queue");
    queue.replaceChildren();
    const mineId = me && me.speaks_as;
    const runs = !isDisplay && me !== null && me.may_run;
    list.queue.forEach((entry, index) => {
      const line = element("li", entry.seat === mineId ? "mine" : "");
      line.dataset.request = entry.id;
      line.append(element("span", "name", `${entry.name} · ${word(`speech.${entry.kind}`)}`));
      if (runs) {
        const controls = element("span", "actions");
        if (index > 0) controls.append(moveButton(entry, entry.place - 1, "speakers.up"));
        if (index < list.queue.length - 1) controls.append(moveButton(entry, entry.place + 1, "speakers.down"));
        line.append(controls);
      }
      queue.append(line);
    });
    if (!list.queue.length) queue.append(element("li", "meta", word("speakers.empty")));
    tick();
    if (isDisplay) return;
    const mine = list.queue.find((entry) => entry.seat === mineId);
    const speaking = current && current.seat === mineId && mineId !== null;
    setText("my-place", speaking ? word("speakers.your_turn")
      : mine ? word("speakers.your_place", { place: mine.place }) : "");
    const mayAsk = Boolean(me && me.speaks_as !== null) && !mine && !speaking;
    show(part("ask"), mayAsk);
    for (const button of root.querySelectorAll("[data-speak]")) {
      button.hidden = list.closed && button.dataset.speak !== "point_of_order";
    }
    show(part("withdraw"), Boolean(mine));
    const chair = part("speakers-chair");
    show(chair, runs);
    if (!runs) return;
    show(chair.querySelector('[data-speakers="next"]'), list.queue.length > 0 && state.poll === null);
    show(chair.querySelector('[data-speakers="end"]'), Boolean(current));
    show(chair.querySelector('[data-speakers="close"]'), !list.closed);
    show(chair.querySelector('[data-speakers="reopen"]'), list.closed);
  }

  function moveButton(entry, place, key) {
    const button = element("button", "button small", word(key));
    button.type = "button";
    button.dataset.move = entry.id;
    button.dataset.place = String(place);
    button.setAttribute("aria-label", `${word(key)}: ${entry.name}`);
    return button;
  }

  async function speakers(target) {
    const base = `/api/meetings/${meetingId}/speakers`;
    let answer;
    if (target.dataset.speak) answer = await post(base, { kind: target.dataset.speak });
    else if (target.dataset.withdraw !== undefined) {
      const mine = state.speakers.queue.find((entry) => entry.seat === me.speaks_as);
      if (!mine) return;
      answer = await post(`/api/speakers/${mine.id}/withdraw`, {});
    } else if (target.dataset.move) {
      answer = await post(`/api/speakers/${target.dataset.move}/place`, { place: Number(target.dataset.place) });
    } else {
      const step = target.dataset.speakers;
      if (step === "next") answer = await post(`${base}/next`, {});
      else if (step === "end") answer = await post(`${base}/end`, {});
      else answer = await post(`${base}/list`, { closed: step === "close" });
    }
    stream.accept(answer);
  }

  // --- conflicts of interest ---------------------------------------------------------
  const SETTLED = ["adopted", "rejected", "concluded", "deferred", "consent"];

  function renderRecusals() {
    const list = part("recusals");
    list.replaceChildren();
    for (const one of state.recusals || []) {
      list.append(element("li", "", one.reason
        ? word("recused_reason", one) : word("recused", one)));
    }
    if (isDisplay) return;
    const open = state.agenda.filter((item) => !SETTLED.includes(item.status));
    const card = part("conflict");
    show(card, Boolean(me && me.speaks_as !== null) && open.length > 0
         && ["published", "open", "item"].includes(state.phase));
    const select = part("recuse-items");
    if (select.dataset.items === open.map((item) => item.id).join(",")) return;
    select.dataset.items = open.map((item) => item.id).join(",");
    select.replaceChildren();
    for (const item of open) {
      const option = element("option", "", `${item.ordinal}. ${titleOf(item)}`);
      option.value = String(item.id);
      option.selected = item.id === state.current_item;
      select.append(option);
    }
  }

  async function recuse(form) {
    stream.accept(await post(`/api/items/${form.elements.target.value}/recusals`,
                                           { reason: form.elements.reason.value }));
    form.reset();
  }

  function renderAgenda() {
    const consent = state.agenda.filter((item) => item.status === "consent");
    setText("consent", consent.length ? `${word("status.consent")}: ${consent.length}` : "");
    const list = part("agenda");
    list.replaceChildren();
    for (const item of state.agenda) {
      const line = element("li", item.id === state.current_item ? "current" : "");
      line.dataset.item = item.id;
      line.append(element("span", "name", `${item.ordinal}. ${titleOf(item)}`));
      line.append(element("span", `badge status-${item.status}`, word(`status.${item.status}`)));
      list.append(line);
    }
  }

  function renderChair() {
    const panel = part("chair");
    show(panel, me !== null && me.may_run);
    if (panel.hidden) return;
    for (const control of panel.querySelectorAll("[data-step]")) {
      show(control, allowed(control.dataset.step));
    }
    const hasConsent = state.agenda.some((item) => item.status === "consent");
    show(panel.querySelector('[data-step="adopt_consent"]'),
         allowed("adopt_consent") && hasConsent && !state.consent_adopted_at);
    show(part("secret-option"), state.secret_ballot_allowed);
    show(panel.querySelector('[data-step="annul_vote"]'), annullable() !== null);
    show(panel.querySelector('[data-step="rerun_vote"]'), state.phase === "item" && pendingAnnulment() !== null);
  }

  // --- talking to the server ----------------------------------------------------------
  function takeSnapshot(snapshot) {
    me = snapshot.me || me;
    state = snapshot;
    receivedAt = Date.now();
    render();
  }

  function explain(error) {
    return explainFailure(error, { network: word("network"), cancelled: word("cancelled"), failed: word("failed") });
  }

  // While one step is on its way, the controls that start another are disabled (they look
  // it, and say it to a screen reader), then enabled again however the step ends. Not a
  // queue: a second tap on "Take the next item" would skip an item, and a tap made
  // before a vote opened or closed would act on a page that has changed since.
  const CONTROLS = [
    "button[data-checkin]", "button[data-speak]", "button[data-withdraw]", "button[data-move]",
    "button[data-speakers]", "button[data-choice]", "button[data-defer]", "button[data-step]",
    "form[data-step] [type=submit]", "form[data-recuse] [type=submit]",
  ].join(", ");

  function holdControls() {
    for (const control of root.querySelectorAll(CONTROLS)) control.disabled = busy;
  }

  function setBusy(on) {
    busy = on;
    if (on) root.setAttribute("aria-busy", "true");
    else root.removeAttribute("aria-busy");
    holdControls();
  }

  async function perform(work) {
    if (busy) return; // no control can start a step meanwhile: they are disabled
    const used = document.activeElement;
    setBusy(true);
    alertBox("");
    try {
      await work();
    } catch (error) {
      console.warn(error); // the page shows it to the person: a refusal, no script error
      alertBox(explain(error));
    } finally {
      setBusy(false);
      note("");
      // A disabled control loses the focus: a keyboard user gets it back where it was.
      const lost = document.activeElement === null || document.activeElement === document.body;
      if (lost && used instanceof HTMLElement && used.isConnected && used.getClientRects().length) {
        used.focus({ preventScroll: true });
      }
    }
  }

  async function checkIn(mode) {
    const options = await post(`/api/meetings/${meetingId}/checkin/options`, { mode });
    note(word("waiting"));
    const credential = await assertion(options.publicKey);
    try {
      stream.accept(await post(`/api/meetings/${meetingId}/checkin`, { credential }));
    } catch (error) {
      // A lost answer: the fresh state says whether the check-in was recorded.
      throw answerNotKnown(error, "checkin_lost");
    }
  }

  // An answer still lost after the retries: the request may or may not have been carried
  // out, so the tablet never says it failed. It fetches a fresh state, which shows whether
  // it was recorded, and says so in the alert (a refusal's words, not "try again").
  function answerNotKnown(error, wordKey) {
    if (!answerLost(error)) return error;
    stream.resync();
    const unknown = new Error(word(wordKey));
    unknown.problem = { type: "answer-lost" };
    return unknown;
  }

  async function vote(choice) {
    const poll = state.poll;
    const issued = await post(`/api/polls/${poll.id}/ballots/options`,
                              { question: poll.question_id, choice });
    // Sign only a ballot over the very versions this screen shows.
    if (hashesOf(issued.payload.texts) !== hashesOf(poll.texts)) {
      const refusal = new Error(word("texts_differ"));
      refusal.problem = { type: "texts-differ" };
      throw refusal;
    }
    note(word("waiting"));
    const credential = await assertion(issued.publicKey);
    // The answer may be lost after the ballot was stored (a dropped connection, a 502):
    // the same signed ballot goes again, and the server answers with the receipt it
    // already holds rather than counting it twice or calling it "already used".
    let recorded;
    try {
      recorded = await postUntilAnswered(
        `/api/polls/${poll.id}/ballots`, { payload: issued.payload, credential },
        () => note(word("ballot_lost")));
    } catch (error) {
      throw answerNotKnown(error, "ballot_not_known");
    }
    me = { ...me, ballot: { receipt: recorded.receipt, choice: poll.secret ? null : recorded.choice } };
    render();
    if (recorded.resent) note(word("ballot_was_recorded"));
    stream.resync();
  }

  async function chairStep(control) {
    const item = currentItem();
    const step = control.dataset.step;
    if (step === "open_session") {
      stream.accept(await openSession(control.dataset.url));
    } else if (control.dataset.url) {
      stream.accept(await post(control.dataset.url, {}));
    } else if (step === "annul_vote") {
      await post(`/api/polls/${annullable()}/annul`, { reason: control.elements.reason.value });
      control.reset();
      stream.resync();
    } else if (step === "rerun_vote") {
      const url = `/api/polls/${pendingAnnulment().poll}/rerun`;
      try {
        await post(url, {});
      } catch (error) {
        if (!error.problem || error.problem.type !== "urn:ecabinet:problem:documents-changed") throw error;
        if (!window.confirm(error.message)) return;
        await post(url, { confirm_changed: true });
      }
      stream.resync();
    } else if (step === "close_vote") {
      await post(`/api/polls/${state.poll.id}/close`, {});
      stream.resync();
    } else if (step === "open_vote" && item) {
      const form = control;
      const asked = { question: form.elements.question.value, secret: form.elements.secret.checked,
                      roll_call: form.elements.roll_call.checked };
      // Options, one a line, in Vietnamese and (the same order) in English: members then
      // choose one of them or do not vote.
      const lines = (name) => form.elements[name].value.split("\n").map((line) => line.trim());
      const english = lines("options_en");
      const labels = lines("options").map((label, index) => ({ label, label_en: english[index] || "" }));
      asked.options = labels.filter((option) => option.label || option.label_en);
      const minutes = Number(form.elements.minutes.value);
      if (minutes > 0) asked.duration = Math.round(minutes * 60);
      try {
        await post(`/api/items/${item.id}/polls`, asked);
      } catch (error) {
        // Documents changed after publication: the chair confirms the warning, or stops.
        if (!error.problem || error.problem.type !== "urn:ecabinet:problem:documents-changed") throw error;
        if (!window.confirm(error.message)) return;
        await post(`/api/items/${item.id}/polls`, { ...asked, confirm_changed: true });
      }
      form.reset();
      stream.resync();
    }
  }

  // Without a quorum the server refuses and says how many are present; the chair opens
  // anyway only after confirming that warning (members often check in after the opening).
  // Likewise on a day before the scheduled date: each warning is confirmed on its own.
  const WARNINGS = {
    "urn:ecabinet:problem:no-quorum-yet": "confirm",
    "urn:ecabinet:problem:opens-before-its-date": "confirm_early",
    "urn:ecabinet:problem:opens-after-its-date": "confirm_late",
  };

  async function openSession(url) {
    const confirmed = {};
    for (let round = 0; round <= Object.keys(WARNINGS).length; round += 1) {
      try {
        return await post(url, confirmed);
      } catch (error) {
        const flag = error.problem && WARNINGS[error.problem.type];
        if (!flag || confirmed[flag]) throw error;
        if (!window.confirm(error.message)) return null;
        confirmed[flag] = true;
      }
    }
    return null;
  }

  async function conclude(form, defer) {
    const item = currentItem();
    if (!item) return;
    stream.accept(await post(`/api/items/${item.id}/conclusion`,
                                           { text: form.elements.text.value, defer }));
    form.reset();
  }

  function wire() {
    root.addEventListener("click", (event) => {
      const target = event.target.closest("button");
      if (!target || !root.contains(target)) return;
      if (target.dataset.checkin) perform(() => checkIn(target.dataset.checkin));
      else if (target.dataset.speak || target.dataset.withdraw !== undefined
               || target.dataset.move || target.dataset.speakers) perform(() => speakers(target));
      else if (target.dataset.choice) perform(() => vote(target.dataset.choice));
      else if (target.dataset.defer !== undefined) {
        perform(() => conclude(target.closest("form"), true));
      } else if (target.dataset.step && target.type !== "submit") perform(() => chairStep(target));
    });
    root.addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      if (form.dataset.step === "conclude") perform(() => conclude(form, false));
      else if (form.dataset.recuse !== undefined) perform(() => recuse(form));
      else perform(() => chairStep(form));
    });
  }

  function onTally(message) {
    if (!state || !state.poll || state.poll.id !== message.poll) {
      stream.resync();
      return;
    }
    // A roll-call view names who voted how: the chair's page and the display fetch it.
    if (state.poll.roll_call && (isDisplay || (me && me.may_run))) {
      stream.resync();
      return;
    }
    state.poll.cast = message.cast;
    renderVote();
  }

  // Who is present changed, and nothing else: the changed lines, the quorum and the
  // open vote's counts, instead of the whole member list.
  function onPresence(message) {
    if (!state) {
      stream.resync();
      return;
    }
    const changed = new Map(message.seats.map((seat) => [seat.seat, seat]));
    state.attendance = state.attendance.map((seat) => changed.get(seat.seat) || seat);
    state.quorum = message.quorum;
    if (message.poll && state.poll && state.poll.id === message.poll.id) {
      state.poll.present = message.poll.present;
      state.poll.cast = message.poll.cast;
    }
    render();
  }

  function onStatus(online) {
    for (const badge of root.querySelectorAll("[data-live-status]")) {
      badge.textContent = word(online ? "live.online" : "live.offline");
      badge.classList.toggle("ok", online);
      badge.classList.toggle("warn", !online);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    wire();
    window.setInterval(tick, 1000);
    window.setInterval(tickVote, 1000);
    onStatus(stream.online);
    stream.follow(meetingId, {
      snapshot: takeSnapshot,
      state: (snapshot) => {
        // A new vote starts with no ballot of ours; the rest of "me" does not change.
        const before = state && state.poll ? state.poll.id : null;
        const after = snapshot.poll ? snapshot.poll.id : null;
        if (me && before !== after) me = { ...me, ballot: null };
        // Sent only when presence changed: otherwise keep the list we have.
        if (!snapshot.attendance) snapshot.attendance = state ? state.attendance : [];
        state = snapshot;
        receivedAt = Date.now();
        render();
        if (after !== null && before !== after) bringVoteForward(snapshot.poll);
      },
      tally: onTally,
      presence: onPresence,
      status: onStatus,
      // The room display reads what a projector may show, signed in or not.
      snapshotUrl: isDisplay ? (id) => `/api/meetings/${id}/display` : null,
    });
  });
}

start();
