"""Accepted suggestions become hunks on a plan YAML or a k6 script's `options`, written atomically
with a backup and only when the result still parses."""
