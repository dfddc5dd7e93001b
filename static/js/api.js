// The one way pages talk to the JSON API: same-origin credentials, the CSRF header, JSON
// both ways, and a refusal thrown as an ApiError carrying the server's own words.
// A request whose answer never came (no network) rejects with fetch's TypeError.

const PROBLEM = "urn:ecabinet:problem:";

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// A refusal from the server: `message` is its detail (translated), `status` the HTTP
// status, `problem` the problem document (null when the answer was not JSON) and `kind`
// the problem's type without its prefix ("no-quorum-yet"), or "".
export class ApiError extends Error {
  constructor(response, problem) {
    super((problem && problem.detail) || response.statusText);
    this.name = "ApiError";
    this.status = response.status;
    this.problem = problem;
    this.kind = problem && typeof problem.type === "string" ? problem.type.replace(PROBLEM, "") : "";
  }
}

// One request: the answer's status and its JSON (null when it has none), refusals
// included. A body of undefined sends none.
export async function exchange(url, { method = "POST", body } = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const isJSON = (response.headers.get("content-type") || "").includes("json");
  return { ok: response.ok, status: response.status, response, data: isJSON ? await response.json() : null };
}

// The answer's JSON, or an ApiError.
export async function requestJSON(url, options) {
  const { response, data } = await exchange(url, options);
  if (!response.ok) throw new ApiError(response, data);
  return data;
}

export const postJSON = (url, body) => requestJSON(url, { method: "POST", body: body ?? {} });

// Whether a request's answer was lost on the way (the network, or a proxy's 502/503/504
// when a server process died): the request may or may not have been carried out.
export function answerLost(error) {
  return error instanceof TypeError || [502, 503, 504].includes(error.status);
}

// POST a request that is safe to send again (the server recognises a repeat, as it does
// a signed ballot), until an answer comes back, a few times with growing pauses.
export async function postUntilAnswered(url, body, onLost) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await postJSON(url, body);
    } catch (error) {
      if (!answerLost(error) || attempt >= 5) throw error;
      if (onLost) onLost();
      await new Promise((resolve) => { window.setTimeout(resolve, 500 * 2 ** attempt); });
    }
  }
}
