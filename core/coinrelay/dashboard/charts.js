// coinrelay dashboard, the last 15 minutes: polls api/system/history and draws it with uPlot
// (vendored in dashboard/vendor/, no CDN). Every URL is relative to the page's <base>.
(() => {
"use strict";

const HISTORY_MS = 2000;
const MIN_BUCKETS = 6;  // a young server still shows a minute, not a sliver
const CHART_HEIGHT = 170;
const AXIS_SIZE = 104;  // the same y-axis gutter on every chart (and the timeline's lane labels): time axes line up
const PALETTE = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#1b7c83", "#e16f24", "#bf3989",
  "#57606a", "#0550ae", "#116329", "#953800"];
const STATE_COLORS = {closed: "#4ac26b", half_open: "#d4a72c", open: "#cf222e"};
const SERVED_COLORS = {provider: "#0969da", coalesced: "#8250df", cache: "#1a7f37", stale: "#bf8700",
  none: "#cf222e", other: "#6e7781"};

/** What the page knows, exposed for the browser test and for curious operators. */
const coinrelayCharts = {charts: {}, history: null, dashboard: null};
window.coinrelayCharts = coinrelayCharts;
const colors = new Map();

function colorOf(name) {
  if (!colors.has(name)) colors.set(name, PALETTE[colors.size % PALETTE.length]);
  return colors.get(name);
}

function hhmmss(t) { return new Date(t * 1000).toISOString().slice(11, 19); }

function mk(tag, cls, attrs) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) node.setAttribute(k, v);
  return node;
}

/** The window shown: from the first bucket with anything in it (at least MIN_BUCKETS), to now. */
function visibleWindow(h) {
  const n = h.times.length;
  const busy = i => Object.values(h.providers).some(p => p.ok[i] + p.failed[i] + p.other[i] + p.skipped[i] > 0)
    || Object.values(h.calls).some(c => c[i] > 0) || h.failovers[i] > 0;
  let first = 0;
  while (first < n - 1 && !busy(first)) first++;
  if (h.events.length) first = Math.min(first, Math.max(0, h.times.findIndex(t => t + h.bucket_seconds > h.events[0].t)));
  return Math.max(0, Math.min(first, n - MIN_BUCKETS));
}

function xRange() {
  const h = coinrelayCharts.history;
  return h ? [h.times[h.first], h.now] : [0, 1];
}

/** A uPlot chart in `el`, rebuilt only when its series change (else its data is swapped in place). */
function draw(name, el, series, data, extra) {
  const labels = series.map(s => s.label).join("\n");
  let chart = coinrelayCharts.charts[name];
  if (chart && chart.coinrelayLabels === labels) {
    chart.setData(data);
    return chart;
  }
  if (chart) chart.destroy();
  const opts = {
    width: Math.max(200, el.clientWidth),
    height: CHART_HEIGHT,
    scales: {x: {time: true, range: xRange}, ...(extra.scales || {})},
    axes: [{}, {size: AXIS_SIZE, ...(extra.axis || {})}],
    series: [{value: (u, v) => (v === null ? "–" : hhmmss(v))}, ...series],
    cursor: {drag: {x: false, y: false}},
    legend: {live: true},
    hooks: extra.hooks || {},
  };
  chart = new uPlot(opts, data, el);
  chart.coinrelayLabels = labels;
  coinrelayCharts.charts[name] = chart;
  return chart;
}

function providerSeries(names, fmt) {
  return names.map(name => ({label: name, stroke: colorOf(name), width: 2, spanGaps: false,
    points: {show: true, size: 5, fill: colorOf(name)}, value: (u, v) => (v === null || v === undefined ? "–" : fmt(v))}));
}

function drawSuccess(h, xs, names, cut) {
  const data = [xs, ...names.map(n => cut(h.providers[n].success_rate))];
  draw("success", document.getElementById("chart-success"), providerSeries(names, v => `${(v * 100).toFixed(1)}%`),
    data, {scales: {y: {range: [0, 1.02]}}, axis: {values: (u, vals) => vals.map(v => `${Math.round(v * 100)}%`)}});
}

function drawLatency(h, xs, names, cut) {
  const q = document.getElementById("percentile").value;
  const data = [xs, ...names.map(n => cut(h.providers[n].latency_ms[q]))];
  const chart = draw("latency", document.getElementById("chart-latency"),
    providerSeries(names, v => `${v.toFixed(1)} ms`), data,
    {scales: {y: {distr: 3}}, axis: {values: (u, vals) => vals.map(v => (v === null ? "" : `${+v.toPrecision(3)} ms`))}});
  chart.root.dataset.percentile = q;
}

function drawCalls(h, xs, cut) {
  const kinds = Object.keys(h.calls);
  const series = kinds.map(k => ({label: k, stroke: SERVED_COLORS[k] || SERVED_COLORS.other, width: 2,
    points: {show: true, size: 4}}));
  draw("calls", document.getElementById("chart-calls"), series, [xs, ...kinds.map(k => cut(h.calls[k]))], {});
}

/** Breaker lanes (state over time, one per breaker that moved in the window) and every event as a mark. */
function drawTimeline(h, xs, cut) {
  const host = document.getElementById("chart-timeline");
  // a bar spans its bucket: it starts at the bucket's start (align 1) and fills most of its width
  const bars = uPlot.paths.bars({size: [0.9, Infinity], align: 1});
  const series = [{label: "failovers", stroke: "#cf222e", fill: "rgba(207,34,46,0.35)", paths: bars, points: {show: false}}];
  // the marks are redrawn with the chart (new data, resize), from the latest history
  draw("timeline", host, series, [xs, cut(h.failovers).map(n => n || null)], {scales: {y: {range: (u, min, max) => [0, Math.max(1, max)]}},
    hooks: {draw: [u => marks(u, coinrelayCharts.history)]}});
}

function laneName(ev) {
  if (!ev.endpoint) return ev.provider;
  const d = coinrelayCharts.dashboard;
  const p = d && d.providers.find(x => x.name === ev.provider);
  const i = p ? p.endpoints.findIndex(e => e.url === ev.endpoint) : -1;
  return i >= 0 ? `${ev.provider} mirror ${i}` : `${ev.provider} ${ev.endpoint}`;
}

function marks(u, h) {
  const root = u.root;
  let lanes = root.querySelector(".lanes");
  if (!lanes) { lanes = mk("div", "lanes"); root.querySelector(".u-wrap").after(lanes); }
  u.over.querySelectorAll(".tl-mark").forEach(n => n.remove());
  const left = u.over.offsetLeft;
  const x = t => u.valToPos(Math.min(Math.max(t, u.scales.x.min), u.scales.x.max), "x");
  const byLane = new Map();
  for (const ev of h.events) {
    if (ev.kind === "failover") {
      u.over.append(mk("div", "tl-mark failover", {"data-kind": "failover", "data-category": ev.category,
        "data-provider": ev.from_provider, style: `left:${x(ev.t)}px`,
        title: `${ev.at.slice(11, 23)} ${ev.category}: ${ev.from_provider} → ${ev.to_provider} (${ev.why})`}));
    } else {
      const key = `${ev.provider}|${ev.endpoint || ""}`;
      if (!byLane.has(key)) byLane.set(key, []);
      byLane.get(key).push(ev);
    }
  }
  const rows = [...byLane.values()].sort((a, b) => laneName(a[0]).localeCompare(laneName(b[0]))).map(evs => {
    const row = mk("div", "lane", {"data-provider": evs[0].provider, "data-endpoint": evs[0].endpoint || ""});
    const label = mk("span", "lane-label", {style: `width:${left}px`, title: evs[0].endpoint || evs[0].provider});
    label.textContent = laneName(evs[0]);
    row.append(label);
    let from = u.scales.x.min, state = evs[0].old;
    const segment = (to) => {
      if (x(to) > x(from)) row.append(mk("div", `seg state-${state}`, {style:
        `left:${left + x(from)}px;width:${x(to) - x(from)}px;background:${STATE_COLORS[state] || "#d0d7de"}`}));
    };
    for (const ev of evs) {
      segment(ev.t);
      row.append(mk("div", "tl-mark breaker", {"data-kind": "breaker", "data-provider": ev.provider,
        "data-endpoint": ev.endpoint || "", "data-state": ev.new, style: `left:${left + x(ev.t)}px`,
        title: `${ev.at.slice(11, 23)} ${laneName(ev)}: ${ev.old} → ${ev.new} (${ev.reason})`}));
      from = ev.t; state = ev.new;
    }
    segment(u.scales.x.max);
    return row;
  });
  if (!rows.length) {
    const none = mk("div", "lane muted");
    none.textContent = "no breaker moved in this window";
    rows.push(none);
  }
  lanes.replaceChildren(...rows);
}

function renderHistory(h) {
  h.first = visibleWindow(h);
  coinrelayCharts.history = h;
  const cut = column => column.slice(h.first);
  const xs = cut(h.times);
  const names = Object.keys(h.providers).filter(n => h.providers[n].ok.some((v, i) => v + h.providers[n].failed[i] > 0));
  names.sort().forEach(colorOf);
  drawSuccess(h, xs, names, cut);
  drawLatency(h, xs, names, cut);
  drawCalls(h, xs, cut);
  drawTimeline(h, xs, cut);
  document.getElementById("history").dataset.loaded = "1";
}

async function pollHistory() {
  try {
    const resp = await fetch("api/system/history", {cache: "no-store"});
    if (resp.ok) renderHistory(await resp.json());
  } catch (exc) {
    // dashboard.js shows the connection error; the charts keep their last picture
  } finally {
    setTimeout(pollHistory, HISTORY_MS);
  }
}

function resizeCharts() {
  for (const [name, chart] of Object.entries(coinrelayCharts.charts)) {
    const el = document.getElementById(`chart-${name}`);
    if (el && el.clientWidth) chart.setSize({width: el.clientWidth, height: CHART_HEIGHT});
  }
}

document.getElementById("percentile").addEventListener("change", () => {
  if (coinrelayCharts.history) renderHistory(coinrelayCharts.history);
});
window.addEventListener("resize", resizeCharts);
pollHistory();
})();
