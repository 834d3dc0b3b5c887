// The applications table: status, channel, variant, a timeline per application, an outcome in two clicks
// (open "Record outcome", pick one), and IN_DOUBT applications asking the user whether they were sent.
import { api, page, post } from "./api.js";
import { el, clear, jobLabel, when, say } from "./dom.js";

const OUTCOMES = [["ACKNOWLEDGED", "Acknowledged"], ["SCREEN", "Screening call"], ["INTERVIEW", "Interview"],
                  ["OFFER", "Offer"], ["REJECTED", "Rejected"], ["ACCEPTED", "Accepted an offer"],
                  ["WITHDRAWN", "I withdrew"], ["NO_RESPONSE", "No response"], ["OTHER", "Other"]];
let nextCursor = null;

function today() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

async function toggleTimeline(row, button, detailRow) {
  const cell = detailRow.firstChild;
  if (!detailRow.hidden) { detailRow.hidden = true; button.setAttribute("aria-expanded", "false"); return; }
  clear(cell);
  try {
    const detail = await api("/api/applications/" + encodeURIComponent(row.application_id));
    const list = el("ol", { class: "timeline" });
    for (const event of detail.timeline) {
      list.append(el("li", {}, when(event.occurred_at) + " · " + event.kind +
        (event.channel ? " · " + event.channel : "") + (event.detail ? " — " + event.detail : "")));
    }
    if (!detail.timeline.length) list.append(el("li", { class: "muted", text: "Nothing recorded yet." }));
    cell.append(list);
    if (detail.outcome) cell.append(el("p", { class: "muted", text: "Outcome: " + detail.outcome.outcome }));
    for (const answer of detail.answers || []) {
      cell.append(el("div", { class: "muted", text: answer.question + ": " + answer.answer +
        (answer.source ? " (from " + answer.source + ")" : "") }));
    }
  } catch (error) {
    cell.append(el("p", { class: "error", text: error.message }));
  }
  detailRow.hidden = false;
  button.setAttribute("aria-expanded", "true");
}

function outcomeMenu(row, note) {
  const menu = el("details", { class: "outcome" }, el("summary", { text: "Record outcome" }));
  const choices = el("div", { class: "actions" });
  for (const [kind, label] of OUTCOMES) {
    const button = el("button", { type: "button", text: label });
    button.addEventListener("click", async () => {
      try {
        await post("/api/applications/" + encodeURIComponent(row.application_id) + "/outcomes",
                   { kind, date: today() });
        say(note, label + " recorded.", "ok");
        menu.open = false;
      } catch (error) {
        say(note, error.message, "error");
      }
    });
    choices.append(button);
  }
  menu.append(choices);
  return menu;
}

function command(row, action, label, note, doneText) {
  const button = el("button", { type: "button", text: label });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await post("/api/applications/" + encodeURIComponent(row.application_id) + "/" + action, {});
      say(note, doneText, "ok");
    } catch (error) {
      say(note, error.message, "error");
      button.disabled = false;
    }
  });
  return button;
}

function rows(row) {
  const note = el("div", { role: "status", class: "muted" });
  const timeline = el("button", { type: "button", text: "Timeline", "aria-expanded": "false" });
  const detailRow = el("tr", { class: "detail", hidden: true }, el("td", { colspan: "6" }));
  timeline.addEventListener("click", () => toggleTimeline(row, timeline, detailRow));
  const actions = el("div", { class: "actions" });
  if (row.status === "IN_DOUBT") {
    actions.append(el("span", { class: "status-IN_DOUBT",
      text: "We could not confirm this was sent. Did it reach the employer?" }),
    command(row, "confirm-sent", "Yes, it was sent", note, "Confirmed as sent."),
    command(row, "confirm-not-sent", "No, it was not sent", note, "Noted: it may be sent again."));
  } else if (row.status === "AWAITING_MANUAL") {
    actions.append(command(row, "mark-applied", "I applied", note, "Marked as applied."));
  }
  const main = el("tr", { "data-application": row.application_id, "data-status": row.status },
    el("td", {}, jobLabel(row), actions, note),
    el("td", {}, el("span", { class: "status-" + row.status, text: row.status }),
      row.reason ? el("div", { class: "muted", text: row.reason }) : null),
    el("td", { text: row.channel || "—" }),
    el("td", { text: row.variant_id || row.recommended_variant_id || "—" }),
    el("td", { text: when(row.updated_at) }),
    el("td", {}, timeline, " ", outcomeMenu(row, note)));
  return [main, detailRow];
}

// The filters as query parameters; empty ones are left out (the API reads an absent one as "any").
function filters() {
  const query = new URLSearchParams();
  for (const [name, id] of [["status", "app-filter"], ["channel", "app-channel"], ["board", "app-board"],
                            ["q", "app-search"]]) {
    const value = document.getElementById(id).value.trim();
    if (value) query.set(name, value);
  }
  return query;
}

export async function loadApplications(more) {
  const body = document.getElementById("applications");
  const moreButton = document.getElementById("applications-more");
  if (!more) { clear(body); nextCursor = null; }
  const chosen = filters();
  const result = await page("/api/applications?" + chosen.toString(), more ? nextCursor : null);
  nextCursor = result.next;
  if (!more && !result.items.length) {
    const text = chosen.toString() ? "No applications match these filters." : "No applications yet.";
    body.append(el("tr", {}, el("td", { colspan: "6", class: "muted", text })));
  }
  for (const row of result.items) body.append(...rows(row));
  moreButton.hidden = !nextCursor;
}
