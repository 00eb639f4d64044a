// ---- the walk: how one session moves through its persona's routes -------------------------
// Mirrors loadtui's engine: an entry draw, then after each step one draw over the next steps
// and leaving (the last weight of a row), capped at max_requests; a persona without a chain
// visits each step once, in order. No think time before an embedded asset (script, style,
// image fetched right after its page): think time is page to page.

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const MAX_THINK_S = __MAX_THINK_S__;
const TOKEN_KEYS = __TOKEN_KEYS__;

function pick(weights) {
  let total = 0;
  for (const w of weights) total += w > 0 ? w : 0;
  if (total <= 0) return -1;
  let u = Math.random() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] > 0 ? weights[i] : 0;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

function nextStep(persona, prev, count) {
  if (persona.rows.length === 0) {
    return count < Math.min(persona.steps.length, persona.max_requests) ? count : -1;
  }
  if (count === 0) {
    const first = persona.entry.length ? pick(persona.entry) : 0;
    return first >= 0 ? first : 0;
  }
  const next = pick(persona.rows[prev]);
  if (next < 0 || next >= persona.steps.length || count >= persona.max_requests) return -1;
  return next;
}

// ---- think time: drawn from the distribution fitted to the log, not a fixed sleep ---------

function gauss() {
  let u = 0;
  while (u === 0) u = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

function thinkSeconds(d) {
  let value = d.median;
  if (d.kind === "empirical" && d.levels.length > 0) {
    const u = Math.random();
    let i = 0;
    while (i < d.levels.length && d.levels[i] < u) i++;
    if (i === 0) value = d.values[0];
    else if (i === d.levels.length) value = d.values[i - 1];
    else {
      const [p0, p1, v0, v1] = [d.levels[i - 1], d.levels[i], d.values[i - 1], d.values[i]];
      value = p1 > p0 ? v0 + ((v1 - v0) * (u - p0)) / (p1 - p0) : v1;
    }
  } else if (d.kind === "lognormal") {
    value = Math.exp(d.mu + d.sigma * gauss());
  }
  return Math.min(Math.max(value, 0), MAX_THINK_S);
}

// ---- requests: observed parameter values, a cached login token, checks and tags -----------

function draw(values, fallback) {
  return values && values.length ? values[Math.floor(Math.random() * values.length)] : fallback;
}

// percent-encoding as the engine's (Python quote with the same safe characters)
function encodeSegment(value) {
  return encodeURIComponent(String(value)).replace(/%(24|26|2B|2C|3B|3D|3A|40|25)/gi, (m) =>
    decodeURIComponent(m),
  );
}

function encodeQuery(query) {
  return encodeURIComponent(query).replace(/%(3D|26|25|2B|24|2C|3B|3A|40|2F|3F)/gi, (m) =>
    decodeURIComponent(m),
  );
}

function fillPath(step) {
  let path = step.route.replace(PLACEHOLDER, (_, name) => encodeSegment(draw(step.params[name], "1")));
  const query = draw(step.query, "");
  if (query) path += "?" + encodeQuery(query.replace(/^\?+/, ""));
  return path;
}

function fillBody(step) {
  if (step.body === null) return null;
  return step.body.replace(PLACEHOLDER, (whole, name) =>
    step.params[name] && step.params[name].length
      ? JSON.stringify(String(draw(step.params[name], ""))).slice(1, -1)
      : whole,
  );
}

let token = null; // this VU's bearer token: logged in once, again only after a 401

function send(step, wantBody) {
  const headers = Object.assign({}, PLAN_HEADERS, step.headers);
  if (token !== null) headers.Authorization = "Bearer " + token;
  const body = fillBody(step);
  if (body !== null && !Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) {
    headers["Content-Type"] = "application/json";
  }
  const res = http.request(step.method, BASE_URL + fillPath(step), body, {
    headers: headers,
    tags: { name: step.route },
    timeout: REQUEST_TIMEOUT,
    responseType: wantBody ? "text" : "none",
  });
  check(res, { "status is 2xx/3xx": (r) => r.status >= 200 && r.status < 400 });
  return res;
}

function readToken(res) {
  if (res.status >= 400 || !res.body) return null;
  let data;
  try {
    data = JSON.parse(res.body);
  } catch (e) {
    return null;
  }
  if (data === null || typeof data !== "object") return null;
  for (const key of TOKEN_KEYS) {
    if (typeof data[key] === "string" && data[key]) return data[key];
  }
  return null;
}

function login(persona) {
  if (persona.login < 0) return;
  token = readToken(send(persona.steps[persona.login], true)) || token;
}

function request(persona, step) {
  if (step.needs_token && token === null) login(persona);
  const sentToken = token;
  const res = send(step, step.captures_token);
  if (step.captures_token) {
    token = readToken(res) || token;
  } else if (res.status === 401 && sentToken !== null && persona.login >= 0) {
    token = null; // the cached token expired or was revoked: log in again, retry once
    login(persona);
    send(step, false);
  }
}

// One session (open model) or one VU iteration (closed model) of a persona.
function walk(persona) {
  let index = -1;
  for (let count = 0; ; count++) {
    index = nextStep(persona, index, count);
    if (index < 0) break;
    const step = persona.steps[index];
    if (count > 0 && !step.embedded) sleep(thinkSeconds(persona.think));
    request(persona, step);
  }
  if (CLOSED) sleep(thinkSeconds(persona.think)); // the pause before this user comes back
}
