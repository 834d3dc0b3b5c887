// Plain SVG charts, small on purpose: a line chart over periods and labelled horizontal bars. Colours are CSS
// variables (light and dark in style.css); every value from the server goes in as text (textContent); each chart
// comes with a table of the same figures, and the line chart is read with the arrow keys (a live readout says
// the selected period's values).
import { el } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
let chartId = 0;

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// The table alternative: a caption, column headers, then one row per entry, all text.
export function dataTable(caption, headers, rows, rowAttrs = () => ({})) {
  const table = el("table", { class: "data" }, el("caption", { text: caption }));
  const head = el("tr", {});
  for (const header of headers) head.append(el("th", { scope: "col", text: header }));
  table.append(el("thead", {}, head));
  const body = el("tbody", {});
  rows.forEach((row, r) => {
    const tr = el("tr", rowAttrs(r));
    row.forEach((value, i) => tr.append(el(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text: String(value) }
                                                                              : { text: String(value) })));
    body.append(tr);
  });
  table.append(body);
  return table;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const step = Math.pow(10, Math.floor(Math.log10(value)));
  for (const m of [1, 2, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

// series: [{name, values: [numbers], index}] over labels (period names); `describe(i)` says period i in words.
export function lineChart({ title, labels, series, describe }) {
  const id = "chart-" + (++chartId);
  const width = 640, height = 260, left = 40, right = 24, top = 12, bottom = 34;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (i) => left + (labels.length === 1 ? (width - left - right) / 2 : i * (width - left - right) / (labels.length - 1));
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", tabindex: 0, class: "chart",
                             "aria-labelledby": id + "-title", "aria-describedby": id + "-hint" });
  chart.append(svg("title", { id: id + "-title" }, title));
  for (const tick of [0, max / 2, max]) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: "grid" }));
    chart.append(svg("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "tick" },
                     String(Math.round(tick * 10) / 10)));
  }
  const every = Math.max(1, Math.ceil(labels.length / 8));
  labels.forEach((label, i) => {
    if (i % every === 0 || i === labels.length - 1) {
      chart.append(svg("text", { x: x(i), y: height - bottom + 18, "text-anchor": "middle", class: "tick" }, label));
    }
  });
  for (const s of series) {
    const points = s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ");
    chart.append(svg("polyline", { points, class: "series s" + s.index, fill: "none" }));
    s.values.forEach((v, i) => chart.append(svg("circle", { cx: x(i), cy: y(v), r: 3, class: "dot s" + s.index })));
  }
  const cursor = svg("line", { y1: top, y2: height - bottom, class: "cursor", visibility: "hidden" });
  chart.append(cursor);

  const hint = el("p", { id: id + "-hint", class: "muted",
                         text: "Focus the chart and use ← and → to read each period; the table below has every figure." });
  const readout = el("p", { class: "readout", "aria-live": "polite" });
  let selected = -1;
  function select(i) {
    selected = Math.max(0, Math.min(labels.length - 1, i));
    cursor.setAttribute("x1", x(selected));
    cursor.setAttribute("x2", x(selected));
    cursor.setAttribute("visibility", "visible");
    readout.textContent = describe(selected) + ": " + series.map((s) => s.name + " " + s.values[selected]).join(", ");
  }
  chart.addEventListener("keydown", (event) => {
    const moves = { ArrowLeft: selected - 1, ArrowRight: selected + 1, Home: 0, End: labels.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    select(selected < 0 ? labels.length - 1 : moves[event.key]);
  });
  chart.addEventListener("focus", () => { if (selected < 0) select(labels.length - 1); });

  const legend = el("ul", { class: "legend" });
  for (const s of series) legend.append(el("li", {}, el("span", { class: "swatch s" + s.index, "aria-hidden": "true" }), s.name));
  return el("figure", { class: "figure" }, el("figcaption", { text: title }), legend, chart, readout, hint);
}

// bars: [{label, value, text}] with value in [0, max]; the text (e.g. "2 of 3, 67%") is shown beside each bar.
export function barChart({ title, bars, max }) {
  const id = "chart-" + (++chartId);
  const rowHeight = 26, labelWidth = 190, width = 680, textWidth = 220;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const scale = (v) => (width - labelWidth - textWidth) * (max > 0 ? Math.min(v, max) / max : 0);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart bars",
                             "aria-labelledby": id + "-title" });
  chart.append(svg("title", { id: id + "-title" }, title));
  bars.forEach((bar, i) => {
    const y = 4 + i * rowHeight;
    chart.append(svg("text", { x: labelWidth - 8, y: y + 16, "text-anchor": "end", class: "label" }, bar.label));
    chart.append(svg("rect", { x: labelWidth, y: y + 3, width: width - labelWidth - textWidth, height: rowHeight - 8,
                               class: "track" }));
    chart.append(svg("rect", { x: labelWidth, y: y + 3, width: scale(bar.value), height: rowHeight - 8,
                               class: "bar" + (bar.over ? " over" : "") }));
    chart.append(svg("text", { x: width - textWidth + 8, y: y + 16, class: "label" }, bar.text));
  });
  if (!bars.length) chart.append(svg("text", { x: 8, y: 18, class: "label" }, "Nothing yet"));
  return el("figure", { class: "figure" }, el("figcaption", { text: title }), chart);
}
