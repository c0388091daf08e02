// Runs the HIL fixture's firmware under MicroPython's WebAssembly port, on a clock the
// harness moves (hil_tests/virtual_fixture.py), with its fake board talking over a link.
//
//   node fixture.mjs --link-in FD --link-out FD [--mount HOSTDIR=/lib/NAME]... MAIN.py
//
// The link carries one JSON object per line each way. Whenever every MicroPython task
// waits for a timer, this side asks {"op":"idle","now":ms,"next":ms}; the harness answers
// once the world has reached `next` with {"now","serial","inputs"}. Board requests from
// Python ({"op":"hook",...}) get one reply each. Timers and Date.now follow that clock.
import { readFileSync, readSync, writeSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir =
  process.env.MICROPYTHON_WASM_DIR ??
  join(dirname(fileURLToPath(import.meta.url)), "../../.cache/micropython/node_modules",
    "@micropython/micropython-webassembly-pyscript");
const { loadMicroPython } = await import(join(packageDir, "micropython.mjs"));

const mounts = [];
let script = null, linkIn = null, linkOut = null;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--mount") {
    const [host, target] = args[++i].split("=");
    mounts.push({ host, target });
  } else if (args[i] === "--link-in") linkIn = Number(args[++i]);
  else if (args[i] === "--link-out") linkOut = Number(args[++i]);
  else script = args[i];
}
if (!script || linkIn === null || linkOut === null) {
  process.stderr.write("usage: fixture.mjs --link-in FD --link-out FD [--mount H=/lib/N]... MAIN.py\n");
  process.exit(2);
}

let pending = "";
const chunk = Buffer.alloc(65536);
function link(message) {
  writeSync(linkOut, JSON.stringify(message) + "\n");
  while (!pending.includes("\n")) {
    let count;
    try { count = readSync(linkIn, chunk, 0, chunk.length, null); }
    catch (error) { if (error.code === "EAGAIN") continue; throw error; }
    if (count === 0) process.exit(0);  // the harness has gone: the board is unplugged
    pending += chunk.toString("utf8", 0, count);
  }
  const end = pending.indexOf("\n");
  const line = pending.slice(0, end);
  pending = pending.slice(end + 1);
  return line;
}

const mp = await loadMicroPython({
  stdout: (data) => process.stdout.write(data),
  stderr: (data) => process.stderr.write(data),
  linebuffer: false,
});

function makeDirs(path) {
  let current = "";
  for (const part of path.split("/").filter(Boolean)) {
    current += "/" + part;
    try { mp.FS.mkdir(current); } catch { /* exists */ }
  }
}
function copyTree(host, target) {
  makeDirs(target);
  for (const name of readdirSync(host)) {
    const source = join(host, name);
    if (statSync(source).isDirectory()) {
      if (name !== "__pycache__") copyTree(source, target + "/" + name);
    } else if (name.endsWith(".py")) {
      mp.FS.writeFile(target + "/" + name, readFileSync(source));
    }
  }
}
for (const { host, target } of mounts) copyTree(host, target);

// The clock: milliseconds since the fixture powered up, moved only by the harness.
const EPOCH_MS = Date.now();
const realSetImmediate = globalThis.setImmediate;
let now = 0, nextId = 1, pumping = false;
const timers = new Map();
let serialIn = "";
globalThis.fixtureInputs = "null";
globalThis.fixtureInputsVersion = 0;
globalThis.fixtureLink = (text) => link(JSON.parse(text));
globalThis.fixtureTakeSerial = () => { const text = serialIn; serialIn = ""; return text; };

function pump() {
  pumping = false;
  let first = null;
  for (const [id, timer] of timers) {
    if (first === null || timer.at < first[1].at || (timer.at === first[1].at && id < first[0])) {
      first = [id, timer];
    }
  }
  if (first === null) return;  // nothing scheduled: the program has finished
  if (first[1].at > now) {
    const reply = JSON.parse(link({ op: "idle", now, next: first[1].at }));
    now = reply.now;
    serialIn += reply.serial;
    globalThis.fixtureInputs = JSON.stringify(reply.inputs);
    globalThis.fixtureInputsVersion += 1;
    if (globalThis.fixtureWake) globalThis.fixtureWake();  // the board's input interrupt
  }
  if (first[1].at <= now) {
    timers.delete(first[0]);
    first[1].callback(...first[1].args);
  }
  schedulePump();
}
function schedulePump() {
  if (!pumping) { pumping = true; realSetImmediate(pump); }
}
globalThis.setTimeout = (callback, ms = 0, ...rest) => {
  const id = nextId++;
  timers.set(id, { at: now + Math.max(0, Math.floor(Number(ms) || 0)), callback, args: rest });
  schedulePump();
  return id;
};
globalThis.clearTimeout = (id) => { timers.delete(id); };
Date.now = () => EPOCH_MS + now;

try {
  await mp.runPythonAsync(readFileSync(script, "utf8"));
} catch (error) {
  process.stderr.write(String(error.message ?? error) + "\n");
  process.exit(1);
}
process.exit(0);  // the main script has finished: tasks it left behind stop with it
