"""Synthetic energy for tests on any machine; labelled FAKE wherever it appears."""

from .base import EnergySource


class FakeSource(EnergySource):
    """Synthetic, deterministic energy for tests: NOT a measurement.

    energy per call = FAKE_J_PER_CALL + FAKE_J_PER_FLOP x flops + FAKE_J_PER_BYTE x mem_bytes,
    times (1 + 0.01 x (r - (R - 1) / 2)) on repeat r of R, so that the median over an odd
    number of repeats is exactly the formula and the spread is not zero.
    """

    name = "fake"
    fake = True
    FAKE_J_PER_CALL = 2e-5
    FAKE_J_PER_FLOP = 2e-12
    FAKE_J_PER_BYTE = 5e-11
    FAKE_IDLE_W = 50.0

    def read(self):
        return 0.0

    def energy_per_call(self, node, repeat, repeats):
        base = self.FAKE_J_PER_CALL + self.FAKE_J_PER_FLOP * node.flops + self.FAKE_J_PER_BYTE * node.mem_bytes
        return base * (1.0 + 0.01 * (repeat - (repeats - 1) / 2.0))

    def describe(self):
        return "FAKE synthetic energy (not a measurement; for tests)"
