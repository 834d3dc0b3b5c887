// Talking to the query API: the session cookie goes by itself (same origin), every write carries the session's
// CSRF token in X-CSRF-Token; a pasted API token (scripts, operators) is sent as a Bearer header instead.
const TOKEN_KEY = "resumeflow.token";
let csrfToken = "";

export class ApiError extends Error {
  constructor(message, status, problems) { super(message); this.status = status; this.problems = problems || []; }
}

export function bearer() { return sessionStorage.getItem(TOKEN_KEY) || ""; }
export function useToken(token) { sessionStorage.setItem(TOKEN_KEY, token); }
export function forgetToken() { sessionStorage.removeItem(TOKEN_KEY); }
export function setCsrf(token) { csrfToken = token || ""; }

// `body` is sent as JSON; `raw` (text already JSON, e.g. a resume file) is sent as it is.
export async function api(path, { method = "GET", body, raw, blob = false } = {}) {
  const headers = {};
  if (bearer()) headers.Authorization = "Bearer " + bearer();
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const options = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  } else if (raw !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = raw;
  }
  const response = await fetch(path, options);
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    let problems = [];
    try {
      const answer = await response.json();
      message = answer.error || message;
      problems = answer.problems || [];
    } catch (_) { /* not JSON */ }
    throw new ApiError(message, response.status, problems);
  }
  return blob ? response.blob() : response.json();
}

// One page of a list route: {"items": [...], "next": cursor or null}.
export function page(path, cursor, limit = 20) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set("cursor", cursor);
  return api(path + (path.includes("?") ? "&" : "?") + query.toString());
}

export const post = (path, body) => api(path, { method: "POST", body: body === undefined ? {} : body });
