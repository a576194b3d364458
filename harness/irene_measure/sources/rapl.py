"""CPUs on Linux: the RAPL package counters under /sys/class/powercap."""

import glob
import os

from ..messages import EXIT_NO_ENERGY, HarnessError
from .base import EnergySource

RAPL_GLOB = "/sys/class/powercap/intel-rapl:*"


class RaplSource(EnergySource):
    """Sum of the package domains of Linux RAPL (CPU sockets), wraparound handled."""

    name = "rapl"

    def __init__(self, root_glob=RAPL_GLOB):
        self.domains = []
        problems = []
        for d in sorted(glob.glob(root_glob)):
            if os.path.basename(d).count(":") != 1:
                continue  # a sub-domain (intel-rapl:0:0) is already inside its package
            path = os.path.join(d, "energy_uj")
            try:
                with open(path) as f:
                    int(f.read().strip())
            except OSError as e:
                problems.append("%s: %s" % (path, e.strerror))
                continue
            rng = 2 ** 32
            try:
                with open(os.path.join(d, "max_energy_range_uj")) as f:
                    rng = int(f.read().strip()) + 1
            except (OSError, ValueError):
                pass
            self.domains.append({"path": path, "range": rng, "last": None, "acc": 0})
        if not self.domains:
            why = "; ".join(problems) if problems else "no %s/energy_uj on this machine" % root_glob
            hint = " (reading energy_uj needs root on recent kernels: run as root or chmod o+r it)" if problems else ""
            raise HarnessError("NO_ENERGY_SOURCE", "Linux RAPL is not available: %s%s" % (why, hint), EXIT_NO_ENERGY)
        self.read()

    def read(self):
        total = 0
        for d in self.domains:
            with open(d["path"]) as f:
                v = int(f.read().strip())
            if d["last"] is not None:
                delta = v - d["last"]
                if delta < 0:  # the counter wrapped around
                    delta += d["range"]
                d["acc"] += delta
            d["last"] = v
            total += d["acc"]
        return total / 1e6  # uJ -> J

    def describe(self):
        return "Linux RAPL (%s)" % ", ".join(os.path.dirname(d["path"]) for d in self.domains)
