"""Fitting think times and lengths: recovers a lognormal, admits when the data is not one."""

from __future__ import annotations

import numpy as np
import pytest

from loadtui.profile.distributions import fit_distribution


def test_lognormal_fit_recovers_its_parameters() -> None:
    rng = np.random.default_rng(42)
    dist = fit_distribution(rng.lognormal(mean=1.2, sigma=0.6, size=20_000))
    assert dist.kind == "lognormal"
    assert dist.mu == pytest.approx(1.2, abs=0.02), dist
    assert dist.sigma == pytest.approx(0.6, abs=0.02), dist
    assert dist.median == pytest.approx(np.exp(1.2), rel=0.03)
    assert dist.n == 20_000


def test_quantiles_are_ordered_and_cover_the_data() -> None:
    rng = np.random.default_rng(1)
    x = rng.lognormal(0.0, 1.0, 5000)
    dist = fit_distribution(x)
    values = [dist.quantiles[k] for k in sorted(dist.quantiles, key=float)]
    assert values == sorted(values)
    assert dist.quantiles["0"] == pytest.approx(x.min())
    assert dist.quantiles["1"] == pytest.approx(x.max())
    assert dist.p10 < dist.p50 < dist.p90 < dist.p99


def test_bimodal_gaps_are_sampled_empirically() -> None:
    rng = np.random.default_rng(5)
    asset_bursts = rng.uniform(0.0, 0.05, 3000)
    human_pauses = rng.lognormal(2.5, 0.4, 3000)
    dist = fit_distribution(np.concatenate([asset_bursts, human_pauses]))
    assert dist.kind == "empirical"


def test_empty_and_constant_inputs_are_constants() -> None:
    assert fit_distribution([]).kind == "constant"
    assert fit_distribution([]).n == 0
    const = fit_distribution([2.0, 2.0, 2.0])
    assert const.kind == "constant"
    assert const.median == 2.0
