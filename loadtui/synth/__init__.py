"""Production-like access logs of the demo shop with ground-truth personas (seeded).

from loadtui.synth import generate, write_log, write_truth
log = generate(sessions=60_000, days=7, seed=1)   # SynthLog: .rows, .truth, .requests()
write_log(log.rows, "access.log.gz")              # nginx combined + $request_time
write_truth(log.truth, "truth.csv")
"""

from loadtui.synth.generator import TRUTH_COLUMNS, SynthLog, generate, persona_counts
from loadtui.synth.personas import PERSONAS, PersonaSpec
from loadtui.synth.writer import FORMATS, write_log, write_stream, write_truth

__all__ = [
    "FORMATS",
    "PERSONAS",
    "TRUTH_COLUMNS",
    "PersonaSpec",
    "SynthLog",
    "generate",
    "persona_counts",
    "write_log",
    "write_stream",
    "write_truth",
]
