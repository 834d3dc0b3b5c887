// The side panel: a variant's lines with where each came from in the profile, or a document (cover letter).
import { api, bearer } from "./api.js";
import { el, clear } from "./dom.js";

let opener = null;

function open(title, returnTo) {
  opener = returnTo;
  document.getElementById("panel-title").textContent = title;
  const body = document.getElementById("panel-body");
  clear(body);
  const panel = document.getElementById("panel");
  panel.hidden = false;
  document.getElementById("panel-close").focus();
  return body;
}

export function closePanel() {
  document.getElementById("panel").hidden = true;
  if (opener) opener.focus();
  opener = null;
}

function provenanceText(provenance) {
  if (!provenance || !provenance.length) return "template text";
  return provenance.map((p) => (p.path ? p.path : "template text") + " (" + p.transform + ")").join("; ");
}

export async function showLines(row, variant, returnTo) {
  const body = open("Lines of " + variant.variant_id + " and their sources", returnTo);
  body.append(el("p", { class: "muted", text: "Loading…" }));
  try {
    const detail = await api("/api/applications/" + encodeURIComponent(row.application_id) + "/variants/" +
                             encodeURIComponent(variant.variant_id) + "/lines");
    clear(body);
    let section = null;
    for (const line of detail.lines) {
      if (line.section !== section) {
        section = line.section;
        body.append(el("div", { class: "section", text: section }));
      }
      body.append(el("div", { class: "line", title: provenanceText(line.provenance) }, line.text,
        el("span", { class: "prov", text: "from " + provenanceText(line.provenance) })));
    }
    if (!detail.lines.length) body.append(el("p", { class: "muted", text: "No lines recorded for this variant." }));
  } catch (error) {
    clear(body);
    body.append(el("p", { class: "error", text: error.message }));
  }
}

export function showDocument(title, url, returnTo) {
  const body = open(title, returnTo);
  if (bearer()) {
    body.append(el("p", { class: "muted", text: "Previews need a signed-in session; the API serves it at " + url }));
    return;
  }
  body.append(el("iframe", { class: "preview", src: url + "?inline=1", title }));
}
