"""Energy sources: one module per source, all behind EnergySource (base.py).

`--energy-source NAME` opens OPENERS[NAME]; `--check` probes the ones that
depend on the machine.
"""

from ..messages import EXIT_USAGE, HarnessError
from .base import EnergySource
from .fake import FakeSource
from .meter import MeterCsvSource
from .nvml import NvmlSource
from .rapl import RAPL_GLOB, RaplSource

__all__ = ["EnergySource", "FakeSource", "MeterCsvSource", "NvmlSource", "RaplSource", "RAPL_GLOB",
           "OPENERS", "open_energy_source", "probe_sources"]


def _open_meter(args):
    if not args.meter_csv:
        raise HarnessError("NO_ENERGY_SOURCE", "--energy-source meter-csv needs --meter-csv PATH", EXIT_USAGE)
    return MeterCsvSource(args.meter_csv, args.meter_wait_s)


# --energy-source NAME -> the source opened from the parsed arguments (the
# order is the order --help lists them in).
OPENERS = {
    "nvml": lambda args: NvmlSource(args.gpu_index, args.nvml_backend),
    "rapl": lambda args: RaplSource(args.rapl_glob),
    "meter-csv": _open_meter,
    "fake": lambda args: FakeSource(),
}


def open_energy_source(args):
    opener = OPENERS.get(args.energy_source)
    if opener is None:
        raise HarnessError("NO_ENERGY_SOURCE", "unknown energy source %r" % args.energy_source)
    return opener(args)


def probe_sources():
    """What each energy source says on this machine (for --check)."""
    out = {}
    for name, make in (("nvml", lambda: NvmlSource(0)), ("rapl", lambda: RaplSource())):
        try:
            src = make()
            out[name] = {"available": True, "detail": src.describe()}
        except HarnessError as e:
            out[name] = {"available": False, "detail": str(e)}
        except Exception as e:  # a driver that misbehaves must not break --check
            out[name] = {"available": False, "detail": "%s: %s" % (type(e).__name__, e)}
    out["meter-csv"] = {"available": True, "detail": "needs --meter-csv PATH written by your meter's logger"}
    out["fake"] = {"available": True, "detail": "synthetic numbers for tests, not a measurement"}
    return out
