// Written-poll ballots: each answer is signed with the member's passkey. The server
// builds the ballot; the passkey signs its hash (the WebAuthn challenge); the server
// verifies and stores the whole assertion. Buttons carry data-ballot, data-poll,
// data-question and data-choice; the page gives the translated messages in data-msg-*.
import { answerLost, postJSON, postUntilAnswered } from "./api.js";
import { assertion } from "./webauthn.js";

const messages = document.querySelector(".ballot-messages");
const say = (name) => (messages ? messages.dataset[name] : "") || "";

async function castBallot(button) {
  const { poll, question, choice } = button.dataset;
  const status = document.querySelector(`[data-ballot-status="${question}"]`);
  const buttons = document.querySelectorAll(`[data-ballot][data-question="${question}"]`);
  buttons.forEach((b) => { b.disabled = true; });
  if (status) status.textContent = say("msgWorking");
  try {
    const issued = await postJSON(`/api/polls/${poll}/ballots/options`,
      { question: Number(question), choice });
    // Sign only a ballot over the very versions this page shows.
    const named = (issued.payload.texts || []).map((t) => `${t.version}:${t.sha256}`).join(" ");
    if (named !== ((messages && messages.dataset.texts) || "")) throw new Error(say("msgTexts"));
    const credential = await assertion(issued.publicKey);
    // Sent again if the answer is lost: the server recognises the same signed ballot.
    let cast;
    try {
      cast = await postUntilAnswered(`/api/polls/${poll}/ballots`,
        { payload: issued.payload, credential },
        () => { if (status) status.textContent = say("msgLost"); });
    } catch (error) {
      // Still no answer after the retries: the ballot may have been recorded all the
      // same, so the page never says it was not; a reload shows it if it was.
      if (!answerLost(error)) throw error;
      if (status) status.textContent = say("msgNotKnown");
      return;
    }
    if (status) status.textContent = `${say("msgDone")} ${cast.receipt}`;
    window.setTimeout(() => window.location.reload(), 800);
  } catch (error) {
    if (status) status.textContent = `${say("msgFailed")} ${error.message}`;
    buttons.forEach((b) => { b.disabled = false; });
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-ballot]");
  if (button) {
    event.preventDefault();
    castBallot(button);
  }
});
