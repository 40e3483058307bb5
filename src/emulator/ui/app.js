// sdemu's dashboard: reads and steers the control plane through its documented routes
// only, with fetch. The admin token (when sdemu has one) lives in this tab's
// sessionStorage and travels in the Authorization header, never in a URL.
"use strict";

const API = "/_emulator";
const TOKEN_KEY = "sdemu-admin-token";
const MAX_ROWS = 500; // rows rendered at most: the count says how many match
const POLL_MS = 1000;
const SORT_KEYS = ["createdOn", "taskId", "workspaceId", "batchId", "taskNumber", "externalId",
  "displayName", "description", "taskStatus", "integrationStatus", "taskStatusText",
  "integrationStatusText", "totalPages", "restartCount", "preProcessingStartedOn"];

const $ = (id) => document.getElementById(id);
const state = { tab: "tasks", organizations: [], selectedTask: null, selectedRequest: null,
  tasksBody: null, requestsBody: null, polling: false };

class Refused extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
  }
}

// One control-plane call. A body is sent as JSON (the control plane refuses anything else).
async function call(method, path, body, rawBody) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["Authorization"] = `Bearer ${token}`;
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined || rawBody !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = rawBody !== undefined ? rawBody : JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  const text = await response.text();
  if (response.status === 401) {
    showSignIn(token ? "That token was refused." : null);
    throw new Refused(401, null);
  }
  let parsed = null;
  if (text) {
    try { parsed = JSON.parse(text); } catch (_) { parsed = text; }
  }
  if (!response.ok) throw new Refused(response.status, parsed);
  return { data: parsed, text };
}

function say(text, isError) {
  const message = $("message");
  message.textContent = text;
  message.classList.toggle("error", !!isError);
  message.hidden = !text;
}

// Runs a user's action, saying what went wrong, then refreshes what is shown.
async function act(action, done) {
  try {
    await action();
    if (done) say(done);
    await refresh();
  } catch (error) {
    if (!(error instanceof Refused && error.status === 401)) say(error.message, true);
  }
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

// ---- sign-in ----

function showSignIn(problem) {
  $("dashboard").hidden = true;
  $("sign-in").hidden = false;
  $("sign-out").hidden = true;
  say(problem || "", !!problem);
}

async function start() {
  try {
    const { data } = await call("GET", "/organizations");
    state.organizations = data;
  } catch (error) {
    if (!(error instanceof Refused && error.status === 401)) say(error.message, true);
    return;
  }
  $("sign-in").hidden = true;
  $("dashboard").hidden = false;
  $("sign-out").hidden = !sessionStorage.getItem(TOKEN_KEY);
  say("");
  fillOrganizations();
  await refresh();
  if (!state.polling) {
    state.polling = true;
    poll();
  }
}

async function poll() {
  if (!$("dashboard").hidden && document.visibilityState !== "hidden") {
    try { await refresh(); } catch (error) { say(error.message, true); }
  }
  setTimeout(poll, POLL_MS);
}

async function refresh() {
  await refreshClock();
  if (state.tab === "tasks") {
    await refreshTasks();
    if (state.selectedTask !== null) await refreshTask();
  } else if (state.tab === "requests") {
    await refreshRequests();
  } else if (state.tab === "faults") {
    await refreshFaults();
  } else if (state.tab === "webhooks") {
    await refreshWebhooks();
  }
}

// ---- clock ----

async function refreshClock() {
  const { data } = await call("GET", "/clock");
  $("clock-mode").textContent = data.mode + (data.mode === "offset" ? ` (${data.offsetSeconds} s)` : "");
  $("clock-now").textContent = data.now;
}

function advanceBy(value) {
  const trimmed = value.trim();
  const seconds = Number(trimmed);
  return trimmed !== "" && !Number.isNaN(seconds) ? seconds : trimmed;
}

// ---- tasks ----

function fillOrganizations() {
  const select = $("f-tenant");
  const chosen = select.value;
  select.replaceChildren();
  for (const organization of state.organizations) {
    const option = new Option(`${organization.name} (${organization.tenantId})`, organization.tenantId);
    select.appendChild(option);
  }
  const fallback = state.organizations.find((o) => o.isDefault) || state.organizations[0];
  if (chosen && state.organizations.some((o) => String(o.tenantId) === chosen)) select.value = chosen;
  else if (fallback) select.value = fallback.tenantId;
  fillWorkspaces();
}

function fillWorkspaces() {
  const select = $("f-workspace");
  const organization = state.organizations.find((o) => String(o.tenantId) === $("f-tenant").value);
  select.replaceChildren(new Option("all", ""));
  for (const workspace of (organization ? organization.workspaces : [])) {
    select.appendChild(new Option(`${workspace.workspaceName} (${workspace.workspaceId})`, workspace.workspaceId));
  }
}

function taskQuery() {
  const query = new URLSearchParams();
  query.set("tenantId", $("f-tenant").value);
  if ($("f-workspace").value) query.append("workspaceId", $("f-workspace").value);
  for (const code of $("f-status").value.split(/[\s,]+/).filter(Boolean)) query.append("taskStatus", code);
  if ($("f-start").value.trim()) query.set("startDate", $("f-start").value.trim());
  if ($("f-end").value.trim()) query.set("endDate", $("f-end").value.trim());
  query.set("sort", ($("f-desc").checked ? "-" : "") + $("f-sort").value);
  query.set("pageSize", String(MAX_ROWS));
  return query;
}

async function refreshTasks() {
  if (!$("f-tenant").value) return;
  const { data, text } = await call("GET", `/tasks?${taskQuery()}`);
  $("task-count").textContent = data.totalCount > data.items.length
    ? `${data.totalCount} tasks match; the first ${data.items.length} are shown.`
    : `${data.totalCount} task${data.totalCount === 1 ? "" : "s"}.`;
  if (text === state.tasksBody) return; // nothing moved: leave the table alone
  state.tasksBody = text;
  const began = performance.now();
  const rows = document.createDocumentFragment();
  for (const task of data.items) {
    const row = document.createElement("tr");
    row.dataset.taskId = task.taskId;
    if (task.taskId === state.selectedTask) row.className = "selected";
    cell(row, task.taskId);
    cell(row, task.workspaceId);
    cell(row, task.batchId);
    cell(row, task.displayName, "title");
    cell(row, `${task.taskStatusText} (${task.taskStatus})`, "status s" + task.taskStatus);
    cell(row, `${task.integrationStatusText} (${task.integrationStatus})`);
    cell(row, task.totalPages);
    cell(row, task.createdOn);
    cell(row, task.restartCount);
    rows.appendChild(row);
  }
  $("tasks").tBodies[0].replaceChildren(rows);
  performance.measure("tasks-render", { start: began }); // read by the browser test
}

async function refreshTask() {
  const id = state.selectedTask;
  let task;
  try {
    task = (await call("GET", `/tasks/${id}`)).data;
  } catch (error) {
    if (error instanceof Refused && error.status === 404) {
      state.selectedTask = null;
      $("task-detail").hidden = true;
      return;
    }
    throw error;
  }
  const deliveries = (await call("GET", "/webhooks/deliveries")).data.filter((d) => d.taskId === id);
  $("task-detail").hidden = false;
  $("d-id").textContent = id;
  $("d-status").textContent = `${task.taskStatusText} (${task.taskStatus})`;
  $("d-integration").textContent = task.integrationStatus;
  $("d-restarts").textContent = task.restartCount;
  $("d-next").textContent = task.nextStep
    ? `Next: ${task.nextStep.taskStatus} at ${task.nextStep.dueAt}`
    : "No step falls due by itself.";
  $("d-export").textContent = task.exportPending ? "Export pending."
    : task.lastExportError ? `Last export error: ${task.lastExportError}` : "";
  const history = document.createDocumentFragment();
  for (const step of task.history) {
    const item = document.createElement("li");
    item.textContent = `${step.at}  ${step.fromStatus === null ? "·" : step.fromStatus} → ${step.toStatus}  (${step.cause})`;
    history.appendChild(item);
  }
  if (task.history.length === 0) history.appendChild(document.createElement("li")).textContent = "No transitions recorded (loaded from fixtures).";
  $("d-history").replaceChildren(history);
  const list = document.createDocumentFragment();
  for (const delivery of deliveries) {
    const item = document.createElement("li");
    item.textContent = `${delivery.time} webhook ${delivery.webhookId} → ${delivery.url}: ` +
      (delivery.status === null ? `no answer (${delivery.error})` : `${delivery.status} ${delivery.responseBody || ""}`);
    list.appendChild(item);
  }
  if (deliveries.length === 0) list.appendChild(document.createElement("li")).textContent = "None.";
  $("d-deliveries").replaceChildren(list);
}

function selectTask(id) {
  state.selectedTask = id;
  for (const row of $("tasks").tBodies[0].rows) row.classList.toggle("selected", Number(row.dataset.taskId) === id);
  act(refreshTask);
}

// ---- request journal ----

async function refreshRequests() {
  const query = new URLSearchParams();
  for (const [name, id] of [["method", "r-method"], ["path", "r-path"], ["since", "r-since"], ["limit", "r-limit"]]) {
    if ($(id).value.trim()) query.set(name, $(id).value.trim());
  }
  const { data, text } = await call("GET", `/requests?${query}`);
  $("request-count").textContent = `${data.requests.length} shown, newest first; the journal holds ${data.held}` +
    (data.evicted ? ` (${data.evicted} older dropped).` : ".");
  if (text === state.requestsBody) return;
  state.requestsBody = text;
  state.requests = data.requests;
  const rows = document.createDocumentFragment();
  for (const entry of data.requests) {
    const row = document.createElement("tr");
    row.dataset.requestId = entry.id;
    if (entry.id === state.selectedRequest) row.className = "selected";
    cell(row, entry.id);
    cell(row, entry.time);
    cell(row, entry.method);
    cell(row, entry.path + (entry.query ? `?${entry.query}` : ""), "path");
    cell(row, entry.status === null ? "dropped" : entry.status);
    cell(row, entry.durationMs.toFixed(1));
    cell(row, entry.fault ? `${entry.fault.action} (rule ${entry.fault.rule}${entry.fault.name ? ": " + entry.fault.name : ""})` : "");
    rows.appendChild(row);
  }
  $("requests").tBodies[0].replaceChildren(rows);
  if (state.selectedRequest !== null) showRequest(state.selectedRequest);
}

function showRequest(id) {
  const entry = (state.requests || []).find((e) => e.id === id);
  state.selectedRequest = id;
  for (const row of $("requests").tBodies[0].rows) row.classList.toggle("selected", Number(row.dataset.requestId) === id);
  if (!entry) { $("request-detail").hidden = true; return; }
  $("request-detail").hidden = false;
  $("rd-id").textContent = entry.id;
  $("rd-line").textContent = `${entry.time} ${entry.method} ${entry.path}${entry.query ? "?" + entry.query : ""} → ` +
    `${entry.status === null ? "dropped" : entry.status}` + (entry.omittedHeaders ? ` (${entry.omittedHeaders} headers omitted)` : "");
  const rows = document.createDocumentFragment();
  for (const [name, value] of Object.entries(entry.headers)) {
    const row = document.createElement("tr");
    cell(row, name, "name");
    cell(row, value);
    rows.appendChild(row);
  }
  $("rd-headers").tBodies[0].replaceChildren(rows);
}

// ---- fault rules ----

function describeMatch(match) {
  const parts = [match.method || "any method", match.path || "any path"];
  if (match.query) parts.push("?" + new URLSearchParams(match.query));
  return parts.join(" ");
}

function describeAction(rule) {
  const parts = [];
  if (rule.respond) parts.push(`answer ${rule.respond.status}` + (rule.respond.body !== undefined ? ` ${JSON.stringify(rule.respond.body)}` : ""));
  if (rule.drop) parts.push("drop");
  if (rule.delay) parts.push(rule.delay.ms !== undefined ? `delay ${rule.delay.ms} ms` : `delay ${rule.delay.minMs}-${rule.delay.maxMs} ms`);
  return parts.join(", ");
}

async function refreshFaults() {
  const { data } = await call("GET", "/faults");
  const rows = document.createDocumentFragment();
  data.rules.forEach((rule, index) => {
    const row = document.createElement("tr");
    cell(row, index);
    cell(row, rule.name);
    cell(row, describeMatch(rule.match || {}));
    cell(row, describeAction(rule));
    cell(row, [rule.nth ? `nth ${rule.nth}` : "", rule.times ? `${rule.times} times` : "",
      rule.probability !== undefined ? `p=${rule.probability}` : ""].filter(Boolean).join(", "));
    const stats = data.stats[index] || { matched: 0, fired: 0 };
    cell(row, `${stats.matched} / ${stats.fired}`);
    // No route removes one rule: the others are put back (their counters start again).
    row.appendChild(document.createElement("td")).appendChild(button("Remove", () => act(
      () => call("PUT", "/faults", data.rules.filter((_, i) => i !== index)), `Rule ${index} removed.`)));
    rows.appendChild(row);
  });
  $("faults").tBodies[0].replaceChildren(rows);
}

function faultFromForm() {
  const rule = { match: { path: $("fa-path").value.trim() } };
  const text = (id) => $(id).value.trim();
  if (text("fa-name")) rule.name = text("fa-name");
  if (text("fa-method")) rule.match.method = text("fa-method");
  if (text("fa-status")) {
    rule.respond = { status: Number(text("fa-status")) };
    if (text("fa-body")) {
      try { rule.respond.body = JSON.parse(text("fa-body")); } catch (_) { rule.respond.body = text("fa-body"); }
    }
  }
  if ($("fa-drop").checked) rule.drop = true;
  if (text("fa-delay")) rule.delay = { ms: Number(text("fa-delay")) };
  if (text("fa-times")) rule.times = Number(text("fa-times"));
  if (text("fa-nth")) rule.nth = Number(text("fa-nth"));
  if (text("fa-probability")) rule.probability = Number(text("fa-probability"));
  return rule;
}

// ---- webhooks ----

async function refreshWebhooks() {
  const [{ data: webhooks }, { data: deliveries }] = await Promise.all([
    call("GET", "/webhooks"), call("GET", "/webhooks/deliveries")]);
  const rows = document.createDocumentFragment();
  for (const webhook of webhooks) {
    const row = document.createElement("tr");
    cell(row, webhook.id);
    cell(row, webhook.workspaceId);
    cell(row, webhook.kind);
    cell(row, webhook.url, "path");
    cell(row, JSON.stringify(webhook.options || {}));
    row.appendChild(document.createElement("td")).appendChild(button("Remove", () => act(
      () => call("DELETE", `/webhooks/${webhook.id}`), `Webhook ${webhook.id} removed.`)));
    rows.appendChild(row);
  }
  $("webhooks").tBodies[0].replaceChildren(rows);
  const list = document.createDocumentFragment();
  for (const delivery of deliveries.slice().reverse()) {
    const row = document.createElement("tr");
    cell(row, delivery.id);
    cell(row, delivery.time);
    cell(row, delivery.webhookId);
    cell(row, delivery.taskId);
    cell(row, delivery.url, "path");
    cell(row, delivery.status === null ? "no answer" : delivery.status);
    cell(row, delivery.status === null ? delivery.error : delivery.responseBody);
    list.appendChild(row);
  }
  $("deliveries").tBodies[0].replaceChildren(list);
}

// ---- wiring ----

function confirmStep(trigger, confirmBox, yes, no, action) {
  $(trigger).addEventListener("click", () => { $(confirmBox).hidden = false; });
  $(no).addEventListener("click", () => { $(confirmBox).hidden = true; });
  $(yes).addEventListener("click", () => { $(confirmBox).hidden = true; action(); });
}

function wire() {
  for (const key of SORT_KEYS) $("f-sort").appendChild(new Option(key, key));
  $("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    start();
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  for (const tab of document.querySelectorAll("nav button")) {
    tab.addEventListener("click", () => {
      state.tab = tab.dataset.tab;
      for (const other of document.querySelectorAll("nav button")) other.classList.toggle("active", other === tab);
      for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== `tab-${state.tab}`;
      act(refresh);
    });
  }
  $("clock-freeze").addEventListener("click", () => act(() => call("PUT", "/clock", { mode: "frozen" }), "Clock frozen."));
  $("clock-real").addEventListener("click", () => act(() => call("PUT", "/clock", { mode: "real" }), "Clock back to real time."));
  $("clock-advance").addEventListener("click", () => act(async () => {
    const { data } = await call("POST", "/clock/advance", { by: advanceBy($("clock-by").value) });
    say(`Advanced: ${data.stepsApplied} step(s) applied.`);
  }));
  $("f-tenant").addEventListener("change", () => { fillWorkspaces(); act(refresh); });
  $("task-filters").addEventListener("change", () => act(refresh));
  $("task-filters").addEventListener("submit", (event) => { event.preventDefault(); act(refresh); });
  $("tasks").tBodies[0].addEventListener("click", (event) => {
    const row = event.target.closest("tr");
    if (row) selectTask(Number(row.dataset.taskId));
  });
  const taskAction = (suffix, body, done) => act(() => call("POST", `/tasks/${state.selectedTask}/${suffix}`, body), done);
  $("d-force").addEventListener("click", () => taskAction("status", { taskStatus: Number($("d-force-code").value) },
    `Task ${state.selectedTask} forced to ${$("d-force-code").value}.`));
  $("d-advance").addEventListener("click", () => taskAction("advance", {}, `Task ${state.selectedTask} advanced.`));
  $("d-reprocess").addEventListener("click", () => taskAction("reprocess", undefined, `Task ${state.selectedTask} reprocessed.`));
  $("d-review-start").addEventListener("click", () => taskAction("review/start", {}, "Review started."));
  $("d-review-finish").addEventListener("click", () => taskAction("review/finish", {}, "Review finished."));
  $("request-filters").addEventListener("change", () => act(refresh));
  $("request-filters").addEventListener("submit", (event) => { event.preventDefault(); act(refresh); });
  $("r-clear").addEventListener("click", () => act(() => call("DELETE", "/requests"), "Journal emptied."));
  $("requests").tBodies[0].addEventListener("click", (event) => {
    const row = event.target.closest("tr");
    if (row) showRequest(Number(row.dataset.requestId));
  });
  $("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(() => call("POST", "/faults", faultFromForm()), "Fault rule added.");
  });
  $("webhook-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(() => call("POST", "/webhooks", undefined, $("wh-json").value), "Webhook configuration added.");
  });
  confirmStep("reset", "reset-confirm", "reset-yes", "reset-no", () => act(async () => {
    const { data } = await call("POST", "/reset");
    say(`Reset: ${data.tasks} tasks, ${data.organizations} organizations loaded.`);
    state.organizations = (await call("GET", "/organizations")).data;
    fillOrganizations();
  }));
  confirmStep("seed", "seed-confirm", "seed-yes", "seed-no", () => act(async () => {
    const file = $("seed-file").files[0];
    if (!file) throw new Error("Choose a fixture file first.");
    const { data } = await call("POST", `/seed?mode=${$("seed-mode").value}`, undefined, await file.text());
    say(`Seeded (${data.mode}): ${data.tasks} tasks loaded.`);
    state.organizations = (await call("GET", "/organizations")).data;
    fillOrganizations();
  }));
}

wire();
start();
