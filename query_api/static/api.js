// Talking to the query API: the session cookie goes by itself (same origin), every write carries the session's
// CSRF token in X-CSRF-Token; a pasted API token (scripts, operators) is sent as a Bearer header instead.
const TOKEN_KEY = "resumeflow.token";
let csrfToken = "";

export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

export function bearer() { return sessionStorage.getItem(TOKEN_KEY) || ""; }
export function useToken(token) { sessionStorage.setItem(TOKEN_KEY, token); }
export function forgetToken() { sessionStorage.removeItem(TOKEN_KEY); }
export function setCsrf(token) { csrfToken = token || ""; }

export async function api(path, { method = "GET", body, blob = false } = {}) {
  const headers = {};
  if (bearer()) headers.Authorization = "Bearer " + bearer();
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const options = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
    throw new ApiError(message, response.status);
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
