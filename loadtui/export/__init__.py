"""Exporters: a TestPlan written as a script other load tools run (k6, Locust, Artillery) and a
CI workflow that runs loadtui. They read plan/contracts only, never the engine; anything that
came from a log lands in their output through loadtui.export.escape, as data."""
