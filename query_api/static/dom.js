// Building the page: every value from the server goes in as text (textContent, text nodes), never as HTML, so a
// hostile posting title stays text; links are made only for http(s) URLs.
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function safeLink(url, text) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      return el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank", text });
    }
  } catch (_) { /* not an absolute URL */ }
  return document.createTextNode(text);
}

export function jobLabel(row) {
  const posting = row.posting || {};
  const title = posting.title || row.title || row.canonical_job_id || "";
  const company = posting.company || row.company;
  const label = company ? title + " — " + company : title;
  const url = posting.url || row.url;
  return url ? safeLink(url, label) : document.createTextNode(label);
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

export function ats(score) {
  return "ATS " + Math.round(Number(score) * 100) + "%";
}

export function say(node, text, kind) {
  node.textContent = text;
  node.className = kind || "muted";
}

// Every form's submit goes through here: no page load, the form's buttons disabled until `fn(form)` settles and
// any submit meanwhile ignored (one click, or Enter, is one request), and with `error` given, that element
// cleared first and then saying `verb: <why>` if `fn` failed. Without `error`, `fn` says its own failures.
export function submitting(form, fn, { error, verb } = {}) {
  let pending = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (pending) return;
    pending = true;
    const buttons = [...form.querySelectorAll("button")];
    for (const button of buttons) button.disabled = true;
    if (error) error.textContent = "";
    try {
      await fn(form);
    } catch (failure) {
      if (!error) throw failure;
      say(error, verb + ": " + failure.message, "error");
    } finally {
      for (const button of buttons) button.disabled = false;
      pending = false;
    }
  });
}
