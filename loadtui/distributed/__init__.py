"""Engines that run a plan on another tool's machinery and stream the same `MetricWindow`s as
the native engine: `locust.LocustRunner` runs the exported locustfile on Locust's master/worker
mode. They sit above the engine (whose thresholds and totals they reuse) and the exporters."""
