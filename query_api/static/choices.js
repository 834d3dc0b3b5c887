// The values of every enumerated filter and form field (boards, statuses, channels, remote, submission modes) come
// from the API (GET /api/choices, made from `streams.messages`): no page of the client lists them itself.
import { api } from "./api.js";
import { el } from "./dom.js";

let known = null;

// Asked once per page load; a failed ask (signed out, API away) is asked again next time.
export function choices() {
  if (!known) known = api("/api/choices").catch((error) => { known = null; throw error; });
  return known;
}

// Every `<select data-choices="boards">` (a filter): "all" (no filter), then each value of that list.
export async function fillFilters() {
  const lists = await choices();
  for (const select of document.querySelectorAll("select[data-choices]")) {
    if (select.options.length) continue;  // filled at an earlier sign-in
    select.append(el("option", { value: "", text: "all" }),
      ...lists[select.dataset.choices].map((value) => el("option", { value, text: value })));
  }
}
