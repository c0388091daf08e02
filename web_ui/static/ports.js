// Live port states: the page is rendered with the current status, then follows the
// engine's events pushed through /api/events (the whole status first, on every (re)connect).
"use strict";

// The page's language for the values events carry (port states, health).
const words = JSON.parse(document.getElementById("words").textContent);
const say = (word) => words[word] || word;
const engineWords = document.getElementById("engine-state").dataset;

function since(cell) {
  const started = Number(cell.dataset.since);
  if (!started) { cell.textContent = ""; return; }
  const seconds = Math.max(0, Math.round(Date.now() / 1000 - started));
  const minutes = Math.floor(seconds / 60);
  cell.textContent = minutes
    ? `${minutes} ${say("min")} ${seconds % 60} ${say("s")}`
    : `${seconds} ${say("s")}`;
}

function showPort(port) {
  const row = document.getElementById(`port-${port.index}`);
  if (!row) return;
  const state = row.querySelector(".state");
  state.textContent = say(port.state);
  state.dataset.state = port.state;
  row.querySelector(".peer").textContent = port.peer || "";
  const sinceCell = row.querySelector(".since");
  sinceCell.dataset.since = port.since || "";
  since(sinceCell);
  const health = row.querySelector(".health");
  health.className = `health health-${port.health}`;
  health.textContent = port.reason ? `${say(port.health)}: ${port.reason}` : say(port.health);
}

// Calls in progress: rebuilt from each update (text only, never markup from the engine).
function showCalls(calls) {
  const body = document.querySelector("#calls tbody");
  if (!body) return;
  body.replaceChildren(...calls.map((call) => {
    const row = document.createElement("tr");
    row.dataset.call = call.id;
    const caller = (call.from || say("unknown")) + (call.from_name ? ` (${call.from_name})` : "");
    const cells = [caller, call.to, say(call.direction), say(call.state), call.step,
      [...call.parties, ...call.ringing].join(", ")];
    for (const text of cells) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    const sinceCell = document.createElement("td");
    sinceCell.className = "since";
    sinceCell.dataset.since = call.since;
    since(sinceCell);
    row.append(sinceCell);
    return row;
  }));
  document.getElementById("no-calls").hidden = calls.length > 0;
  document.getElementById("calls-now").textContent = calls.length;
}

function showRestartRequired(system) {
  document.getElementById("restart-required").hidden = !system.restart_required;
}

function follow() {
  const source = new EventSource("/api/v1/events");
  const engineState = document.getElementById("engine-state");
  source.addEventListener("status", (message) => {
    const status = JSON.parse(message.data);
    status.ports.forEach(showPort);
    showCalls(status.active_calls || []);
    showRestartRequired(status.system);
    engineState.textContent = engineWords.live;
    engineState.dataset.state = "live";
  });
  source.addEventListener("port", (message) => showPort(JSON.parse(message.data)));
  source.addEventListener("calls", (message) => showCalls(JSON.parse(message.data).calls));
  source.addEventListener("config", (message) => showRestartRequired(JSON.parse(message.data)));
  source.addEventListener("engine", () => {
    engineState.textContent = engineWords.unreachable;
    engineState.dataset.state = "unreachable";
  });
  source.onerror = () => {
    engineState.textContent = engineWords.reconnecting;
    engineState.dataset.state = "reconnecting";
  };
}

document.querySelectorAll(".since").forEach(since);
setInterval(() => document.querySelectorAll(".since").forEach(since), 1000);
follow();
