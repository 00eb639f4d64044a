"""From access logs to a `TrafficModel`: ingest, sessions, bots, features, clusters, personas.

`build_model` is the one call the CLI, the TUI and the planner need. `profile_frame` does the
same from an already parsed frame, so tests and benchmarks can feed frames directly and time
each stage.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
from pydantic import ValidationError

from loadtui.contracts import (
    MODEL_VERSION,
    ClusteringInfo,
    IngestReport,
    Persona,
    SourceSummary,
    TrafficModel,
)
from loadtui.errors import UserError
from loadtui.profile.arrivals import arrival_model
from loadtui.profile.cluster import ALGOS, cluster, scale_features
from loadtui.profile.features import (
    CLUSTER_FEATURES,
    annotate_requests,
    feature_matrix_columns,
    normalise_requests,
    session_features,
    session_key,
)
from loadtui.profile.parameters import param_values, query_values
from loadtui.profile.personas import (
    BOT_PERSONA,
    build_persona,
    centroids_by_group,
    unique_names,
)
from loadtui.profile.route_stats import plan_states, route_stats
from loadtui.profile.transitions import state_names

ASSIGNMENT_COLUMNS = ("session", "client", "user_agent", "persona", "is_bot")
STAGES = ("parse", "sessions", "bots", "features", "clustering", "personas")


@contextmanager
def _timed(timings: dict[str, float] | None, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def build_model(
    paths: Sequence[str | Path],
    *,
    fmt: str = "auto",
    session_timeout_s: float = 1800,
    k: int | None = None,
    algo: str = "kmeans",
    static: str = "group",
    include_bots: bool = False,
    progress: Callable[[int, int], None] | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[TrafficModel, pl.DataFrame]:
    """Parse `paths` and profile them. Returns the model and one assignment row per session
    (`session, client, user_agent, persona, is_bot`). `timings`, when given, receives seconds
    per stage (see `STAGES`)."""
    from loadtui.ingest.formats import read_logs

    _check_options(k, algo, session_timeout_s)
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise UserError(f"log file not found: {', '.join(missing)}; check the path")
    with _timed(timings, "parse"):
        df, report = read_logs(paths, fmt, static=static, progress=progress)
    return profile_frame(
        df,
        report,
        session_timeout_s=session_timeout_s,
        k=k,
        algo=algo,
        include_bots=include_bots,
        timings=timings,
    )


def _check_options(k: int | None, algo: str, session_timeout_s: float) -> None:
    if algo not in ALGOS:
        raise UserError(f"unknown clustering algorithm {algo!r}; use one of {', '.join(ALGOS)}")
    if k is not None and not 1 <= k <= 50:
        raise UserError(f"--k must be between 1 and 50 (or auto), got {k}")
    if session_timeout_s <= 0:
        raise UserError("the session timeout must be positive, e.g. 30m")


def profile_frame(
    df: pl.DataFrame,
    report: IngestReport,
    *,
    session_timeout_s: float = 1800,
    k: int | None = None,
    algo: str = "kmeans",
    include_bots: bool = False,
    timings: dict[str, float] | None = None,
) -> tuple[TrafficModel, pl.DataFrame]:
    """Profile a frame in `REQUEST_SCHEMA` (as `read_logs` returns it)."""
    from loadtui.ingest.bots import flag_bots
    from loadtui.ingest.sessions import assign_sessions

    _check_options(k, algo, session_timeout_s)
    if df.height == 0:
        files = ", ".join(report.files) or "the input"
        raise UserError(
            f"no requests could be read from {files} ({report.lines_total} lines, "
            f"{report.lines_bad} rejected); check the file and --format"
        )
    with _timed(timings, "sessions"):
        df = assign_sessions(df, session_timeout_s)
    with _timed(timings, "bots"):
        bots = flag_bots(df).select(
            "session", "client", "user_agent", pl.col("is_bot").fill_null(False), session_key()
        )
    with _timed(timings, "features"):
        df = normalise_requests(df)
        annotated = annotate_requests(df, session_timeout_s)
        features = session_features(annotated).join(
            bots.select("sid", "is_bot"), on="sid", how="left"
        )
        features = features.with_columns(pl.col("is_bot").fill_null(False))
    with _timed(timings, "clustering"):
        labelled, info = _label_sessions(features, k=k, algo=algo, include_bots=include_bots)
    with _timed(timings, "personas"):
        personas = _personas(df, annotated, labelled)
        arrivals = arrival_model(
            labelled["start"].dt.epoch("us").to_numpy(), annotated["ts"].dt.epoch("us").to_numpy()
        )
    assignments = (
        bots.join(labelled.select("sid", "persona"), on="sid", how="left")
        .select(*ASSIGNMENT_COLUMNS)
        .sort("session")
    )
    rt = df["response_ms"].drop_nulls()
    rt_p50 = rt.median() if rt.len() else None
    ts_min, ts_max = df["ts"].min(), df["ts"].max()
    source = SourceSummary(
        files=list(report.files),
        formats=dict(report.formats),
        lines_total=report.lines_total,
        lines_bad=report.lines_bad,
        bad_examples=list(report.bad_examples),
        requests=df.height,
        sessions=labelled.height,
        bot_sessions=int(labelled["is_bot"].sum()),
        start=ts_min if isinstance(ts_min, datetime) else None,
        end=ts_max if isinstance(ts_max, datetime) else None,
        response_ms_p50=float(rt_p50) if isinstance(rt_p50, (int, float)) else None,
    )
    model = TrafficModel(
        created=datetime.now(UTC),
        personas=personas,
        arrivals=arrivals,
        source=source,
        clustering=info,
        routes=route_stats(df, plan_states(personas)),
    )
    return model, assignments


def _label_sessions(
    features: pl.DataFrame, *, k: int | None, algo: str, include_bots: bool
) -> tuple[pl.DataFrame, ClusteringInfo]:
    """Add `persona` to the session features: clusters for people, `bot_crawler` for bots."""
    to_cluster = features if include_bots else features.filter(~pl.col("is_bot"))
    columns = feature_matrix_columns(to_cluster, CLUSTER_FEATURES) if to_cluster.height else []
    info = ClusteringInfo(algo=algo, features=columns)
    labelled_parts: list[pl.DataFrame] = []
    if to_cluster.height:
        scaled = scale_features(to_cluster, columns)
        result = cluster(scaled.matrix, k=k, algo=algo)
        labels = result.labels
        if (labels < 0).any():  # unassignable DBSCAN noise: its own group, named like any other
            labels = np.where(labels < 0, result.k, labels)
        with_label = to_cluster.with_columns(pl.Series("_label", labels, dtype=pl.Int64))
        centroids = centroids_by_group(with_label, "_label")
        order = sorted(centroids, key=lambda key: int(key))
        bot_share = dict(with_label.group_by("_label").agg(pl.col("is_bot").mean()).iter_rows())
        names = unique_names(
            [{**centroids[key], "bot_share": bot_share[int(key)]} for key in order]
        )
        name_of = {int(key): name for key, name in zip(order, names, strict=True)}
        labelled_parts.append(
            with_label.with_columns(
                pl.col("_label").replace_strict(name_of, return_dtype=pl.String).alias("persona")
            ).drop("_label")
        )
        info = ClusteringInfo(
            algo=algo,
            k=len(name_of),
            silhouette=result.silhouette,
            features=columns,
            silhouette_by_k={str(kk): round(v, 4) for kk, v in result.silhouette_by_k.items()},
        )
    if not include_bots:
        bots = features.filter(pl.col("is_bot"))
        if bots.height:
            labelled_parts.append(bots.with_columns(pl.lit(BOT_PERSONA).alias("persona")))
    labelled = pl.concat(labelled_parts, how="vertical") if labelled_parts else features
    return labelled, info


def _personas(df: pl.DataFrame, annotated: pl.DataFrame, labelled: pl.DataFrame) -> list[Persona]:
    persona_of = labelled.select("sid", "persona")
    requests = annotated.join(persona_of, on="sid", how="left", maintain_order="left")
    templated = df.filter(pl.col("route").str.contains("{", literal=True))
    with_query = df.filter(pl.col("query").is_not_null() & (pl.col("query") != ""))
    params = param_values(_with_persona(templated, persona_of), "persona")
    queries = query_values(_with_persona(with_query, persona_of), "persona")
    names = state_names(df)
    centroids = centroids_by_group(labelled, "persona")
    total = labelled.height
    by_persona_req = {
        str(key[0]): part for key, part in requests.partition_by("persona", as_dict=True).items()
    }
    personas: list[Persona] = []
    for key, feats in labelled.partition_by("persona", as_dict=True).items():
        name = str(key[0])
        bot_share = float(feats["is_bot"].to_numpy().mean())
        personas.append(
            build_persona(
                name,
                by_persona_req.get(name, requests.clear()),
                feats,
                names=names,
                total_sessions=total,
                centroid=centroids.get(name, {}),
                is_bot=name == BOT_PERSONA or bot_share > 0.5,
                param_values=params.get(name, {}),
                query_values=queries.get(name, {}),
            )
        )
    personas.sort(key=lambda p: (p.is_bot, -p.sessions, p.name))
    return personas


def _with_persona(df: pl.DataFrame, persona_of: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(session_key()).join(persona_of, on="sid", how="inner")


def save_model(model: TrafficModel, path: str | Path) -> None:
    """Write the model as indented JSON, atomically (a crash never leaves half a file)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(model.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        raise UserError(f"cannot write the model to {target}: {exc.strerror or exc}") from exc


def load_model(path: str | Path) -> TrafficModel:
    """Read a model written by `save_model`; any problem is a `UserError` that says what to do."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(
            f"model file not found: {source}; create one with `loadtui profile`"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the model {source}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{source} is not a traffic model (invalid JSON at line {exc.lineno}); "
            "create one with `loadtui profile`"
        ) from exc
    if not isinstance(data, dict) or "personas" not in data:
        raise UserError(f"{source} is not a traffic model; create one with `loadtui profile`")
    version = data.get("version", MODEL_VERSION)
    if not isinstance(version, int) or version > MODEL_VERSION:
        raise UserError(
            f"{source} has model version {version}, newer than this loadtui reads "
            f"({MODEL_VERSION}); upgrade loadtui or re-run `loadtui profile`"
        )
    try:
        return TrafficModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserError(
            f"{source} is not a valid traffic model ({where}: {first['msg']}); "
            "re-create it with `loadtui profile`"
        ) from exc
