// Live port states: the page is rendered with the current status, then follows the
// engine's events pushed through /api/events (the whole status first, on every (re)connect).
"use strict";

function since(cell) {
  const started = Number(cell.dataset.since);
  if (!started) { cell.textContent = ""; return; }
  const seconds = Math.max(0, Math.round(Date.now() / 1000 - started));
  const minutes = Math.floor(seconds / 60);
  cell.textContent = minutes ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

function showPort(port) {
  const row = document.getElementById(`port-${port.index}`);
  if (!row) return;
  row.querySelector(".state").textContent = port.state;
  row.querySelector(".peer").textContent = port.peer || "";
  const sinceCell = row.querySelector(".since");
  sinceCell.dataset.since = port.since || "";
  since(sinceCell);
  const health = row.querySelector(".health");
  health.className = `health health-${port.health}`;
  health.textContent = port.reason ? `${port.health}: ${port.reason}` : port.health;
}

function showRestartRequired(system) {
  document.getElementById("restart-required").hidden = !system.restart_required;
}

function follow() {
  const source = new EventSource("/api/events");
  const engineState = document.getElementById("engine-state");
  source.addEventListener("status", (message) => {
    const status = JSON.parse(message.data);
    status.ports.forEach(showPort);
    showRestartRequired(status.system);
    engineState.textContent = "live";
  });
  source.addEventListener("port", (message) => showPort(JSON.parse(message.data)));
  source.addEventListener("config", (message) => showRestartRequired(JSON.parse(message.data)));
  source.addEventListener("engine", () => { engineState.textContent = "engine not reachable"; });
  source.onerror = () => { engineState.textContent = "reconnecting…"; };
}

document.querySelectorAll(".since").forEach(since);
setInterval(() => document.querySelectorAll(".since").forEach(since), 1000);
follow();
