// Runs a Python script under MicroPython's WebAssembly port, in Node.
//
//   node run.mjs [--mount HOSTDIR=/lib/NAME]... SCRIPT.py
//
// Each mount copies a host directory's .py files into the interpreter's file system, so the
// script can import them. The script may use top-level `await` (this port has no
// `asyncio.run`). Exit status 1 when the script raises; its traceback goes to stderr.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// `make micropython` installs the port under the repository's .cache/micropython/.
const packageDir =
  process.env.MICROPYTHON_WASM_DIR ??
  join(dirname(fileURLToPath(import.meta.url)), "../../.cache/micropython/node_modules",
    "@micropython/micropython-webassembly-pyscript");
const { loadMicroPython } = await import(join(packageDir, "micropython.mjs"));

const mounts = [];
let script = null;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--mount") {
    const [host, target] = args[++i].split("=");
    mounts.push({ host, target });
  } else {
    script = args[i];
  }
}
if (!script) {
  process.stderr.write("usage: run.mjs [--mount HOSTDIR=/lib/NAME]... SCRIPT.py\n");
  process.exit(2);
}

const mp = await loadMicroPython({
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
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
try {
  await mp.runPythonAsync(readFileSync(script, "utf8"));
} catch (error) {
  process.stderr.write(String(error.message ?? error) + "\n");
  process.exit(1);
}
