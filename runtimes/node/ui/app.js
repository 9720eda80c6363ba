// The live pool page: ListPools once, then one WatchPool stream per pool over the Connect protocol
// (plain fetch: JSON for unary calls, enveloped JSON for the server stream), and Explain on demand.
// Hand-written ES module, no build step. Text reaches the page through textContent only.

const SERVICE = "/inferencerouter.v1.PoolStateService";
const TOKEN_KEY = "inference-router.readToken";
/** Reconnect delays after a stream ends or fails (ms), capped at the last. */
const BACKOFF = [250, 500, 1000, 2000, 5000];

const $ = (id) => document.getElementById(id);
const pools = new Map(); // name -> { view, section, rows: Map(address -> signature) }
let statusError = "";

function headers(extra) {
  const h = { "connect-protocol-version": "1", ...extra };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

/** A Connect error as "code: message". */
function errorText(body, status) {
  if (body && typeof body === "object" && body.code) return `${body.code}: ${body.message ?? ""}`;
  return `HTTP ${status}`;
}

/** One unary call (Connect JSON). */
async function unary(method, request) {
  const res = await fetch(`${SERVICE}/${method}`, {
    method: "POST",
    headers: headers({ "content-type": "application/json" }),
    body: JSON.stringify(request),
  });
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(errorText(body, res.status));
  return body;
}

/** Wraps a JSON message in a Connect envelope (flags byte, big-endian length). */
function envelope(message) {
  const data = new TextEncoder().encode(JSON.stringify(message));
  const out = new Uint8Array(5 + data.length);
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
}

/** A server-streaming call: calls onMessage per message; resolves at the end, rejects on an error. */
async function serverStream(method, request, onMessage, signal) {
  const res = await fetch(`${SERVICE}/${method}`, {
    method: "POST",
    headers: headers({ "content-type": "application/connect+json" }),
    body: envelope(request),
    signal,
  });
  if (!res.ok) throw new Error(errorText(await res.json().catch(() => undefined), res.status));
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error("the stream ended without an end message");
    const joined = new Uint8Array(buf.length + value.length);
    joined.set(buf);
    joined.set(value, buf.length);
    buf = joined;
    while (buf.length >= 5) {
      const flags = buf[0];
      const length = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
      if (buf.length < 5 + length) break;
      const message = JSON.parse(decoder.decode(buf.subarray(5, 5 + length)));
      buf = buf.slice(5 + length);
      if (flags & 0x02) {
        if (message.error) throw new Error(errorText(message.error, 200));
        return;
      }
      onMessage(message);
    }
  }
}

function setStatus(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

function bar(fraction) {
  const pct = Math.max(0, Math.min(1, Number(fraction) || 0)) * 100;
  const fill = el("span");
  fill.style.width = `${pct}%`;
  return el(
    "span",
    {},
    el("span", { class: "bar", role: "img", "aria-label": `${pct.toFixed(0)}%` }, fill),
    el("span", { class: "bar-label" }, `${pct.toFixed(0)}%`),
  );
}

function age(timestamp) {
  if (!timestamp) return "never";
  const s = Math.max(0, (Date.now() - Date.parse(timestamp)) / 1000);
  return s < 10 ? `${s.toFixed(1)} s` : s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(0)} min`;
}

const COLUMNS = [
  "endpoint",
  "ready",
  "stale",
  "waiting / running",
  "KV use",
  "active adapters",
  "in flight",
  "last push",
  "source",
];

function endpointRow(e) {
  const m = e.metrics ?? {};
  const row = el(
    "tr",
    { dataset: { address: e.address } },
    el("td", {}, e.address),
    el("td", { class: e.ready ? "yes" : "no" }, e.ready ? "yes" : "no"),
    el("td", { class: e.stale ? "stale" : "" }, e.stale ? "stale" : "fresh"),
    el(
      "td",
      { class: "num", dataset: { field: "queue" } },
      `${m.waitingRequests ?? 0} / ${m.runningRequests ?? 0}`,
    ),
    el("td", { dataset: { field: "kv" } }, bar(m.kvCacheUsage)),
    el("td", {}, (m.activeAdapters ?? []).join(", ") || "–"),
    el("td", { class: "num" }, String(e.inFlight?.requests ?? 0)),
    el("td", { class: "num", dataset: { field: "age", received: e.receivedAt ?? "" } }, age(e.receivedAt)),
    el("td", {}, e.source ?? ""),
  );
  return row;
}

/** Everything a row shows except the age (which ticks): a changed signature flashes the row. */
function signature(e) {
  const m = e.metrics ?? {};
  return JSON.stringify([
    e.ready,
    e.stale,
    m.waitingRequests,
    m.runningRequests,
    m.kvCacheUsage,
    m.activeAdapters,
    e.inFlight?.requests,
    e.source,
    e.sequence,
  ]);
}

function renderPool(name, view) {
  const entry = pools.get(name);
  entry.view = view;
  const section = entry.section;
  section.replaceChildren();
  const sources =
    (view.sources ?? []).map((s) => `${s.source} (${age(s.receivedAt)} ago)`).join(", ") || "no pushes yet";
  section.append(
    el("h2", {}, `pool ${name}`),
    el(
      "div",
      { class: "pool-meta" },
      `revision ${view.revision ?? 0} · target ports ${(view.targetPorts ?? []).join(", ")} · sources: ${sources}`,
    ),
  );
  const endpoints = view.endpoints ?? [];
  if (endpoints.length === 0) {
    section.append(el("p", { class: "empty" }, "no endpoints: push a snapshot to this pool"));
    entry.rows = new Map();
    return;
  }
  const tbody = el("tbody");
  const rows = new Map();
  for (const e of endpoints) {
    const row = endpointRow(e);
    const sig = signature(e);
    const before = entry.rows.get(e.address);
    if (before !== undefined && before !== sig) row.classList.add("flash");
    rows.set(e.address, sig);
    tbody.append(row);
  }
  entry.rows = rows;
  section.append(
    el(
      "table",
      { "aria-label": `endpoints of ${name}` },
      el("thead", {}, el("tr", {}, ...COLUMNS.map((c) => el("th", {}, c)))),
      tbody,
    ),
  );
}

async function watch(name) {
  let attempt = 0;
  for (;;) {
    try {
      await serverStream("WatchPool", { pool: name }, (msg) => {
        attempt = 0;
        if (msg.pool) renderPool(name, msg.pool);
        if (statusError === "") setStatus(`live · ${pools.size} pool${pools.size === 1 ? "" : "s"}`);
      });
    } catch (err) {
      statusError = `${name}: ${err.message}`;
      setStatus(statusError, true);
    }
    await new Promise((r) => setTimeout(r, BACKOFF[Math.min(attempt++, BACKOFF.length - 1)]));
    statusError = "";
  }
}

async function start() {
  let list;
  try {
    list = await unary("ListPools", {});
  } catch (err) {
    setStatus(`${err.message}${/unauthenticated/.test(err.message) ? " (enter the read token)" : ""}`, true);
    return false;
  }
  const container = $("pools");
  const select = $("explain-pool");
  for (const pool of list.pools ?? []) {
    if (pools.has(pool.name)) continue;
    const section = el("section", { class: "pool", dataset: { pool: pool.name } });
    container.append(section);
    pools.set(pool.name, { view: pool, section, rows: new Map() });
    select.append(el("option", { value: pool.name }, pool.name));
    renderPool(pool.name, pool);
    watch(pool.name);
  }
  if (pools.size === 0) {
    container.replaceChildren(el("p", { class: "empty" }, "no pools configured (serve --config DIR)"));
  }
  setStatus(`live · ${pools.size} pool${pools.size === 1 ? "" : "s"}`);
  return true;
}

function fmt(x) {
  return Number(x ?? 0).toFixed(2);
}

function renderExplain(res) {
  const out = $("explain-result");
  out.replaceChildren();
  out.append(
    el(
      "p",
      {},
      `pool ${res.pool} · model ${res.clientModel} → ${res.targetModel} · profile ${res.profile || "–"} · picked `,
      el("strong", { id: "explain-picked" }, (res.picked ?? []).join(", ") || "nothing"),
    ),
  );
  if (res.error) out.append(el("p", { class: "error-text" }, res.error));
  for (const ex of res.excluded ?? [])
    out.append(el("p", { class: "empty" }, `${ex.address} excluded: ${ex.reason}`));
  for (const p of res.profiles ?? []) {
    const candidates = p.candidates ?? [];
    const plugins = [];
    for (const c of candidates)
      for (const s of c.scores ?? []) if (!plugins.includes(s.plugin)) plugins.push(s.plugin);
    const best = Math.max(1e-9, ...candidates.map((c) => c.total ?? 0));
    const rank = new Map((p.picked ?? []).map((a, i) => [a, i + 1]));
    const head = el(
      "tr",
      {},
      el("th", {}, "endpoint"),
      ...plugins.map((n) => el("th", {}, n)),
      el("th", {}, "total"),
    );
    const body = el("tbody");
    for (const c of candidates) {
      const byPlugin = new Map((c.scores ?? []).map((s) => [s.plugin, s]));
      const cells = plugins.map((n) => {
        const s = byPlugin.get(n);
        return s
          ? el("td", { class: "num", title: `raw ${fmt(s.raw)} × weight ${fmt(s.weight)}` }, fmt(s.weighted))
          : el("td", {}, "–");
      });
      const total = el("td", {}, bar((c.total ?? 0) / best));
      total.querySelector(".bar-label").textContent = fmt(c.total);
      body.append(
        el(
          "tr",
          { class: rank.get(c.address) === 1 ? "picked" : "" },
          el("td", {}, c.address, rank.has(c.address) ? ` #${rank.get(c.address)}` : ""),
          ...cells,
          total,
        ),
      );
    }
    out.append(
      el(
        "h2",
        {},
        `profile ${p.profile} · picker ${p.picker}${p.failedAt ? ` · no endpoint left after ${p.failedAt}` : ""}`,
      ),
      el(
        "table",
        { class: "scores", "aria-label": `scores of profile ${p.profile}` },
        el("thead", {}, head),
        body,
      ),
    );
  }
}

$("explain-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const out = $("explain-result");
  out.replaceChildren(el("p", { class: "empty" }, "asking…"));
  try {
    renderExplain(
      await unary("Explain", {
        pool: $("explain-pool").value,
        model: $("explain-model").value,
        prompt: $("explain-prompt").value,
      }),
    );
  } catch (err) {
    out.replaceChildren(el("p", { class: "error-text" }, err.message));
  }
});

const tokenInput = $("token");
tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? "";
tokenInput.addEventListener("change", () => {
  if (tokenInput.value) sessionStorage.setItem(TOKEN_KEY, tokenInput.value);
  else sessionStorage.removeItem(TOKEN_KEY);
  // Open streams keep the old token; a reload starts them with the new one.
  location.reload();
});

/** The core's recent picks and refusals (GET /ui/decisions), newest first; polled. */
async function refreshDecisions() {
  const res = await fetch("/ui/decisions", { headers: headers() });
  if (!res.ok) return;
  const { decisions = [] } = await res.json();
  const rows = decisions.map((d) =>
    el(
      "tr",
      { class: d.outcome === "routed" ? "" : "refused", dataset: { requestId: d.requestId } },
      el("td", {}, new Date(d.at).toLocaleTimeString()),
      el("td", {}, d.requestId),
      el("td", {}, d.model || "–"),
      el("td", {}, d.pool ?? "–"),
      el("td", {}, d.endpoint ?? "–"),
      el("td", { class: "num" }, d.margin === undefined ? "–" : fmt(d.margin)),
      el("td", {}, d.outcome),
    ),
  );
  $("decisions").tBodies[0].replaceChildren(...rows);
}

setInterval(() => refreshDecisions().catch(() => {}), 2000);
refreshDecisions().catch(() => {});

// Ages tick between pushes without a re-render.
setInterval(() => {
  for (const td of document.querySelectorAll('td[data-field="age"]'))
    td.textContent = age(td.dataset.received);
}, 1000);

start();
