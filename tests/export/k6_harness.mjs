// Loads an exported k6 script under node with k6's modules stubbed (tests/export/k6_stub),
// prints {options, requests} as JSON: the options object as k6 would read it, and the requests
// each persona's function sends over N iterations (the stub answers 200, a token for logins).
// usage: node k6_harness.mjs SCRIPT.mjs ITERATIONS [expire]
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [script, iterations, expire] = process.argv.slice(2);
const dir = path.dirname(path.resolve(script));
globalThis.__ENV = {};
globalThis.open = (p) => fs.readFileSync(path.resolve(dir, p), "utf8");
globalThis.__K6_REQUESTS = [];
const url = pathToFileURL(path.resolve(script)).href;
const mod = await import(url);
const requests = {};
for (const [name, sc] of Object.entries(mod.options.scenarios)) {
  // a fresh module instance per persona: one VU each, as k6 gives every scenario its own VUs
  const vu = await import(url + "?vu=" + encodeURIComponent(name));
  globalThis.__K6_REQUESTS = [];
  globalThis.__K6_EXPIRE_ONCE = expire === "expire"; // the first authorised request: a 401
  for (let i = 0; i < Number(iterations); i++) vu[sc.exec]();
  requests[name] = globalThis.__K6_REQUESTS;
}
// a hostile string that became code would have set this (tests/export/test_hostile_strings.py)
const pwned = globalThis.PWNED !== undefined;
process.stdout.write(JSON.stringify({ options: mod.options, requests, pwned }));
