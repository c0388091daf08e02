// Runs tests/aio/micropython/smoke.py with the project's `aio` package under MicroPython's
// WebAssembly port: node run.mjs <micropython.mjs> <repository root>
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modulePath, root] = process.argv.slice(2);
const { loadMicroPython } = await import(pathToFileURL(modulePath).href);
const mp = await loadMicroPython({
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
});
mp.FS.mkdir("/lib");
mp.FS.mkdir("/lib/aio");
mp.FS.writeFile("/lib/aio/__init__.py", readFileSync(join(root, "aio", "__init__.py")));
mp.runPython("import sys\nsys.path.append('/lib')");
const smoke = readFileSync(join(root, "tests", "aio", "micropython", "smoke.py"), "utf8");
try {
  mp.runPython(smoke);
  // The checks run in a task of their own: the port cannot throw into its top-level coroutine.
  await mp.runPythonAsync("await aio.create_task(main())");
} catch (error) {
  console.error(error.message ?? error);
  process.exit(1);
}
