"""An external power meter: the CSV its logger writes, integrated over each window."""

import os
import time

from ..messages import EXIT_MEASURE, EXIT_NO_ENERGY, HarnessError
from .base import EnergySource


class MeterCsvSource(EnergySource):
    """An external power meter's log: CSV with a time column (Unix seconds or ISO 8601) and watts."""

    name = "meter-csv"
    wall_clock = True
    TIME_COLUMNS = ("timestamp", "time", "unix_time", "t", "time_s")
    POWER_COLUMNS = ("watts", "power_w", "power", "w", "watt")

    def __init__(self, path, wait_s=10.0):
        self.path = path
        self.wait_s = wait_s
        if not os.path.isfile(path):
            raise HarnessError("NO_ENERGY_SOURCE", "the meter CSV %s does not exist" % path, EXIT_NO_ENERGY)
        self.rows = []
        self._load()
        if len(self.rows) < 2:
            raise HarnessError("NO_ENERGY_SOURCE", "the meter CSV %s has fewer than two readings" % path, EXIT_NO_ENERGY)

    def _load(self):
        import csv  # noqa: PLC0415
        from datetime import datetime  # noqa: PLC0415

        with open(self.path, newline="") as f:
            reader = csv.reader(f)
            header = [h.strip().lower() for h in next(reader, [])]
            ti = next((header.index(c) for c in self.TIME_COLUMNS if c in header), None)
            pi = next((header.index(c) for c in self.POWER_COLUMNS if c in header), None)
            if ti is None or pi is None:
                raise HarnessError(
                    "NO_ENERGY_SOURCE",
                    "%s: need a header with a time column (%s) and a power column in watts (%s)"
                    % (self.path, "/".join(self.TIME_COLUMNS), "/".join(self.POWER_COLUMNS)),
                    EXIT_NO_ENERGY,
                )
            rows = []
            for row in reader:
                if len(row) <= max(ti, pi):
                    continue
                t_raw, p_raw = row[ti].strip(), row[pi].strip()
                try:
                    t = float(t_raw)
                except ValueError:
                    try:
                        t = datetime.fromisoformat(t_raw.replace("Z", "+00:00")).timestamp()
                    except ValueError:
                        continue
                try:
                    rows.append((t, float(p_raw)))
                except ValueError:
                    continue
        rows.sort()
        self.rows = rows

    def read(self):
        return None

    def energy_between(self, t0, t1):
        """Joules between two Unix times: trapezoidal integral of the meter's watts."""
        deadline = time.time() + self.wait_s
        while not self.rows or self.rows[-1][0] < t1:
            if time.time() > deadline:
                last = self.rows[-1][0] if self.rows else float("nan")
                raise HarnessError(
                    "METER_CSV",
                    "the meter CSV %s ends at %.3f, before the window that ended at %.3f: is the meter logger "
                    "running and writing to this file, with a clock in Unix seconds?" % (self.path, last, t1),
                    EXIT_MEASURE,
                )
            time.sleep(0.2)
            self._load()
        if self.rows[0][0] > t0:
            raise HarnessError(
                "METER_CSV", "the meter CSV %s starts at %.3f, after the window began (%.3f)" % (self.path, self.rows[0][0], t0),
                EXIT_MEASURE,
            )

        def power_at(t):
            lo, hi = 0, len(self.rows) - 1
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if self.rows[mid][0] <= t:
                    lo = mid
                else:
                    hi = mid
            (ta, pa), (tb, pb) = self.rows[lo], self.rows[hi]
            return pa if tb == ta else pa + (pb - pa) * (t - ta) / (tb - ta)

        pts = [(t0, power_at(t0))] + [r for r in self.rows if t0 < r[0] < t1] + [(t1, power_at(t1))]
        return sum((b[0] - a[0]) * (a[1] + b[1]) / 2.0 for a, b in zip(pts, pts[1:]))

    def describe(self):
        return "external power meter log %s" % self.path
