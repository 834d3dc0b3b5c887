// The web client's entry: who is signed in (the session cookie, or a pasted API token), which page the address's
// #hash names, the sign-in, sign-up and sign-out forms, and the mailed links (sign-in, sign-up's confirm). No
// framework, no build step: plain modules.
import { api, post, setCsrf, useToken, forgetToken, bearer, ApiError } from "./api.js";
import { say, submitting } from "./dom.js";
import { fillFilters } from "./choices.js";
import { loadReview } from "./review.js";
import { loadApplications } from "./applications.js";
import { loadDashboard } from "./dashboard.js";
import { closePanel } from "./panel.js";
import { loadProfile, wireProfile } from "./profile.js";

const $ = (id) => document.getElementById(id);
const PAGES = { review: loadReview, applications: loadApplications, dashboard: loadDashboard,
                profile: loadProfile };
const LINK_PREFIX = "#signin-link=";
const CONFIRM_PREFIX = "#signup-confirm=";
const AFTER_SIGNUP = "resumeflow.afterSignup";  // the page the sign-up form was on, to come back to from the mail
let signedIn = false;

function showPage(name) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== "page-" + name;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function route() {
  if (!signedIn) { showPage("auth"); return; }
  const name = PAGES[location.hash.slice(1)] ? location.hash.slice(1) : "review";
  showPage(name);
  say($("status"), "Loading…");
  try {
    await fillFilters();
    await PAGES[name](false);
    say($("status"), "");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) { signedOut("Your session has ended; sign in again."); return; }
    say($("status"), "Could not load: " + error.message, "error");
  }
}

async function showWho() {
  try {
    const me = await api("/api/me");
    $("who").textContent = "Signed in as " + (me.name ? me.name + " (" + me.email + ")" : me.email);
  } catch (_) {
    $("who").textContent = "Signed in (no profile yet)";
  }
}

async function greet(via) {
  signedIn = true;
  $("nav").hidden = false;
  $("signout").hidden = false;
  $("signout").textContent = via === "bearer" ? "Forget token" : "Sign out";
  await showWho();
  await route();
}

document.addEventListener("resumeflow:profile", showWho);

function signedOut(message) {
  signedIn = false;
  setCsrf("");
  $("nav").hidden = true;
  $("signout").hidden = true;
  $("who").textContent = "";
  say($("status"), message || "");
  showPage("auth");
}

// A mailed link (`/#signin-link=TOKEN`, or a sign-up's `/#signup-confirm=TOKEN`): the token is in the fragment,
// so it never reaches a server log or a Referer; it is taken off the address at once and traded for a session.
const MAILED_LINKS = [
  { prefix: LINK_PREFIX, path: "/api/auth/link/signin", page: () => "#dashboard", what: "sign-in link" },
  { prefix: CONFIRM_PREFIX, path: "/api/auth/signup/confirm", what: "sign-up link",
    page: () => localStorage.getItem(AFTER_SIGNUP) || "#review" },
];

function mailedLink() {
  return MAILED_LINKS.find((link) => location.hash.startsWith(link.prefix));
}

async function followMailedLink(link) {
  const token = location.hash.slice(link.prefix.length);
  history.replaceState(null, "", link.page());
  try {
    const answer = await post(link.path, { token });
    forgetToken();
    setCsrf(answer.csrf_token);
    if (link.prefix === CONFIRM_PREFIX) localStorage.removeItem(AFTER_SIGNUP);
    await greet("session");
  } catch (error) {
    signedOut("That " + link.what + " did not work (" + error.message + ").");
  }
}

async function start() {
  const link = mailedLink();
  if (link) { await followMailedLink(link); return; }
  try {
    const session = await api("/api/auth/session");
    setCsrf(session.csrf_token);
    await greet(session.via);
  } catch (error) {
    if (bearer()) { forgetToken(); signedOut("That token was not accepted."); return; }
    signedOut(error.status === 401 ? "" : "Could not reach the API: " + error.message);
  }
}

async function signInWith(path, form) {
  const answer = await post(path, { email: form.email.value.trim(), password: form.password.value });
  form.password.value = "";
  forgetToken();
  setCsrf(answer.csrf_token);
  if (!location.hash) history.replaceState(null, "", "#review");
  await greet("session");
}

const authError = $("auth-error");
submitting($("signin-form"), (form) => signInWith("/api/auth/signin", form),
           { error: authError, verb: "Could not sign in" });
// Sign-up answers the same whether or not the email has an account: the mail says which (a confirm link, or a
// sign-in link for an existing account), so the form only says where to look.
submitting($("signup-form"), async (form) => {
  const answer = await post("/api/auth/signup", { email: form.email.value.trim(), password: form.password.value });
  form.password.value = "";
  if (PAGES[location.hash.slice(1)]) localStorage.setItem(AFTER_SIGNUP, location.hash);
  $("signup-status").textContent = "Sent: " + answer.status + ".";
}, { error: authError, verb: "Could not create the account" });
submitting($("link-form"), async (form) => {
  const answer = await post("/api/auth/link", { email: form.email.value.trim() });
  $("link-status").textContent = "Sent: " + answer.status + ".";
}, { error: authError, verb: "Could not send a link" });
$("dashboard-period").addEventListener("change", () => loadDashboard());
submitting($("token-form"), async () => {
  const value = $("token").value.trim();
  $("token").value = "";
  if (!value) return;
  useToken(value);
  await start();  // says itself whether the token was accepted
});
$("signout").addEventListener("click", async () => {
  if (!bearer()) {
    try { await post("/api/auth/signout"); } catch (_) { /* the session is gone either way */ }
  }
  forgetToken();
  signedOut("Signed out.");
});
$("review-more").addEventListener("click", () => loadReview(true));
$("applications-more").addEventListener("click", () => loadApplications(true));
for (const id of ["app-filter", "app-channel", "app-board"]) {
  $(id).addEventListener("change", () => loadApplications(false));
}
$("review-board").addEventListener("change", () => loadReview(false));
// A search runs once typing pauses, not on every key.
let searchTimer = null;
for (const [id, load] of [["app-search", loadApplications], ["review-search", loadReview]]) {
  $(id).addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => load(false), 300);
  });
}
$("panel-close").addEventListener("click", closePanel);
document.addEventListener("keydown", (event) => { if (event.key === "Escape" && !$("panel").hidden) closePanel(); });
wireProfile();
window.addEventListener("hashchange", () => {
  const link = mailedLink();
  return link ? followMailedLink(link) : route();
});
start();
