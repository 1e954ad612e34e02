// The mock's page: the journal, a request's details, the rooms and the fault rules,
// kept up to date from /_mock/events (server-sent events), or by polling when the
// feed is unavailable. No framework and no build step; every value is written with
// textContent, never as HTML, since request bodies are whatever a client sent.
"use strict";

const SHOWN = 200; // journal entries listed
const POLL_MS = 2000;

const state = { entries: new Map(), selected: null, operationsFilled: false, timer: null };

function $(id) {
  return document.getElementById(id);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    tr.append(cell instanceof Node ? wrap(cell) : el("td", cell));
  }
  return tr;
}

function wrap(node) {
  const td = document.createElement("td");
  td.append(node);
  return td;
}

function shown(value) {
  if (value === null || value === undefined) return "(none)";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function statusClass(status) {
  if (status === null) return "status s-none";
  return `status s-${String(status)[0]}xx`;
}

async function getJSON(url, options) {
  const answer = await fetch(url, options);
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : null };
}

// -- the journal ---------------------------------------------------------------------

function journalQuery() {
  const query = new URLSearchParams({ limit: String(SHOWN) });
  const operation = $("filter-operation").value;
  const status = $("filter-status").value.trim();
  if (operation) query.set("operation", operation);
  if (status) query.set("status", status);
  return query;
}

async function refreshJournal() {
  const { status, body } = await getJSON(`/_mock/requests?${journalQuery()}`);
  const off = status === 409;
  $("journal-off").hidden = !off;
  $("filter-status").classList.toggle("invalid", status === 400);
  if (status !== 200) return;
  fillOperations(body.operations);
  state.entries = new Map(body.requests.map((entry) => [entry.id, entry]));
  const rows = body.requests.slice().reverse().map(journalRow);
  $("journal").tBodies[0].replaceChildren(...rows);
  $("journal-empty").hidden = rows.length > 0;
  $("journal-count").textContent = `(${body.requests.length} shown, keeps ${body.size})`;
  if (state.selected !== null && state.entries.has(state.selected)) {
    showDetail(state.entries.get(state.selected));
  }
}

function fillOperations(operations) {
  if (state.operationsFilled) return;
  const select = $("filter-operation");
  for (const name of operations) {
    const option = el("option", name);
    option.value = name;
    select.append(option);
  }
  state.operationsFilled = true;
}

function journalRow(entry) {
  const pairs = Object.entries(entry.query).flatMap(([name, value]) => [].concat(value).map((v) => [name, v]));
  const query = new URLSearchParams(pairs).toString();
  const target = `${entry.method} ${entry.path}${query ? `?${query}` : ""}`;
  const status = el("span", entry.status === null ? "no answer" : entry.status, statusClass(entry.status));
  const cells = [entry.id, entry.time.slice(11, 23), target, entry.operation || "-", status, entry.duration_ms.toFixed(1)];
  const tr = row(cells);
  tr.dataset.id = String(entry.id);
  tr.className = "entry";
  if (entry.fault) tr.classList.add("faulted");
  if (entry.id === state.selected) tr.classList.add("selected");
  if (entry.fault) tr.cells[4].append(el("span", `fault ${entry.fault}`, "tag"));
  else if (entry.forced) tr.cells[4].append(el("span", "forced", "tag"));
  tr.addEventListener("click", () => select(entry.id));
  return tr;
}

function select(id) {
  state.selected = id;
  for (const tr of $("journal").tBodies[0].rows) {
    tr.classList.toggle("selected", tr.dataset.id === String(id));
  }
  showDetail(state.entries.get(id));
}

function showDetail(entry) {
  $("detail").hidden = false;
  $("detail-id").textContent = `#${entry.id}`;
  $("detail-line").textContent = `${entry.time}  ${entry.method} ${entry.path}  ->  ${
    entry.status === null ? "no answer" : entry.status
  }  (${entry.operation || "no operation"}, ${entry.duration_ms.toFixed(1)} ms)`;
  const fault = $("detail-fault");
  fault.hidden = !entry.fault && !entry.forced;
  fault.textContent = entry.fault
    ? `Answered by the fault rule ${entry.fault}: the store was not reached unless the rule only delays.`
    : "The mock's own answer (Prefer or ?__code=), not the API's.";
  const violations = entry.violations.map((v) => row([v.in, v.pointer || "(whole)", v.message]));
  $("violations").tBodies[0].replaceChildren(...violations);
  $("violations").hidden = violations.length === 0;
  $("no-violations").hidden = violations.length > 0;
  $("curl").textContent = entry.curl;
  $("request-headers").textContent = Object.entries(entry.headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
  $("request-body").textContent = shown(entry.body);
  $("response-status").textContent = entry.status === null ? "(none)" : entry.status;
  $("response-body").textContent = entry.response ? shown(entry.response.body) : "(no answer was sent)";
}

// -- rooms and rules -----------------------------------------------------------------

async function refreshRooms() {
  const { status, body } = await getJSON("/_mock/rooms");
  if (status !== 200) return;
  const rows = body.rooms.map((room) =>
    row([room.id, room.name, room.status, room.participant_count, room.created_at]),
  );
  $("rooms").tBodies[0].replaceChildren(...rows);
  $("rooms-count").textContent = `(${body.total})`;
}

function describeWhich(rule) {
  const parts = [];
  if (rule.every) parts.push(`every ${rule.every}th`);
  if (rule.probability !== undefined) parts.push(`p=${rule.probability} seed ${rule.seed}`);
  if (rule.next) parts.push(`next ${rule.next} (${rule.remaining} left)`);
  return parts.join(", ") || "every request";
}

function describeAction(rule) {
  const parts = [];
  if (rule.delay) parts.push(`delay ${JSON.stringify(rule.delay)}`);
  if (rule.respond) parts.push(`respond ${rule.respond.status}`);
  if (rule.fault) parts.push(rule.fault);
  if (rule.dribble) parts.push(`dribble ${rule.dribble.chunks} chunks over ${rule.dribble.over_ms} ms`);
  return parts.join(", ");
}

async function refreshFaults() {
  const { status, body } = await getJSON("/_mock/faults");
  if (status !== 200) return;
  const rows = body.rules.map((rule) => {
    const remove = el("button", "Remove");
    remove.type = "button";
    remove.addEventListener("click", async () => {
      await fetch(`/_mock/faults/${encodeURIComponent(rule.id)}`, { method: "DELETE" });
      refresh();
    });
    const match = rule.match ? JSON.stringify(rule.match) : "every request";
    return row([rule.id, match, describeWhich(rule), describeAction(rule), rule.seen, rule.fired, remove]);
  });
  $("faults").tBodies[0].replaceChildren(...rows);
  $("faults-empty").hidden = rows.length > 0;
}

async function addFault(event) {
  event.preventDefault();
  let rule;
  try {
    rule = JSON.parse($("fault-json").value);
  } catch (error) {
    $("fault-error").textContent = `not JSON: ${error.message}`;
    return;
  }
  const { status, body } = await getJSON("/_mock/faults", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(rule),
  });
  $("fault-error").textContent =
    status === 201 ? "" : [body.detail, ...(body.errors || []).map((e) => `${e.pointer}: ${e.message}`)].join(" ");
  refresh();
}

// -- keeping up ----------------------------------------------------------------------

let refreshing = null;
let again = false;

async function refresh() {
  if (refreshing) {
    again = true; // one more after this one, however many changes arrive meanwhile
    return refreshing;
  }
  refreshing = Promise.all([refreshJournal(), refreshRooms(), refreshFaults()])
    .catch((error) => {
      $("live").textContent = `unreachable (${error.message})`;
    })
    .finally(() => {
      refreshing = null;
      if (again) {
        again = false;
        refresh();
      }
    });
  return refreshing;
}

function poll() {
  if (state.timer === null) state.timer = setInterval(refresh, POLL_MS);
}

function listen() {
  const feed = new EventSource("/_mock/events");
  feed.addEventListener("open", () => {
    $("live").textContent = "live";
    $("live").className = "live on";
    if (state.timer !== null) {
      clearInterval(state.timer);
      state.timer = null;
    }
  });
  feed.addEventListener("change", () => refresh());
  feed.addEventListener("error", () => {
    $("live").textContent = "polling";
    $("live").className = "live";
    poll();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("filter-operation").addEventListener("change", refresh);
  $("filter-status").addEventListener("input", refresh);
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("add-fault").addEventListener("submit", addFault);
  $("clear-journal").addEventListener("click", async () => {
    await fetch("/_mock/requests", { method: "DELETE" });
    state.selected = null;
    $("detail").hidden = true;
    refresh();
  });
  $("reset").addEventListener("click", async () => {
    await fetch("/_mock/reset", { method: "POST" });
    refresh();
  });
  $("copy-curl").addEventListener("click", () => navigator.clipboard?.writeText($("curl").textContent));
  refresh();
  listen();
});
