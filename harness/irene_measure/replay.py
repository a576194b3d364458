"""Replaying a node on its recorded inputs and measuring energy per call.

Each distinct node (trace.py's key) is called back to back for a window while
the energy source is read at both ends; the window is repeated and the median
reported, with the spread.
"""

import statistics
import time

import torch

from .messages import EXIT_MEASURE, HarnessError


class Measurer:
    def __init__(self, source, device, window_s, node_window_s, repeats, warmup):
        self.source = source
        self.device = device
        self.window_s = window_s
        self.node_window_s = node_window_s
        self.repeats = repeats
        self.warmup = warmup
        self.cuda = device.type == "cuda"

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize(self.device)

    def wait_tick(self, fn, last):
        """Keep calling fn until the counter moves; returns (time, energy, calls made)."""
        n = 0
        now = time.perf_counter()
        deadline = now + 5.0
        next_read = now
        while True:
            if fn is not None:
                fn()
                n += 1
            else:
                time.sleep(0.0005)
            now = time.perf_counter()
            if now < next_read:
                continue  # an NVML read costs more than a small kernel launch: poll at most every 1 ms
            next_read = now + 0.001
            e = self.source.read()
            if e != last:
                return time.perf_counter(), e, n
            if now > deadline:
                raise HarnessError("COUNTER_STUCK", "the energy counter did not move in 5 s", EXIT_MEASURE)

    def window(self, fn, window_s):
        """Average power (W) while fn runs back to back, and seconds per call.

        The GPU's queue is kept full for the whole window; power comes from two
        counter readings taken right after the counter moved (NVML updates
        about every 100 ms), the time per call from all calls issued and one
        synchronisation at the end.
        """
        src = self.source
        cpu0 = time.process_time()
        t_first = time.perf_counter()
        wall0 = time.time()
        calls = 0
        if src.ticks:
            _, e0, n = self.wait_tick(fn, src.read())
            calls += n
            t0 = time.perf_counter()
        else:
            e0 = src.read()
            t0 = time.perf_counter()
        while time.perf_counter() - t0 < window_s:
            fn()
            calls += 1
        if src.ticks:
            t1, e1, n = self.wait_tick(fn, src.read())
            calls += n
        else:
            t1 = time.perf_counter()
            e1 = src.read()
        wall1 = wall0 + (t1 - t_first)
        self.sync()
        t_end = time.perf_counter()
        cpu = 100.0 * (time.process_time() - cpu0) / max(1e-9, t_end - t_first)
        if src.wall_clock:
            energy = src.energy_between(wall0 + (t0 - t_first), wall1)
        else:
            energy = (e1 - e0) if e0 is not None else 0.0
        power = energy / max(1e-9, t1 - t0)
        per_call_s = (t_end - t_first) / max(1, calls)
        return {"power_w": power, "time_s": per_call_s, "calls": calls, "cpu": cpu}

    def measure(self, fn, node, window_s):
        """Energy per call over `repeats` windows: median, the repeats and their spread."""
        with torch.no_grad():
            for _ in range(self.warmup):
                fn()
            self.sync()
            runs = []
            for r in range(self.repeats):
                w = self.window(fn, window_s)
                if self.source.fake:
                    w["energy"] = self.source.energy_per_call(node, r, self.repeats)
                    w["power_w"] = w["energy"] / max(1e-12, w["time_s"])
                else:
                    w["energy"] = w["power_w"] * w["time_s"]
                w.update(self.source.gpu_stats())
                runs.append(w)
        energies = [w["energy"] for w in runs]
        med = statistics.median(energies)
        mid = min(runs, key=lambda w: abs(w["energy"] - med))
        return {
            "energy": med,
            "energies": energies,
            "runs": [{"energy": w["energy"], "times_mean": w["time_s"], "power_w": w["power_w"]} for w in runs],
            "spread": (max(energies) - min(energies)) / med if med > 0 else 0.0,
            "times_mean": statistics.median([w["time_s"] for w in runs]),
            "power_w": mid["power_w"],
            "repeats": mid["calls"],
            "cpu": mid["cpu"],
            "stats": {k: mid[k] for k in ("gpu", "gpu_mem", "gpu_clk", "gpu_mem_clk") if k in mid},
        }

    def idle_power(self, seconds):
        """Watts with nothing running, over `seconds` (two halves, to show the noise)."""
        if self.source.fake:
            return [self.source.FAKE_IDLE_W, self.source.FAKE_IDLE_W]
        out = []
        for _ in range(2):
            if self.source.wall_clock:
                t0 = time.time()
                time.sleep(seconds / 2)
                out.append(self.source.energy_between(t0, time.time()) / max(1e-9, time.time() - t0))
                continue
            if self.source.ticks:
                t0, e0, _ = self.wait_tick(None, self.source.read())
            else:
                t0, e0 = time.perf_counter(), self.source.read()
            time.sleep(seconds / 2)
            if self.source.ticks:
                t1, e1, _ = self.wait_tick(None, self.source.read())
            else:
                t1, e1 = time.perf_counter(), self.source.read()
            out.append((e1 - e0) / max(1e-9, t1 - t0))
        return out


def make_replay(replay):
    target, args, kwargs = replay
    return lambda: target(*args, **kwargs)
