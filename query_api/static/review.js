// The review queue: one card per job (an application and its variants), the learner's pick highlighted, the PDF
// previewed in place, each line's provenance in the side panel, then approve (with the chosen variant), reject or
// "I applied myself". A decision is a command: the card waits for the application's new status.
import { api, page, post, bearer } from "./api.js";
import { el, clear, jobLabel, ats, say } from "./dom.js";
import { showLines, showDocument } from "./panel.js";

let nextCursor = null;

function chips(items, className, label) {
  if (!items || !items.length) return null;
  return el("div", {}, el("span", { class: "muted", text: label + ": " }),
    el("ul", { class: "chips " + className }, ...items.map((item) => el("li", { text: String(item) }))));
}

function variantBox(row, variant, index) {
  const picked = variant.variant_id === row.recommended_variant_id;
  const id = "v-" + row.application_id + "-" + index;
  const radio = el("input", { type: "radio", name: "variant-" + row.application_id, id, value: variant.variant_id,
                              checked: picked || (!row.recommended_variant_id && index === 0) });
  const preview = el("div");
  const previewButton = el("button", { type: "button", text: "Preview PDF", "aria-expanded": "false" });
  previewButton.addEventListener("click", () => {
    const open = preview.firstChild;
    clear(preview);
    previewButton.setAttribute("aria-expanded", open ? "false" : "true");
    previewButton.textContent = open ? "Preview PDF" : "Hide preview";
    if (!open) preview.append(previewFrame(variant.pdf_url, variant.variant_id));
  });
  const lines = el("button", { type: "button", text: "Lines and sources" });
  lines.addEventListener("click", () => showLines(row, variant, lines));
  return el("div", { class: "variant" + (picked ? " pick" : ""), "data-variant": variant.variant_id },
    radio, " ", el("label", { for: id, text: variant.variant_id }),
    picked ? el("strong", { text: " · the learner's pick" }) : null,
    el("div", { class: "muted", text: (variant.template || "") + " · " + ats(variant.ats_score) }),
    el("div", { class: "row" }, previewButton, lines), preview);
}

// Shown in place with the session cookie; a pasted Bearer token cannot reach a frame, so then it downloads.
export function previewFrame(url, title) {
  if (bearer()) {
    const link = el("button", { type: "button", text: "Download (previews need a signed-in session)" });
    link.addEventListener("click", async () => {
      const blob = await api(url, { blob: true });
      const href = URL.createObjectURL(blob);
      const a = el("a", { href, download: title + ".pdf" });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 60000);
    });
    return link;
  }
  return el("iframe", { class: "preview", src: url + "?inline=1", title: "PDF of " + title });
}

const WAITING = "AWAITING_REVIEW";

// After a command the view follows once submission has taken it: ask again for a while.
async function follow(row, note, done) {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, attempt < 10 ? 700 : 2000));
    try {
      const detail = await api("/api/applications/" + encodeURIComponent(row.application_id));
      if (detail.status !== WAITING) {
        say(note, "Now " + detail.status + (detail.reason ? ": " + detail.reason : "") + ".", "ok");
        done(detail);
        return;
      }
    } catch (error) {
      say(note, error.message, "error");
      return;
    }
  }
  say(note, "Sent; the application has not changed yet. Look again in Applications.", "muted");
}

function card(row) {
  const note = el("p", { role: "status", class: "muted" });
  const variants = el("fieldset", { class: "variants" }, el("legend", { text: "Variants" }),
    ...row.variants.map((variant, index) => variantBox(row, variant, index)));
  const approve = el("button", { type: "button", class: "primary", text: "Approve and send" });
  const reject = el("button", { type: "button", text: "Reject" });
  const applied = el("button", { type: "button", text: "I applied myself" });
  const buttons = [approve, reject, applied];
  const letter = row.cover_letter_url ? el("button", { type: "button", text: "Cover letter" }) : null;
  if (letter) letter.addEventListener("click", () => showDocument("Cover letter", row.cover_letter_url, letter));
  const node = el("article", { class: "card", "data-application": row.application_id },
    el("h3", {}, jobLabel(row)),
    el("div", { class: "muted", text: [row.score === null || row.score === undefined ? "" :
      "match " + Math.round(Number(row.score) * 100) + "%", row.seniority || ""].filter(Boolean).join(" · ") }),
    chips(row.match_reasons, "reasons", "Why it matches"),
    chips(row.matched_skills, "matched", "Skills you have"),
    chips(row.missing_skills, "missing", "Missing skills"),
    variants,
    el("div", { class: "actions" }, ...buttons, letter), note);
  const decide = async (action, body, said) => {
    for (const button of buttons) button.disabled = true;
    try {
      await post("/api/applications/" + encodeURIComponent(row.application_id) + "/" + action, body);
      say(note, said, "muted");
      await follow(row, note, () => node.classList.add("decided"));
    } catch (error) {
      say(note, error.message, "error");
      for (const button of buttons) button.disabled = false;
    }
  };
  approve.addEventListener("click", () => {
    const chosen = variants.querySelector("input[type=radio]:checked");
    decide("approve", chosen ? { variant_id: chosen.value } : {}, "Approved" +
      (chosen ? " with " + chosen.value : "") + "; waiting for it to be sent…");
  });
  reject.addEventListener("click", () => decide("reject", {}, "Rejected; waiting for the queue to follow…"));
  applied.addEventListener("click", () => decide("mark-applied", {}, "Marked as applied; recording it…"));
  return node;
}

export async function loadReview(more) {
  const list = document.getElementById("review");
  const moreButton = document.getElementById("review-more");
  if (!more) { clear(list); nextCursor = null; }
  const query = new URLSearchParams({ status: WAITING });
  const board = document.getElementById("review-board").value;
  const search = document.getElementById("review-search").value.trim();
  if (board) query.set("board", board);
  if (search) query.set("q", search);
  const result = await page("/api/applications?" + query.toString(), more ? nextCursor : null);
  nextCursor = result.next;
  if (!more && !result.items.length) {
    const text = board || search ? "Nothing waiting for your review matches these filters." : "Nothing waits for your review.";
    list.append(el("p", { class: "muted", text }));
  }
  for (const row of result.items) list.append(card(row));
  moreButton.hidden = !nextCursor;
}
