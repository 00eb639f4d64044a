"""profile_frame on hand-built frames: bots apart, assignments complete, source counts right."""

from __future__ import annotations

import polars as pl
import pytest
from profile_frames import Req, frame

from loadtui.contracts import IngestReport
from loadtui.errors import UserError
from loadtui.profile.pipeline import ASSIGNMENT_COLUMNS, profile_frame

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _traffic() -> list[Req]:
    reqs: list[Req] = []
    for i in range(30):  # people reading pages with assets
        c, t = f"10.0.1.{i}", i * 97.0
        for j in range(4):
            reqs.append(
                Req(
                    c,
                    t,
                    f"/products/{i * 10 + j}",
                    route="/products/{id}",
                    user_agent=BROWSER,
                    referrer="https://shop.example/",
                )
            )
            reqs.append(
                Req(
                    c,
                    t + 0.1,
                    "/static/app.js",
                    user_agent=BROWSER,
                    referrer="https://shop.example/",
                )
            )
            t += 8 + j
    for i in range(20):  # API clients writing notes quickly
        c, t = f"10.0.2.{i}", i * 131.0
        for j in range(12):
            method = "POST" if j % 3 == 0 else "GET"
            reqs.append(
                Req(
                    c,
                    t,
                    f"/notes/{j}",
                    method=method,
                    route="/notes/{id}",
                    user_agent="python-requests/2.31",
                    query="token=s3cr3t&page=1",
                )
            )
            t += 0.5
    for i in range(5):  # a crawler
        c, t = f"66.249.0.{i}", i * 50.0
        reqs.append(Req(c, t, "/robots.txt", user_agent=CRAWLER))
        for j in range(15):
            reqs.append(
                Req(c, t + 1 + j, f"/products/{j}", route="/products/{id}", user_agent=CRAWLER)
            )
    return reqs


def test_people_are_clustered_and_bots_kept_apart() -> None:
    df = frame(_traffic())
    model, assignments = profile_frame(df, IngestReport(files=["x.log"], lines_total=df.height))
    assert assignments.columns == list(ASSIGNMENT_COLUMNS)
    assert assignments.height == model.source.sessions == 55
    by_client = dict(assignments.select("client", "persona").iter_rows())
    assert {by_client[f"10.0.2.{i}"] for i in range(20)} == {"api_consumer"}
    assert len({by_client[f"10.0.1.{i}"] for i in range(30)}) == 1
    assert {by_client[f"66.249.0.{i}"] for i in range(5)} == {"bot_crawler"}
    assert model.source.bot_sessions == 5
    assert model.source.requests == df.height
    assert model.clustering.k == 2
    assert model.clustering.silhouette is not None and model.clustering.silhouette > 0.5
    api = next(p for p in model.personas if p.name == "api_consumer")
    assert api.query_values["/notes/{id}"][0] == "token=&page=1"
    assert {v[0] for v in api.param_values["/notes/{id}"]} == {str(j) for j in range(12)}
    assert api.write_ratio == pytest.approx(4 / 12)
    assert model.personas[-1].is_bot


def test_include_bots_clusters_them_with_everyone() -> None:
    df = frame(_traffic())
    model, assignments = profile_frame(
        df, IngestReport(lines_total=df.height), include_bots=True, k=3
    )
    assert model.clustering.k == 3
    bots = assignments.filter(pl.col("is_bot"))
    assert bots.height == 5
    crawler_persona = bots["persona"].unique().to_list()
    assert crawler_persona == ["bot_crawler"]


def test_empty_frame_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no requests"):
        profile_frame(frame([]), IngestReport(files=["empty.log"], lines_total=3, lines_bad=3))
