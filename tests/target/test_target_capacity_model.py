"""The capacity model on its own: knee arithmetic, stalls, admission and live changes."""

from __future__ import annotations

import asyncio
import math
import random

import pytest

from loadtui.target.capacity import (
    Admission,
    CapacityModel,
    Settings,
    apply_changes,
    finish_time,
)


def test_knee_is_capacity_over_the_lognormal_mean_not_the_median() -> None:
    s = Settings(capacity=32, service_ms=20.0, sigma=0.25)
    assert s.mean_service_ms == pytest.approx(20.0 * math.exp(0.25**2 / 2))
    assert s.knee_rps == pytest.approx(32 * 1000 / s.mean_service_ms)
    assert s.knee_rps == pytest.approx(1550.8, abs=0.1)
    assert Settings(capacity=32, service_ms=20.0, slowdown=2.0).knee_rps == pytest.approx(
        s.knee_rps / 2
    )


def test_service_draws_have_the_stated_median_and_mean() -> None:
    model = CapacityModel(Settings(service_ms=20.0), rng=random.Random(3))
    draws = sorted(model.service_s("/products/{id}") * 1000 for _ in range(20_000))
    assert draws[len(draws) // 2] == pytest.approx(20.0, rel=0.02)
    assert sum(draws) / len(draws) == pytest.approx(model.settings.mean_service_ms, rel=0.02)
    search = sorted(model.service_s("/search") * 1000 for _ in range(5_000))
    assert search[len(search) // 2] == pytest.approx(30.0, rel=0.04)


def test_work_does_not_progress_during_a_stall() -> None:
    # period 1 s, the last 0.2 s of each period is a stall (counted from t0 = 0)
    assert finish_time(0.0, 0.5, 1.0, 0.2, 0.0) == pytest.approx(0.5)
    assert finish_time(0.7, 0.2, 1.0, 0.2, 0.0) == pytest.approx(1.1)  # crosses the stall
    assert finish_time(0.85, 0.05, 1.0, 0.2, 0.0) == pytest.approx(1.05)  # starts inside it
    assert finish_time(0.0, 2.0, 1.0, 0.2, 0.0) == pytest.approx(2.4)  # two stalls
    assert finish_time(0.3, 0.01, 0.0, 0.0, 0.0) == pytest.approx(0.31)  # stalls off


async def test_admission_serves_capacity_queues_queue_and_refuses_the_rest() -> None:
    adm = Admission(capacity=2, queue=2)
    results = [asyncio.create_task(adm.acquire()) for _ in range(10)]
    await asyncio.sleep(0)
    done = [t.result() is not None for t in results if t.done()]
    assert done.count(True) == 2 and done.count(False) == 6
    assert adm.in_service == 2 and adm.queued == 2
    adm.release()
    await asyncio.sleep(0)
    assert sum(1 for t in results if t.done() and t.result() is not None) == 3
    assert adm.in_service == 2 and adm.queued == 1
    adm.resize(capacity=4, queue=2)  # growing capacity admits the waiter at once
    await asyncio.sleep(0)
    assert adm.in_service == 3 and adm.queued == 0


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    adm = Admission(capacity=1, queue=1)
    assert await adm.acquire() is not None
    waiter = asyncio.create_task(adm.acquire())
    await asyncio.sleep(0)
    assert adm.queued == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert adm.queued == 0 and adm.in_service == 1
    adm.release()
    assert adm.in_service == 0


def test_control_changes_are_validated_and_name_the_setting() -> None:
    s = Settings()
    assert apply_changes(s, {"slowdown": 3, "capacity": 8}).knee_rps == pytest.approx(
        8 * 1000 / (20 * 3 * math.exp(0.25**2 / 2))
    )
    with pytest.raises(ValueError, match="unknown setting"):
        apply_changes(s, {"speed": 2})
    with pytest.raises(ValueError, match="error_rate"):
        apply_changes(s, {"error_rate": 1.5})
    with pytest.raises(ValueError, match="capacity"):
        apply_changes(s, {"capacity": 0})
    with pytest.raises(ValueError, match="capacity must be an integer"):
        apply_changes(s, {"capacity": 2.5})
    with pytest.raises(ValueError, match="must be a number"):
        apply_changes(s, {"slowdown": "fast"})


async def test_a_late_release_hands_the_waiter_the_time_the_slot_was_due_free() -> None:
    """The loop woke late (0.05 s) but the slot was due free 0.01 s after the waiter came: its
    service starts then, so a busy box's late wake-ups never lower the knee."""
    adm = Admission(capacity=1, queue=1)
    first = await adm.acquire()
    assert first is not None
    waiter = asyncio.create_task(adm.acquire())
    await asyncio.sleep(0)
    arrived = asyncio.get_running_loop().time()
    await asyncio.sleep(0.05)
    adm.release(arrived + 0.01)
    assert await waiter == pytest.approx(arrived + 0.01, abs=0.002)
    adm.release(arrived - 1.0)  # due free before anyone waited: nothing to hand over
    assert adm.in_service == 0
    assert await adm.acquire() == pytest.approx(asyncio.get_running_loop().time(), abs=0.01)
