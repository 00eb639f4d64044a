"""Turn clusters into named personas with everything a plan needs to replay them.

Names come from rules on the unscaled centroid, so they are deterministic and explainable: a
reader can check "no assets, no referer, short think times" and agree it is an API client. A
cluster no rule fits is `persona_N`; names never repeat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import polars as pl

from loadtui.contracts import EndpointShare, Persona
from loadtui.profile.distributions import fit_distribution
from loadtui.profile.features import FEATURES, HEAVY_TAILED
from loadtui.profile.transitions import DEFAULT_MAX_STATES, chain_from_sequences, page_journeys

BOT_PERSONA = "bot_crawler"
MAX_ENDPOINTS = 50


def persona_name(c: Mapping[str, float]) -> str | None:
    """The rule-based name for one unscaled centroid, or None when no rule fits.

    Rules run from the most specific behaviour to the most generic one.
    """
    requests = c.get("requests", 0.0)
    writes = c.get("write_ratio", 0.0)
    assets = c.get("asset_ratio", 0.0)
    referer = c.get("referer_ratio", 0.0)
    think = c.get("think_p50_s", 0.0)
    auth = c.get("auth_step", 0.0)
    commerce = c.get("commerce_step", 0.0)
    search = c.get("search_ratio", 0.0)
    duration = c.get("duration_s", 0.0)
    if c.get("bot_share", 0.0) > 0.5:  # only when bots are clustered with people
        return BOT_PERSONA
    if assets < 0.05 and referer < 0.2 and requests >= 3 and (writes >= 0.15 or think < 3.0):
        return "api_consumer"
    if (requests >= 12 or duration >= 300) and (writes >= 0.03 or auth >= 0.5):
        return "power_user"
    if commerce >= 0.5 and writes >= 0.02:
        return "buyer"
    if search >= 0.3:
        return "searcher"
    if requests <= 2.5:
        return "one_shot_visitor"
    if writes < 0.05 and requests < 60:
        return "casual_browser"
    return None


# How a repeated persona differs from the others with its name, in words that mean the same
# whatever the reference: (feature, word when higher, word when lower). Ratios count from a 0.2
# difference, counts and times from a factor of 2.
RATIO_WORDS = (
    ("error_rate", "errors", None),
    ("write_ratio", "writes", "reads"),
    ("asset_ratio", "assets", "pages"),
    ("referer_ratio", "referred", "direct"),
    ("search_ratio", "search", None),
    ("auth_step", "login", None),
    ("commerce_step", "cart", None),
)
SCALE_WORDS = (
    ("requests", "long", "short"),
    ("think_p50_s", "slow", "fast"),
)
RATIO_STEP = 0.2
# A variant's name is a short stem plus one word, so names fit an 80-column table (≤ 18 chars).
VARIANT_STEMS = {
    "one_shot_visitor": "one_shot",
    "casual_browser": "browser",
    "api_consumer": "api",
    "power_user": "power",
    "bot_crawler": "bot",
}
MAX_NAME = 18


def qualifiers(c: Mapping[str, float], others: list[Mapping[str, float]]) -> list[str]:
    """Words for how centroid `c` differs from the mean of `others`, biggest difference first.

    Ratios compare to the arithmetic mean, counts and times to the geometric mean (they span
    orders of magnitude). A word needs a 0.2 difference in a ratio or a factor of 2 in a count.
    """
    if not others:
        return []
    scored: list[tuple[float, str]] = []
    for key, up, down in RATIO_WORDS:
        ref = sum(o.get(key, 0.0) for o in others) / len(others)
        diff = c.get(key, 0.0) - ref
        word = up if diff > 0 else down
        if word and abs(diff) >= RATIO_STEP:
            scored.append((abs(diff) / RATIO_STEP, word))
    for key, up, down in SCALE_WORDS:
        a = max(c.get(key, 0.0), 1e-3)
        b = math.exp(sum(math.log(max(o.get(key, 0.0), 1e-3)) for o in others) / len(others))
        effect = abs(math.log(a / b)) / math.log(2)
        if effect >= 1:
            scored.append((effect, up if a > b else down))
    return [word for _, word in sorted(scored, key=lambda s: -s[0])]


def unique_names(centroids: list[Mapping[str, float]]) -> list[str]:
    """Names for clusters in order (largest first).

    The first cluster of a kind keeps the plain name (`one_shot_visitor`); each later one is a
    short stem plus the word for what sets it apart from the rest of its kind
    (`one_shot_errors`), the strongest word no earlier cluster took. Only clusters no word tells
    apart get a number (`casual_browser_2`); a cluster no rule fits is `persona_N`.
    """
    bases = [persona_name(c) or f"persona_{i + 1}" for i, c in enumerate(centroids)]
    names: list[str] = []
    seen: set[str] = set()
    for i, (c, base) in enumerate(zip(centroids, bases, strict=True)):
        name = base
        if base in seen:
            kin = [o for j, o in enumerate(centroids) if j != i and bases[j] == base]
            stem = VARIANT_STEMS.get(base, base)
            words = (f"{stem}_{w}" for w in qualifiers(c, kin))
            name = next((n for n in words if n not in names), base)
        seen.add(base)
        stem, n = name, 2
        while name in names:
            name = f"{stem}_{n}"
            n += 1
        names.append(name)
    return names


def centroids_by_group(features: pl.DataFrame, group: str) -> dict[str, dict[str, float]]:
    """Unscaled centroid per group: geometric-style mean on heavy tails, plain mean elsewhere.

    For clustered columns this equals the k-means centre mapped back through log1p/scaling.
    """
    aggs = []
    for name in FEATURES:
        col = pl.col(name).cast(pl.Float64)
        if name in HEAVY_TAILED:
            aggs.append((col.clip(lower_bound=0.0).log1p().mean().exp() - 1.0).alias(name))
        else:
            aggs.append(col.mean().alias(name))
    out: dict[str, dict[str, float]] = {}
    for row in features.group_by(group).agg(aggs).iter_rows(named=True):
        key = str(row.pop(group))
        out[key] = {k: round(float(v), 6) for k, v in row.items() if v is not None}
    return out


def endpoint_mix(
    requests: pl.DataFrame, names: dict[int, str], limit: int = MAX_ENDPOINTS
) -> list[EndpointShare]:
    """Share of each `METHOD route` among a persona's requests (lean frame with `state`)."""
    total = requests.height
    if total == 0:
        return []
    counts = requests.group_by("state").len()
    rows = sorted(
        ((names.get(int(h), str(h)), int(n)) for h, n in counts.iter_rows()),
        key=lambda item: (-item[1], item[0]),
    )[:limit]
    out: list[EndpointShare] = []
    for name, n in rows:
        method, _, route = name.partition(" ")
        out.append(EndpointShare(method=method, route=route, share=n / total, count=n))
    return out


def build_persona(
    name: str,
    requests: pl.DataFrame,
    features: pl.DataFrame,
    *,
    names: dict[int, str],
    total_sessions: int,
    centroid: dict[str, float],
    is_bot: bool,
    param_values: dict[str, list[list[str]]],
    query_values: dict[str, list[str]],
    max_states: int = DEFAULT_MAX_STATES,
) -> Persona:
    """Everything about one persona.

    `requests` is its rows of the annotated frame (sorted by session and time, with `sid`,
    `state`, `page_gap_s`, flags), `features` its session feature rows, `names` the state
    labels. Think time is the gap between consecutive *page* requests: a page's assets follow
    it within milliseconds, and a plan fetches them without a pause (`Step.embedded`).
    """
    gaps = requests["page_gap_s"].drop_nulls()
    chain = chain_from_sequences(
        requests["sid"].to_numpy(), requests["state"].to_numpy(), names, max_states
    )
    rt = requests["response_ms"].drop_nulls()
    rt_p50 = rt.median() if rt.len() else None
    n_req = requests.height
    return Persona(
        name=name,
        share=features.height / total_sessions if total_sessions else 0.0,
        sessions=features.height,
        requests=n_req,
        is_bot=is_bot,
        requests_per_session=fit_distribution(features["requests"].to_numpy()),
        session_duration_s=fit_distribution(features["duration_s"].to_numpy()),
        think_time_s=fit_distribution(gaps.to_numpy()),
        request_rate=float(np.median(features["request_rate"].to_numpy())),
        write_ratio=float(requests["is_write"].to_numpy().mean()) if n_req else 0.0,
        error_rate=float(requests["is_error"].to_numpy().mean()) if n_req else 0.0,
        response_ms_p50=float(rt_p50) if isinstance(rt_p50, (int, float)) else None,
        endpoint_mix=endpoint_mix(requests, names),
        transitions=chain,
        top_paths=page_journeys(
            requests["sid"].to_numpy(),
            requests["state"].to_numpy(),
            requests["is_asset"].to_numpy(),
            names,
        ),
        param_values=param_values,
        query_values=query_values,
        centroid=centroid,
    )
