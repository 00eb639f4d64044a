"""Plan stage: TrafficModel → TestPlan (scenarios, stages, thresholds), YAML on disk."""

from loadtui.plan.build import build_plan
from loadtui.plan.yaml_io import load_plan, save_plan

__all__ = ["build_plan", "load_plan", "save_plan"]
