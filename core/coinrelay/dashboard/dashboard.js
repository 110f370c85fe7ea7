// coinrelay dashboard: polls api/system/dashboard and redraws; no framework, no build step.
// Every URL is relative to the page's <base> (where the app is mounted); charts.js draws the history.
"use strict";

const POLL_MS = 1000;
const KINDS = ["down", "slow", "500", "429", "garbage"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === "class") node.className = v;
    else if (k === "style") node.style.cssText = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function ms(v) { return v === null || v === undefined ? "–" : `${Number(v).toFixed(1)} ms`; }
function pct(v) { return v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`; }

function stateBadge(breaker, provider) {
  let state = breaker.state;
  let title = breaker.reason || "";
  if (provider && !provider.configured) { state = "unconfigured"; title = provider.configured_reason || ""; }
  else if (provider && provider.paused) { title = `paused until ${provider.paused.until}: ${provider.paused.reason}`; }
  const label = state === "half_open" ? "half-open" : state;
  const badge = el("span", {class: `state state-${state} breaker`, "data-state": state, title}, label);
  const extra = [];
  if (breaker.state === "open" && breaker.until) extra.push(el("div", {class: "muted"}, `until ${breaker.until.slice(11, 19)}`));
  if (provider && provider.paused) extra.push(el("div", {class: "muted"}, `paused (${provider.paused.kind})`));
  return [badge, ...extra];
}

function faultCell(p, data) {
  const mine = data.faults[p.name] || [];
  const cell = el("td", {class: "sandbox-only"});
  if (!data.sandbox_providers.includes(p.name)) return cell;  // not imitated by the sandbox
  if (mine.length) cell.append(el("div", {class: "fault", "data-fault": mine.map(f => f.kind).join(",")},
    mine.map(f => f.kind + (mine.length > 1 || p.endpoints.length > 1 ? `@${f.mirror}` : "")).join(" ")));
  for (const kind of KINDS) cell.append(el("button", {"data-action": "inject", "data-provider": p.name, "data-kind": kind}, kind));
  cell.append(el("button", {class: "clear", "data-action": "clear", "data-provider": p.name}, "clear"));
  return cell;
}

function renderProviders(data) {
  const body = document.querySelector("#providers tbody");
  const rows = [];
  for (const p of data.providers) {
    const h = p.health;
    const share = p.share || 0;
    const tr = el("tr", {class: "provider", "data-provider": p.name},
      el("td", {}, el("strong", {}, p.name), el("div", {class: "muted"}, p.categories.join(", "))),
      el("td", {}, ...stateBadge(p.breaker, p)),
      el("td", {class: "score"}, h.score.toFixed(2)),
      el("td", {}, pct(h.success_rate)),
      el("td", {}, `${ms(h.latency_ms.p50)} / ${ms(h.latency_ms.p95)}`),
      el("td", {class: "share"}, el("span", {class: "bar", style: `width:${Math.round(share * 80)}px`}), pct(share)),
      el("td", {}, `${p.successes} ok / ${p.failures} failed`),
      el("td", {class: "err"}, h.last_error || ""));
    if (data.sandbox) tr.append(faultCell(p, data));
    rows.push(tr);
    for (const ep of p.endpoints) {
      const eh = ep.health;
      const r = el("tr", {class: "endpoint", "data-provider": p.name, "data-endpoint": ep.url},
        el("td", {}, ep.url),
        el("td", {}, ...stateBadge(ep.breaker, null)),
        el("td", {}, eh.score.toFixed(2)),
        el("td", {}, pct(eh.success_rate)),
        el("td", {}, `${ms(eh.latency_ms.p50)} / ${ms(eh.latency_ms.p95)}`),
        el("td", {}, ""), el("td", {}, `${eh.successes} ok / ${eh.failures} failed`),
        el("td", {class: "err"}, eh.last_error || ""));
      if (data.sandbox) r.append(el("td", {class: "sandbox-only"}));
      rows.push(r);
    }
  }
  body.replaceChildren(...rows);
}

function callsText(c) {
  if (!c || !c.calls) return "–";
  const parts = Object.entries(c.served).filter(([, n]) => n > 0).map(([how, n]) => `${n} ${how === "none" ? "failed" : how}`);
  return `${c.calls}: ${parts.join(", ")}`;
}

function renderChains(data) {
  const body = document.querySelector("#chains tbody");
  const rows = Object.entries(data.chains).map(([category, c]) => {
    const serving = c.serving ? c.serving.provider : null;
    const tiers = c.tiers.map(t => t.map(n => n === serving ? el("span", {class: "serving"}, n) : n));
    const chain = el("td", {});
    tiers.forEach((tier, i) => {
      if (i) chain.append(" → ");
      if (tier.length > 1) chain.append("[");
      tier.forEach((n, j) => { if (j) chain.append(", "); chain.append(n); });
      if (tier.length > 1) chain.append("]");
    });
    return el("tr", {"data-category": category},
      el("td", {}, category), chain,
      el("td", {class: "serving-now"}, serving ? `${serving}` : "–",
        c.serving ? el("div", {class: "muted"}, c.serving.at.slice(11, 19)) : null),
      el("td", {class: "calls", "data-calls": c.calls ? c.calls.calls : 0}, callsText(c.calls),
        c.calls && c.calls.calls ? el("div", {class: "muted"}, `cache hit rate ${pct(c.calls.cache_hit_rate)}`) : null));
  });
  body.replaceChildren(...rows);
}

function renderFailovers(data) {
  document.getElementById("failover-count").textContent = `(${data.failover_count} total)`;
  const list = document.getElementById("failovers");
  list.replaceChildren(...data.failovers.map(f => el("li", {},
    el("span", {class: "muted"}, f.at.slice(11, 23)), " ", el("strong", {}, f.category), `: ${f.from_provider} → ${f.to_provider} `,
    el("span", {class: "err"}, f.why))));
}

function render(data) {
  document.getElementById("sandbox-label").hidden = !data.sandbox;
  document.querySelectorAll("th.sandbox-only").forEach(n => { n.hidden = !data.sandbox; });
  const ready = document.getElementById("ready");
  ready.textContent = data.ready ? "ready" : `not ready: ${data.unavailable_categories.join(", ")}`;
  ready.className = `pill ${data.ready ? "ready-yes" : "ready-no"}`;
  document.getElementById("updated").textContent = `updated ${data.generated_at.slice(11, 19)} UTC`;
  document.getElementById("calls-total").textContent = data.calls && data.calls.calls ? `calls: ${callsText(data.calls)}` : "";
  if (window.coinrelayCharts) window.coinrelayCharts.dashboard = data;
  renderProviders(data);
  renderChains(data);
  renderFailovers(data);
  document.body.dataset.loaded = "1";
}

async function poll() {
  const errorBox = document.getElementById("error");
  try {
    const resp = await fetch("api/system/dashboard", {cache: "no-store"});
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
    render(await resp.json());
    errorBox.hidden = true;
  } catch (exc) {
    errorBox.textContent = `cannot reach the server: ${exc.message}`;
    errorBox.hidden = false;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

document.getElementById("providers").addEventListener("click", async (ev) => {
  const button = ev.target.closest("button[data-action]");
  if (!button) return;
  const provider = encodeURIComponent(button.dataset.provider);
  if (button.dataset.action === "inject") {
    await fetch(`api/sandbox/faults/${provider}`, {method: "POST", headers: {"content-type": "application/json"},
      body: JSON.stringify({kind: button.dataset.kind})});
  } else {
    await fetch(`api/sandbox/faults/${provider}`, {method: "DELETE"});
  }
});

poll();
