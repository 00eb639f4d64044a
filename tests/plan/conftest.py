"""A small hand-built TrafficModel shaped like the demo shop's personas."""

from __future__ import annotations

import pytest
from plan_models import make_model

from loadtui.contracts import TrafficModel


@pytest.fixture
def model() -> TrafficModel:
    return make_model()
