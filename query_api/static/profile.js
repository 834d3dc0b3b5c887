// Onboarding: the master resume (a JSON Resume file, or pasted) and the preferences (saved searches, submission
// mode, daily cap). Every save is a user command: the API answers 202 with its event id, and this page asks
// /api/commands/{id} until the profiles processor decided — accepted, or refused with each problem named next to
// its field (`path` is a JSON Pointer into the command: /profile/..., /preferences/..., /email, '' for all of it).
// Before that, the resume is checked as it is typed or loaded (the same check, nothing sent).
import { api, ApiError } from "./api.js";
import { el, clear, say, submitting } from "./dom.js";
import { choices } from "./choices.js";

const $ = (id) => document.getElementById(id);
let lists = null;  // GET /api/choices: the boards, remote choices and submission modes the form offers
let prefs = null;  // the accepted preferences, edited in place (fields this form does not show are kept)

// --- the command's outcome --------------------------------------------------------------------------------------

export async function outcomeOf(eventId, { tries = 90, wait = 700 } = {}) {
  for (let attempt = 0; attempt < tries; attempt += 1) {
    try {
      const outcome = await api("/api/commands/" + encodeURIComponent(eventId));
      if (outcome.status !== "PENDING") return outcome;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;  // 404: not seen by the sink yet
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return null;
}

const asProblems = (outcome) => outcome.problems.length ? outcome.problems
  : outcome.reasons.map((reason) => ({ path: "", message: reason }));

// Send one command (`request()` answers the 202's {"event_id"}), then say its outcome in `status`; `accepted` and
// `refused` show the rest. Called from a form's submit (`submitting`): its button stays disabled meanwhile, so one
// click is one command.
async function command(status, request, accepted, refused) {
  try {
    const queued = await request();
    say(status, "Sent; waiting for the check…");
    const outcome = await outcomeOf(queued.event_id);
    if (outcome === null) say(status, "Still being checked; look again in a moment.", "muted");
    else if (outcome.status === "ACCEPTED") await accepted(outcome);
    else refused(outcome);
  } catch (error) {
    say(status, "Could not send: " + error.message, "error");
    if (error instanceof ApiError && error.problems.length) refused({ problems: error.problems, reasons: [] }, true);
  }
}

function fieldName(path, prefix) {
  const rest = path.startsWith(prefix) ? path.slice(prefix.length) : path;
  return rest ? rest.split("/").filter(Boolean).join(" › ") : "(the whole document)";
}

// The value a JSON Pointer names in `doc`, for showing the field as it was sent (undefined when absent).
function pointed(doc, path) {
  let node = doc;
  for (const part of path.split("/").filter(Boolean)) {
    if (node === null || typeof node !== "object") return undefined;
    node = node[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return node;
}

// --- the resume ------------------------------------------------------------------------------------------------

function showResumeProblems(outcome, doc) {
  const list = $("resume-problems");
  clear(list);
  for (const problem of asProblems(outcome)) {
    const value = problem.path.startsWith("/profile/") && doc ? pointed(doc, problem.path.slice("/profile".length)) : undefined;
    const shown = value === undefined ? null
      : el("span", { class: "value", text: " = " + (typeof value === "string" ? value : JSON.stringify(value)).slice(0, 120) });
    list.append(el("li", { "data-path": problem.path },
      el("code", { class: "field", text: fieldName(problem.path, "/profile") }), shown,
      el("span", { class: "error", text: " — " + problem.message })));
  }
  list.hidden = !list.firstChild;
}

// --- the instant check: as the user types or pastes (once typing pauses), the API runs the processor's own check
// (POST /api/profile/validate, nothing sent) and the problems show by field before the resume is sent.

const CHECK_PAUSE_MS = 400;
let checkTimer = null;
let checkRound = 0;  // only the latest check's answer is shown: an older one may arrive after it

function stopChecking() {
  clearTimeout(checkTimer);
  checkRound += 1;
  say($("resume-check"), "");
}

function checkSoon() {
  stopChecking();
  checkTimer = setTimeout(checkResume, CHECK_PAUSE_MS);
}

async function checkResume() {
  const text = $("resume-text").value;
  const round = checkRound;
  const note = $("resume-check");
  if (!text.trim()) { showResumeProblems({ problems: [], reasons: [] }, null); return; }
  let doc = null;
  try { doc = JSON.parse(text); } catch (_) { /* the check says what is wrong with it */ }
  try {
    const answer = await api("/api/profile/validate", { method: "POST", raw: text });
    if (round !== checkRound) return;
    // Paths point into the document; the list names fields as in a refused command (/profile/...).
    showResumeProblems({ problems: answer.problems.map((p) => ({ path: "/profile" + p.path, message: p.message })),
                         reasons: [] }, doc);
    const count = answer.problems.length;
    say(note, answer.ok ? "Checked: no problems found; ready to send."
      : "Checked: " + count + " problem" + (count === 1 ? "" : "s") + " to fix before sending (listed by field below).",
    answer.ok ? "ok" : "error");
  } catch (error) {
    if (round === checkRound) say(note, "Could not check it yet: " + error.message, "muted");
  }
}

async function sendResume() {
  stopChecking();
  const text = $("resume-text").value;
  const status = $("resume-status");
  clear($("resume-problems"));
  if (!text.trim()) { say(status, "Choose a file or paste a JSON Resume document first.", "error"); return; }
  let doc = null;
  try { doc = JSON.parse(text); } catch (_) { /* the processor says what is wrong with it */ }
  await command(status, () => api("/api/profile", { method: "POST", raw: text }),
    async (outcome) => {
      say(status, "Accepted: your profile is version " + outcome.profile_version + ".", "ok");
      await loadProfile();  // the preferences form may now save (the sink wrote both from the same record)
      document.dispatchEvent(new CustomEvent("resumeflow:profile"));  // the header names the profile now
    },
    (outcome) => {
      const count = asProblems(outcome).length;
      say(status, "Not accepted: " + count + " problem" + (count === 1 ? "" : "s")
        + " to fix (listed by field below); fix them and send again.", "error");
      showResumeProblems(outcome, doc);
    });
}

function readFile() {
  const file = $("resume-file").files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    $("resume-text").value = String(reader.result);
    say($("resume-status"), "Loaded " + file.name + "; review it and send.");
    checkSoon();
  };
  reader.onerror = () => say($("resume-status"), "Could not read " + file.name, "error");
  reader.readAsText(file);
}

// --- the preferences -------------------------------------------------------------------------------------------

const words = (text) => text.split(",").map((w) => w.trim()).filter(Boolean);

function input(path, label, value, attrs = {}) {
  const id = "pref" + path.replace(/[^A-Za-z0-9]+/g, "-");
  return el("div", { class: "field-row", "data-path": path },
    el("label", { for: id, text: label }), el("input", { id, value: value ?? "", ...attrs }));
}

function select(path, label, options, value) {
  const id = "pref" + path.replace(/[^A-Za-z0-9]+/g, "-");
  return el("div", { class: "field-row", "data-path": path }, el("label", { for: id, text: label }),
    el("select", { id }, ...options.map((o) => el("option", { value: o, selected: o === value, text: o }))));
}

function searchBox(search, i) {
  const base = "/preferences/saved_searches/" + i;
  const boards = el("div", { class: "boards" }, ...search.boards.map((board, j) => el("div", { class: "board" },
    select(base + "/boards/" + j + "/source", "Board type", lists.boards, board.source),
    input(base + "/boards/" + j + "/token", "Board name or feed URL", board.token),
    el("button", { type: "button", text: "Remove board", on: { click: () => { collect(); search.boards.splice(j, 1); renderPrefs(); } } }))));
  return el("fieldset", { class: "card search" }, el("legend", { text: "Saved search " + (i + 1) }),
    input(base + "/name", "Name", search.name, { required: true }),
    input(base + "/keywords", "Keywords (comma-separated)", search.keywords.join(", ")),
    input(base + "/locations", "Places (comma-separated)", search.locations.join(", ")),
    select(base + "/remote", "Remote", lists.remote, search.remote),
    input(base + "/salary_floor", "Salary floor (yearly, empty for none)", search.salary_floor ?? "", { type: "number", min: "0", step: "1000" }),
    input(base + "/salary_currency", "Currency", search.salary_currency, { maxlength: "3" }),
    input(base + "/exclusions", "Exclusions (comma-separated)", search.exclusions.join(", ")),
    boards,
    el("div", { class: "actions" },
      el("button", { type: "button", text: "Add board", on: { click: () => { collect(); search.boards.push({ source: lists.boards[0], token: "" }); renderPrefs(); } } }),
      el("button", { type: "button", text: "Remove this search", on: { click: () => { collect(); prefs.saved_searches.splice(i, 1); renderPrefs(); } } })));
}

const NEW_SEARCH = () => ({ name: "", keywords: [], locations: [], remote: lists.remote[0], boards: [],
                            companies: [], salary_floor: null, salary_currency: "USD", exclusions: [] });

function renderPrefs() {
  const form = $("prefs-fields");
  clear(form);
  form.append(...prefs.saved_searches.map(searchBox),
    el("button", { type: "button", text: "Add a saved search", on: { click: () => { collect(); prefs.saved_searches.push(NEW_SEARCH()); renderPrefs(); } } }),
    select("/preferences/submission_mode", "Submission mode", lists.submission_modes, prefs.submission_mode),
    input("/preferences/daily_cap", "Daily cap (applications a day)", prefs.daily_cap, { type: "number", min: "0", max: "1000" }));
}

const at = (path) => '#prefs-form [data-path="' + CSS.escape(path) + '"]';
const valueAt = (path) => document.querySelector(at(path) + " input, " + at(path) + " select").value;

// The form's values into `prefs` (what the user typed, as typed: the server names what is wrong).
function collect() {
  prefs.saved_searches.forEach((search, i) => {
    const base = "/preferences/saved_searches/" + i;
    search.name = valueAt(base + "/name").trim();
    search.keywords = words(valueAt(base + "/keywords"));
    search.locations = words(valueAt(base + "/locations"));
    search.remote = valueAt(base + "/remote");
    const floor = valueAt(base + "/salary_floor").trim();
    search.salary_floor = floor === "" ? null : Number(floor);
    search.salary_currency = valueAt(base + "/salary_currency").trim().toUpperCase();
    search.exclusions = words(valueAt(base + "/exclusions"));
    search.boards.forEach((board, j) => {
      board.source = valueAt(base + "/boards/" + j + "/source");
      board.token = valueAt(base + "/boards/" + j + "/token").trim();
    });
  });
  prefs.submission_mode = valueAt("/preferences/submission_mode");
  const cap = valueAt("/preferences/daily_cap").trim();
  prefs.daily_cap = cap === "" ? null : Number(cap);  // empty is not 0 (no sending): the API names the field
}

// Each problem next to its field (the nearest enclosing field the form shows), else in the list under the form.
function showPrefsProblems(problems) {
  for (const old of document.querySelectorAll("#prefs-form .problem")) old.remove();
  for (const field of document.querySelectorAll("#prefs-form [aria-invalid]")) field.removeAttribute("aria-invalid");
  const rest = $("prefs-problems");
  clear(rest);
  problems.forEach((problem, n) => {
    let path = problem.path;
    let row = null;
    while (path && !(row = document.querySelector(at(path)))) path = path.slice(0, path.lastIndexOf("/"));
    const note = el("span", { class: "problem error", id: "prefs-problem-" + n, text: problem.message });
    const control = row && row.querySelector("input, select");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", note.id);
      row.append(note);
    } else {
      rest.append(el("li", {}, el("code", { class: "field", text: fieldName(problem.path, "/preferences") }), " — ", note));
    }
  });
  rest.hidden = !rest.firstChild;
}

async function sendPrefs() {
  collect();
  const status = $("prefs-status");
  showPrefsProblems([]);
  await command(status, () => api("/api/preferences", { method: "PUT", body: prefs }),
    (outcome) => say(status, "Accepted: preferences saved (profile version " + outcome.profile_version + ").", "ok"),
    (outcome, early) => {
      if (!early) say(status, "Not accepted; fix the marked fields and save again.", "error");
      showPrefsProblems(asProblems(outcome));
    });
}

export async function loadProfile() {
  lists = await choices();
  const answer = await api("/api/preferences");
  prefs = answer.preferences || { saved_searches: [], submission_mode: "REVIEW", daily_cap: 10 };
  $("prefs-note").textContent = !answer.registered ? "Send your resume first: searches are saved for a known profile."
    : answer.preferences ? "" : "Your saved searches are not shown here yet; saving this form replaces them.";
  renderPrefs();
}

export function wireProfile() {
  $("resume-file").addEventListener("change", readFile);
  submitting($("resume-form"), sendResume);
  $("resume-text").addEventListener("input", checkSoon);  // typing, pasting, dropping text
  submitting($("prefs-form"), sendPrefs);
}
