"""advice_session: marks, apply of any subset onto the original text, undo byte for byte,
refusals that leave the file alone, and the verification bookkeeping."""

from __future__ import annotations

from pathlib import Path

import pytest
from advisor_fixtures import three_edits, write_plan

from loadtui.contracts import Stage, ThresholdChange
from loadtui.errors import UserError
from loadtui.patch.apply import apply_edits
from loadtui.plan.yaml_io import load_plan, loads_plan
from loadtui.tui.advice_session import (
    AdviceSession,
    VerifyBoard,
    edit_file_for,
    judge,
    metric_key,
    with_thresholds,
)

P95, ERRORS, RAMP = "threshold:http_req_duration", "threshold:http_req_failed", "stage:0"


@pytest.fixture
def session(tmp_path: Path) -> AdviceSession:
    return AdviceSession.open(
        write_plan(tmp_path / "shop.yaml", "http://127.0.0.1:9"), three_edits()
    )


def test_marks_start_undecided_and_space_flips_between_accept_and_reject(
    session: AdviceSession,
) -> None:
    assert session.counts() == {"accepted": 0, "rejected": 0, "undecided": 3}
    assert session.toggle(P95) == "accepted"
    assert session.toggle(P95) == "rejected"
    assert session.toggle(P95) == "accepted"
    session.mark(RAMP, "rejected")
    assert [e.id for e in session.accepted()] == [P95]
    session.mark_all("accepted")
    assert [e.id for e in session.accepted()] == [P95, ERRORS, RAMP]
    with pytest.raises(KeyError):
        session.mark("threshold:nope", "accepted")


def test_apply_writes_exactly_the_accepted_edits_and_undo_restores_the_bytes(
    session: AdviceSession,
) -> None:
    before = session.path.read_bytes()
    session.mark(P95, "accepted")
    session.mark(ERRORS, "rejected")
    session.mark(RAMP, "accepted")
    done = session.apply()
    expected = apply_edits("plan", before.decode(), [session.edit(P95), session.edit(RAMP)])
    assert session.path.read_text(encoding="utf-8") == expected
    text = session.path.read_text(encoding="utf-8")
    assert "p(95)<650" in text and "rate<0.01" in text and "rate<0.02" not in text
    assert text.startswith("# the shop's nightly load test")  # comments kept
    assert done.backup is not None and done.backup.read_bytes() == before
    assert session.on_disk_ids == (P95, RAMP) and not session.pending
    plan = load_plan(session.path)
    assert plan.stages[0].duration == "2s" and plan.thresholds["http_req_failed"] == ["rate<0.01"]

    session.undo()
    assert session.path.read_bytes() == before
    assert session.history == [] and session.pending  # still accepted, no longer on disk


def test_a_second_apply_starts_from_the_original_so_a_rejected_edit_leaves(
    session: AdviceSession,
) -> None:
    original = session.path.read_bytes()
    session.mark_all("accepted")
    session.apply()
    assert "rate<0.02" in session.path.read_text(encoding="utf-8")
    session.mark(ERRORS, "rejected")
    session.apply()
    text = session.path.read_text(encoding="utf-8")
    assert "rate<0.02" not in text and "p(95)<650" in text
    session.undo()
    assert "rate<0.02" in session.path.read_text(encoding="utf-8")
    session.undo()
    assert session.path.read_bytes() == original
    with pytest.raises(UserError, match="nothing to undo"):
        session.undo()


def test_refusals_leave_the_file_untouched(session: AdviceSession, tmp_path: Path) -> None:
    before = session.path.read_bytes()
    with pytest.raises(UserError, match="nothing accepted"):
        session.apply()
    # an edit on a stage the plan does not have cannot apply: nothing written, no backup
    broken = three_edits()
    broken.stage_adjustments[0] = broken.stage_adjustments[0].model_copy(update={"stage": 7})
    bad = AdviceSession.open(session.path, broken)
    bad.mark("stage:0", "accepted")
    with pytest.raises(UserError):
        bad.apply()
    assert session.path.read_bytes() == before
    assert not (tmp_path / "shop.yaml.bak").exists()
    # edited meanwhile in an editor: neither apply nor undo overwrites that
    session.mark(P95, "accepted")
    session.apply()
    session.path.write_text("# my own edit\n" + session.path.read_text(encoding="utf-8"))
    mine = session.path.read_bytes()
    with pytest.raises(UserError, match="changed on disk"):
        session.undo()
    with pytest.raises(UserError, match="changed on disk"):
        session.apply()
    assert session.path.read_bytes() == mine


def test_judge_reads_the_summary_metrics_with_submetric_keys() -> None:
    metrics = {
        "http_req_duration": {"p(95)": 612.0, "avg": 200.0},
        "http_req_failed": {"rate": 0.004},
        "http_req_duration{scenario:browse}": {"p(95)": 480.0},
    }
    checks = judge(
        {
            "http_req_duration": ["p(95)<650", "avg<150"],
            "http_req_failed": ["rate<0.01"],
            "http_req_duration{ scenario : browse }": ["p(95)<450"],
            "http_req_duration{scenario:checkout}": ["p(95)<450"],
        },
        metrics,
    )
    assert [(c.expression, c.ok, c.value) for c in checks] == [
        ("p(95)<650", True, 612.0),
        ("avg<150", False, 200.0),
        ("rate<0.01", True, 0.004),
        ("p(95)<450", False, 480.0),
        ("p(95)<450", None, None),  # no such submetric in the run: not judged, not passed
    ]
    assert metric_key("http_req_duration{ scenario : browse }") == (
        "http_req_duration{scenario:browse}"
    )


def test_verify_board_counts_per_threshold_across_runs(session: AdviceSession) -> None:
    session.mark(P95, "accepted")
    session.apply()
    plan = session.verify_plan(None)
    assert plan.thresholds["http_req_duration"] == ["p(95)<650"]
    board = VerifyBoard(plan, 3, changed=session.changed_metrics())
    board.add(
        "v1", "complete", {"http_req_duration": {"p(95)": 600.0}, "http_req_failed": {"rate": 0.0}}
    )
    board.add(
        "v2", "complete", {"http_req_duration": {"p(95)": 700.0}, "http_req_failed": {"rate": 0.0}}
    )
    assert not board.done
    rows = {r.metric: r for r in board.rows()}
    assert rows["http_req_duration"].outcomes == [True, False]
    assert rows["http_req_duration"].changed and not rows["http_req_failed"].changed
    assert rows["http_req_failed"].holds and rows["http_req_failed"].held == 2
    assert board.verdict() == "1 of 2 thresholds failed or were not judged in 2/3 runs"
    board.add(
        "v3", "complete", {"http_req_duration": {"p(95)": 10.0}, "http_req_failed": {"rate": 0.0}}
    )
    assert board.done


def test_a_k6_script_is_verified_with_the_plan_that_ran_and_the_new_thresholds(
    tmp_path: Path,
) -> None:
    ran = loads_plan(write_plan(tmp_path / "p.yaml", "http://127.0.0.1:9").read_text())
    edit = ThresholdChange(
        id="t",
        metric="http_req_duration",
        old=["p(95)<500"],
        new=["p(95)<700"],
        reason="r",
        confidence=0.9,
    )
    plan = with_thresholds(ran, [edit])
    assert plan.thresholds == {"http_req_duration": ["p(95)<700"], "http_req_failed": ["rate<0.01"]}
    assert plan.stages == ran.stages and isinstance(plan.stages[0], Stage)


def test_the_edited_file_is_the_plan_the_run_came_from_else_a_copy_outside_the_run(
    tmp_path: Path,
) -> None:
    source = write_plan(tmp_path / "shop.yaml", "http://127.0.0.1:9")
    run = tmp_path / "runs" / "r-1"
    run.mkdir(parents=True)
    (run / "plan.yaml").write_bytes(source.read_bytes())
    assert edit_file_for(run, source, tmp_path) == source
    (run / "plan.yaml").write_text("# the plan as it ran\n")
    work = edit_file_for(run, source, tmp_path)
    assert work == tmp_path / "r-1.plan.yaml" and work.read_text() == "# the plan as it ran\n"
    work.write_text("# my edits so far\n")  # a second review keeps the earlier copy
    assert edit_file_for(run, None, tmp_path).read_text() == "# my edits so far\n"
    assert (run / "plan.yaml").read_text() == "# the plan as it ran\n"  # the run is untouched
    (run / "plan.yaml").unlink()
    assert edit_file_for(run, None, tmp_path) == run / "plan.yaml"  # missing: open says so
