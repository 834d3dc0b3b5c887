// The thin client of the query API. Every value from the server is put on the page as text
// (textContent / createElement), never parsed as HTML, so a posting title cannot inject markup.
"use strict";

(function () {
  const TOKEN_KEY = "resumeflow.token";
  const $ = (id) => document.getElementById(id);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.className = isError ? "error" : "muted";
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  }

  async function api(path, asBlob, body) {
    const options = { headers: { Authorization: "Bearer " + token() } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return asBlob ? response.blob() : response.json();
  }

  // A list route's first page ({"items": [...], "next": cursor}); paging through the rest comes with the pages.
  async function items(path) {
    return (await api(path + (path.includes("?") ? "&" : "?") + "limit=200")).items;
  }

  // Only http(s) links are made clickable; anything else (javascript:, data:) stays plain text.
  function safeLink(url, text) {
    try {
      const parsed = new URL(url, window.location.origin);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") {
        return el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank", text: text });
      }
    } catch (_) { /* not a URL */ }
    return document.createTextNode(text);
  }

  function jobLabel(row) {
    const title = row.title || row.canonical_job_id || "";
    const label = row.company ? title + " — " + row.company : title;
    return row.url ? safeLink(row.url, label) : document.createTextNode(label);
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "";
  }

  function renderMatches(rows) {
    const list = $("matches");
    clear(list);
    if (!rows.length) list.append(el("li", { class: "muted", text: "No matches yet." }));
    for (const row of rows) {
      const skills = (row.matched_skills || []).join(", ");
      list.append(el("li", {},
        jobLabel(row),
        el("span", { class: "muted", text: " · " + row.decision + " · score " + Number(row.score).toFixed(2) }),
        skills ? el("span", { class: "prov", text: "matched: " + skills }) : null,
        el("span", { class: "prov", text: when(row.occurred_at) })));
    }
  }

  function renderDiscoveries(rows) {
    const list = $("discoveries");
    clear(list);
    if (!rows.length) list.append(el("li", { class: "muted", text: "No discoveries yet." }));
    for (const row of rows) {
      list.append(el("li", {},
        jobLabel(row),
        el("span", { class: "muted", text: " · search " + row.search_name }),
        el("span", { class: "prov", text: when(row.occurred_at) })));
    }
  }

  function provenanceText(provenance) {
    return provenance.map((p) => (p.path ? "from " + p.path : "template text") + " · " + p.transform).join("; ");
  }

  async function downloadPdf(row, link) {
    try {
      const blob = await api(row.pdf_url, true);
      const url = URL.createObjectURL(blob);
      const a = el("a", { href: url, download: row.variant_id + ".pdf" });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (error) {
      link.after(el("span", { class: "error", text: " PDF: " + error.message }));
    }
  }

  async function toggleResume(row, item, button) {
    const open = item.querySelector(".resume");
    if (open) { open.remove(); button.textContent = "Show lines"; return; }
    button.disabled = true;
    try {
      const detail = await api("/api/resumes/" + encodeURIComponent(row.event_id));
      const box = el("div", { class: "resume" });
      let section = null;
      for (const line of detail.lines) {
        if (line.section !== section) {
          section = line.section;
          box.append(el("div", { class: "section", text: section }));
        }
        box.append(el("div", {}, line.text, el("span", { class: "prov", text: provenanceText(line.provenance) })));
      }
      if (!detail.lines.length) box.append(el("span", { class: "muted", text: "No lines recorded." }));
      item.append(box);
      button.textContent = "Hide lines";
    } catch (error) {
      item.append(el("span", { class: "error", text: " " + error.message }));
    } finally {
      button.disabled = false;
    }
  }

  function renderResumes(rows) {
    const list = $("resumes");
    clear(list);
    if (!rows.length) list.append(el("li", { class: "muted", text: "No resumes yet." }));
    for (const row of rows) {
      const show = el("button", { type: "button", text: "Show lines" });
      const pdf = el("button", { type: "button", text: "PDF" });
      const item = el("li", {},
        jobLabel(row),
        el("span", { class: "muted", text: " · " + row.variant_id + " · ATS " + Number(row.ats_score).toFixed(2) + " " }),
        show, " ", pdf,
        row.provenance_summary ? el("span", { class: "prov", text: row.provenance_summary }) : null);
      show.addEventListener("click", () => toggleResume(row, item, show));
      pdf.addEventListener("click", () => downloadPdf(row, pdf));
      list.append(item);
    }
  }

  function postingLabel(row) {
    const posting = row.posting || {};
    return jobLabel({ title: posting.title, company: posting.company, url: posting.url,
                      canonical_job_id: row.canonical_job_id });
  }

  // One card per job: the variants with their ATS scores, the learner's pick first and marked, then the
  // decision. What a decision did shows when the list is reloaded (submission decides, the view follows).
  function renderReview(rows) {
    const list = $("review");
    clear(list);
    if (!rows.length) list.append(el("li", { class: "muted", text: "Nothing waits for your review." }));
    for (const row of rows) {
      const choice = el("select", { "aria-label": "variant" });
      for (const variant of row.variants) {
        const picked = variant.variant_id === row.recommended_variant_id;
        choice.append(el("option", { value: variant.variant_id, text: variant.variant_id + " · ATS " +
          Number(variant.ats_score).toFixed(2) + (picked ? " · recommended" : "") }));
      }
      const approve = el("button", { type: "button", text: "Approve" });
      const reject = el("button", { type: "button", text: "Reject" });
      const item = el("li", {}, postingLabel(row),
        el("span", { class: "muted", text: row.score === null ? "" : " · match " + Number(row.score).toFixed(2) }),
        (row.missing_skills || []).length ? el("span", { class: "prov", text: "missing: " +
          row.missing_skills.join(", ") }) : null,
        el("div", { class: "actions" }, choice, approve, reject));
      const decide = async (action, body) => {
        approve.disabled = reject.disabled = true;
        try {
          await api("/api/applications/" + encodeURIComponent(row.application_id) + "/" + action, false, body);
          item.append(el("span", { class: "prov", text: action === "approve" ? "Approved: it will be sent." :
            "Rejected." }));
        } catch (error) {
          item.append(el("span", { class: "error", text: " " + error.message }));
          approve.disabled = reject.disabled = false;
        }
      };
      approve.addEventListener("click", () => decide("approve", { variant_id: choice.value }));
      reject.addEventListener("click", () => decide("reject", {}));
      list.append(item);
    }
  }

  async function toggleTimeline(row, item, button) {
    const open = item.querySelector(".resume");
    if (open) { open.remove(); button.textContent = "Timeline"; return; }
    try {
      const detail = await api("/api/applications/" + encodeURIComponent(row.application_id));
      const box = el("div", { class: "resume" });
      for (const event of detail.timeline) {
        box.append(el("div", {}, when(event.occurred_at) + " · " + event.kind,
          event.detail ? el("span", { class: "prov", text: event.detail }) : null));
      }
      for (const answer of detail.answers || []) {
        box.append(el("div", {}, answer.question + ": " + answer.answer,
          el("span", { class: "prov", text: "from " + answer.source })));
      }
      item.append(box);
      button.textContent = "Hide timeline";
    } catch (error) {
      item.append(el("span", { class: "error", text: " " + error.message }));
    }
  }

  function renderApplications(rows) {
    const list = $("applications");
    clear(list);
    if (!rows.length) list.append(el("li", { class: "muted", text: "No applications yet." }));
    for (const row of rows) {
      const timeline = el("button", { type: "button", text: "Timeline" });
      const item = el("li", {}, postingLabel(row),
        el("span", { class: "muted", text: " · " + row.status + (row.channel ? " · " + row.channel : "") +
          (row.variant_id ? " · " + row.variant_id : "") + " " }), timeline,
        row.reason ? el("span", { class: "prov", text: row.reason }) : null);
      if (row.status === "AWAITING_MANUAL") {
        const applied = el("button", { type: "button", text: "I applied" });
        applied.addEventListener("click", async () => {
          applied.disabled = true;
          try {
            await api("/api/applications/" + encodeURIComponent(row.application_id) + "/mark-applied", false, {});
            item.append(el("span", { class: "prov", text: "Marked as applied." }));
          } catch (error) {
            item.append(el("span", { class: "error", text: " " + error.message }));
            applied.disabled = false;
          }
        });
        item.append(" ", applied);
      }
      timeline.addEventListener("click", () => toggleTimeline(row, item, timeline));
      list.append(item);
    }
  }

  async function load() {
    if (!token()) { setStatus("Paste your API token to begin."); return; }
    setStatus("Loading…");
    try {
      const [me, matches, discoveries, resumes, review, applications] = await Promise.all([
        api("/api/me").catch((error) => { if (error.status === 404) return null; throw error; }),
        items("/api/matches"), items("/api/discoveries"), items("/api/resumes"),
        items("/api/applications?status=AWAITING_REVIEW"), items("/api/applications")]);
      renderReview(review);
      renderApplications(applications.filter((row) => row.status !== "AWAITING_REVIEW"));
      $("me").textContent = me ? "Signed in as " + (me.name || me.email) + " (" + me.email + ")" : "";
      renderMatches(matches);
      renderDiscoveries(discoveries);
      renderResumes(resumes);
      $("content").classList.remove("hidden");
      setStatus("");
    } catch (error) {
      $("content").classList.add("hidden");
      setStatus(error.status === 401 ? "That token was not accepted." : "Could not load: " + error.message, true);
    }
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token").value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    $("token").value = "";
    load();
  });
  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $("content").classList.add("hidden");
    setStatus("Token forgotten.");
  });
  load();
})();
