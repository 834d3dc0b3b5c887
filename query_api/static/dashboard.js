// The dashboard: the funnel over time (per day or week), response rates by variant and by board, and AI spend this
// month against the budget. Each chart has its figures as a table under it.
import { api } from "./api.js";
import { el, clear } from "./dom.js";
import { lineChart, barChart, dataTable } from "./charts.js";

const STAGE_NAMES = { discovered: "Discovered", matched: "Matched", prepared: "Prepared", submitted: "Submitted",
                      responded: "Responded", interview: "Interview", offer: "Offer" };
const $ = (id) => document.getElementById(id);
const percent = (rate) => Math.round(rate * 100) + "%";
const usd = (value) => "$" + Number(value).toFixed(2);

function details(summary, table) {
  return el("details", { class: "alt" }, el("summary", { text: summary }), table);
}

function renderFunnel(funnel) {
  const box = $("dashboard-funnel");
  clear(box);
  const unit = funnel.period === "week" ? "Week of " : "";
  const describe = (i) => unit + funnel.buckets[i];
  const stages = funnel.stages;
  const top = Math.max(1, ...stages.map((s) => s.total));
  box.append(barChart({
    title: "Funnel, last " + funnel.buckets.length + " " + funnel.period + "s",
    max: top,
    bars: stages.map((s, i) => {
      const before = i > 0 ? stages[i - 1].total : 0;
      const step = i > 0 && before > 0 ? " (" + percent(s.total / before) + " of " + STAGE_NAMES[stages[i - 1].stage].toLowerCase() + ")" : "";
      return { label: STAGE_NAMES[s.stage], value: s.total, text: String(s.total) + step };
    }),
  }));
  box.append(dataTable("Funnel totals", ["Stage", "Count"], stages.map((s) => [STAGE_NAMES[s.stage], s.total]),
                       (i) => ({ "data-stage": stages[i].stage, "data-total": String(stages[i].total) })));
  box.append(lineChart({
    title: "Each stage per " + funnel.period,
    labels: funnel.buckets.map((b) => b.slice(5)),
    series: stages.map((s, i) => ({ name: STAGE_NAMES[s.stage], values: s.counts, index: i + 1 })),
    describe,
  }));
  box.append(details("The funnel per " + funnel.period + " as a table", dataTable(
    "Each stage per " + funnel.period, [funnel.period === "week" ? "Week of" : "Day", ...stages.map((s) => STAGE_NAMES[s.stage])],
    funnel.buckets.map((b, i) => [b, ...stages.map((s) => s.counts[i])]))));
}

function rateBars(title, rows) {
  return [
    barChart({ title, max: 1, bars: rows.map((r) => ({ label: r.key, value: r.rate,
      text: r.responded + " of " + r.submitted + ", " + percent(r.rate) })) }),
    details(title + " as a table", dataTable(title, ["", "Submitted", "Answered", "Rate"],
      rows.map((r) => [r.key, r.submitted, r.responded, percent(r.rate)]))),
  ];
}

function renderRates(rates) {
  const box = $("dashboard-rates");
  clear(box);
  box.append(el("p", { text: rates.submitted
    ? rates.responded + " of " + rates.submitted + " submitted applications got an answer (" + percent(rates.rate) + ")."
    : "No application has been submitted yet." }));
  box.append(...rateBars("Response rate by variant", rates.by_variant), ...rateBars("Response rate by board", rates.by_board));
}

function renderSpend(spend) {
  const box = $("dashboard-spend");
  clear(box);
  box.append(el("p", { text: "Spent " + usd(spend.spent_usd) + " of " + usd(spend.budget_usd) + " this month (" +
    spend.month + ", " + percent(spend.share) + "); today " + usd(spend.today_usd) + " of the daily cap " +
    usd(spend.daily_budget_usd) + "." }));
  box.append(barChart({ title: "AI spend, " + spend.month, max: spend.budget_usd, bars: [
    { label: "This month", value: spend.spent_usd, text: usd(spend.spent_usd) + " of " + usd(spend.budget_usd) },
    { label: "Today", value: spend.today_usd * (spend.budget_usd / spend.daily_budget_usd),
      text: usd(spend.today_usd) + " of " + usd(spend.daily_budget_usd), over: spend.today_usd >= spend.daily_budget_usd },
  ] }));
  const spentDays = spend.days.filter((d) => d.spent_usd > 0);
  box.append(details("AI spend per day as a table", dataTable("AI spend per day, " + spend.month, ["Day", "Spent"],
    spentDays.length ? spentDays.map((d) => [d.day, usd(d.spent_usd)]) : [["—", "nothing spent yet"]])));
}

async function settle(promise, render, boxId) {
  try {
    render(await promise);
  } catch (error) {
    if (error.status === 401) throw error;
    clear($(boxId));
    $(boxId).append(el("p", { class: "error", text: "Could not load: " + error.message }));
  }
}

export async function loadDashboard() {
  const period = $("dashboard-period").value;
  await Promise.all([
    settle(api("/api/dashboard/funnel?period=" + encodeURIComponent(period)), renderFunnel, "dashboard-funnel"),
    settle(api("/api/dashboard/response-rates"), renderRates, "dashboard-rates"),
    settle(api("/api/dashboard/ai-spend"), renderSpend, "dashboard-spend"),
  ]);
}
