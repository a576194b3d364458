"""Machine-readable lines on stderr and the harness's one error type.

The TypeScript side (src/engine/calibrate/harnessOutput.ts) reads these lines:
`{"progress": f, "label": s}`, `{"warning": s}` and `{"error": s, "code": c}`.
"""

import json
import sys

EXIT_USAGE = 2  # bad arguments, missing PyTorch, unreadable config
EXIT_NO_ENERGY = 3  # the energy source asked for is not available here
EXIT_MEASURE = 4  # a measurement failed


def emit(obj):
    """One machine-readable line on stderr (progress, warnings, errors)."""
    sys.stderr.write(json.dumps(obj) + "\n")
    sys.stderr.flush()


def progress(fraction, label):
    emit({"progress": round(max(0.0, min(1.0, fraction)), 4), "label": label})


def warn(message):
    emit({"warning": message})


class HarnessError(Exception):
    def __init__(self, code, message, exit_code=EXIT_USAGE):
        super().__init__(message)
        self.code = code
        self.exit_code = exit_code
