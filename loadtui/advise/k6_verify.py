"""Does a model-written k6 script parse and still hold the plan's scenarios, stages, thresholds?

The script is checked three ways before it may replace the deterministic export:
1. statically: it imports only k6's built-in modules (no remote jslib, no k6/x extensions) and
   holds none of the escape hatches a k6 script never needs (`process`, `require`, `fetch`,
   `import()`, `eval`, `Function(`), so evaluating it below cannot reach the machine;
2. `node --check` on an `.mjs` copy (k6 scripts are ES modules);
3. its `options` are evaluated under node with k6's modules stubbed, in a temporary folder,
   with node's permission model (reads only that folder; no writes, no child processes), an
   empty environment (the API key is not there to read) and a time limit; the result must
   equal the deterministic script's options, except that a scenario's `exec` may name a
   renamed function, which must be exported, and thresholds may gain keys.
`problem()` returns the first reason to reject, or None.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

NODE_TIMEOUT_S = 15.0
K6_MODULES = {
    "k6": "export function check(v, sets) { return true; }\n"
    "export function sleep(s) {}\nexport function group(n, fn) { return fn(); }\n"
    "export function fail(m) { throw new Error(m); }\nexport function randomSeed(s) {}\n",
    "k6/http": "function res() { return { status: 200, body: '', json: () => ({}), "
    "headers: {}, timings: { duration: 0, waiting: 0 } }; }\n"
    "const http = { get: res, post: res, put: res, del: res, patch: res, head: res, "
    "options: res, request: res, batch: (r) => r.map(res), url: (s) => s, "
    "expectedStatuses: () => ({}), setResponseCallback() {}, cookieJar: () => ({}) };\n"
    "export default http;\nexport const { get, post, put, del, patch, head, options, request, "
    "batch, url, expectedStatuses, setResponseCallback, cookieJar } = http;\n",
    "k6/data": "export class SharedArray { constructor(name, fn) { return fn(); } }\n",
    "k6/metrics": "class M { constructor(name) { this.name = name; } add() {} }\n"
    "export class Counter extends M {}\nexport class Gauge extends M {}\n"
    "export class Rate extends M {}\nexport class Trend extends M {}\n",
    "k6/execution": "export default { vu: { idInTest: 1, iterationInScenario: 0 }, "
    "scenario: { name: 'stub', iterationInTest: 0 }, test: { abort() {} } };\n",
    "k6/encoding": "export function b64encode(s) { return ''; }\n"
    "export function b64decode(s) { return ''; }\nexport default { b64encode, b64decode };\n",
}
_IMPORT = re.compile(
    r"""(?:^|[;\s])(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])(?P<spec>[^'"]+)\1"""
)
_BARE_IMPORT = re.compile(r"""(?:^|[;\s])import\s*(['"])(?P<spec>[^'"]+)\1""")
_FORBIDDEN = re.compile(
    r"\b(process|require|fetch|eval|globalThis|Deno|Bun|XMLHttpRequest|WebSocket)\b"
    r"|\bimport\s*\(|\bFunction\s*\(|\bimport\.meta\b"
)
_HARNESS = """\
import fs from "node:fs";
import path from "node:path";
const dir = path.dirname(new URL(import.meta.url).pathname);
globalThis.__ENV = {};
globalThis.__VU = 1;
globalThis.__ITER = 0;
globalThis.open = (p) => fs.readFileSync(path.resolve(dir, p), "utf8");
const mod = await import("./" + process.argv[2]);
const fns = Object.keys(mod).filter((k) => typeof mod[k] === "function");
process.stdout.write(JSON.stringify({ options: mod.options ?? null, functions: fns }));
"""


def static_problem(script: str) -> str | None:
    """Imports other than k6's built-ins, or code a k6 script never needs."""
    specs = [m["spec"] for m in _IMPORT.finditer(script)]
    specs += [m["spec"] for m in _BARE_IMPORT.finditer(script)]
    for spec in specs:
        if spec not in K6_MODULES:
            return f"it imports {spec!r}; only k6's built-in modules are allowed"
    m = _FORBIDDEN.search(script)
    if m:
        return f"it uses {m[0]!r}, which a k6 script never needs"
    return None


def _node() -> str | None:
    return shutil.which("node")


def _permission_flags(node: str, folder: Path) -> list[str]:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10)
    major = int(re.sub(r"[^0-9.]", "", out.stdout).split(".")[0] or 0)
    flag = "--permission" if major >= 23 else "--experimental-permission"
    # one grant only: node 20 aborts (an assertion) when two overlap, as /dir/ and /dir/*
    return [flag, f"--allow-fs-read={folder}/", "--no-warnings"]


def _run_node(node: str, args: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, *_permission_flags(node, folder), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
        env={},  # no PATH, no key: the script runs with nothing to read
    )


def _stage(folder: Path, data_file: Path | None) -> None:
    pkg = folder / "node_modules" / "k6"
    pkg.mkdir(parents=True)
    exports = {}
    for spec, code in K6_MODULES.items():
        name = "index.mjs" if spec == "k6" else spec.split("/", 1)[1] + ".mjs"
        (pkg / name).write_text(code, encoding="utf-8")
        exports["." if spec == "k6" else "./" + spec.split("/", 1)[1]] = "./" + name
    (pkg / "package.json").write_text(
        json.dumps({"name": "k6", "type": "module", "exports": exports}), encoding="utf-8"
    )
    (folder / "harness.mjs").write_text(_HARNESS, encoding="utf-8")
    if data_file is not None and data_file.exists():
        shutil.copyfile(data_file, folder / data_file.name)


def _evaluate(node: str, folder: Path, name: str, script: str) -> dict[str, Any] | str:
    path = folder / name
    path.write_text(script, encoding="utf-8")
    try:
        checked = _run_node(node, ["--check", name], folder)
        if checked.returncode != 0:
            return f"it does not parse: {_first_error(checked.stderr)}"
        done = _run_node(node, ["harness.mjs", name], folder)
    except subprocess.TimeoutExpired:
        return f"evaluating it took over {NODE_TIMEOUT_S:g}s"
    if done.returncode != 0:
        return f"it fails when loaded: {_first_error(done.stderr)}"
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        return "loading it printed something other than its options"
    if not isinstance(result, dict) or not isinstance(result.get("options"), dict):
        return "it has no `export const options` object"
    return result


def _first_error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    picked = next((ln for ln in lines if "Error" in ln), lines[-1] if lines else "no message")
    return picked[:160]


def options_problem(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """Why `after` (the model's evaluated module) does not hold `before`'s options, or None."""
    old, new = before["options"], after["options"]
    functions = set(after.get("functions", []))
    for key in sorted(set(old) | set(new)):
        if key in ("scenarios", "thresholds"):
            continue
        if key not in old:
            return f"options gains {key!r}"
        if old.get(key) != new.get(key):
            return f"options.{key} changed"
    old_sc, new_sc = old.get("scenarios") or {}, new.get("scenarios") or {}
    if set(old_sc) != set(new_sc):
        return f"scenarios changed: {sorted(old_sc)} → {sorted(new_sc)}"
    for name, sc in old_sc.items():
        cand = new_sc[name]
        if not isinstance(cand, dict):
            return f"scenario {name!r} is not an object"
        strip = lambda d: {k: v for k, v in d.items() if k != "exec"}  # noqa: E731
        if strip(sc) != strip(cand):
            diff = sorted(
                k for k in set(sc) | set(cand) if sc.get(k) != cand.get(k) and k != "exec"
            )
            return f"scenario {name!r} changed ({', '.join(diff)})"
        exec_name = cand.get("exec", "default")
        if exec_name not in functions:
            return f"scenario {name!r} runs {exec_name!r}, which the script does not export"
    old_th, new_th = old.get("thresholds") or {}, new.get("thresholds") or {}
    for key, value in old_th.items():
        if new_th.get(key) != value:
            return f"threshold {key!r} changed or went missing"
    return None


def problem(original: str, candidate: str, data_file: Path | None) -> str | None:
    """The first reason `candidate` may not replace `original`, or None when it may."""
    why = static_problem(candidate)
    if why:
        return why
    node = _node()
    if node is None:
        return "node is not installed, so the model's script cannot be checked"
    with tempfile.TemporaryDirectory(prefix="loadtui-k6-") as tmp:
        folder = Path(tmp).resolve()
        _stage(folder, data_file)
        before = _evaluate(node, folder, "deterministic.mjs", original)
        if isinstance(before, str):
            return f"the deterministic export could not be evaluated ({before})"
        after = _evaluate(node, folder, "candidate.mjs", candidate)
        if isinstance(after, str):
            return after
    return options_problem(before, after)
