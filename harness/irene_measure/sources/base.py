"""The interface every energy source implements.

A new source (an AMD GPU's counter, an Apple SoC, another meter) is one module
in this folder with a subclass of EnergySource, and one line in OPENERS in
sources/__init__.py (plus its name in src/engine/calibrate/harnessCommand.ts,
which builds the command line).
"""


class EnergySource:
    """A cumulative energy counter. `read()` gives joules since some origin."""

    name = "none"
    fake = False
    ticks = False  # True: the counter moves in coarse steps; align windows to them
    wall_clock = False  # True: energy comes from timestamps (meter CSV)

    def read(self):
        raise NotImplementedError

    def describe(self):
        return self.name

    def gpu_stats(self):
        return {}
