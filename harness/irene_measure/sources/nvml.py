"""NVIDIA GPUs: NVML's total-energy counter (Volta or newer), via pynvml or ctypes."""

import ctypes

from ..messages import EXIT_NO_ENERGY, HarnessError
from .base import EnergySource


class NvmlSource(EnergySource):
    name = "nvml"
    ticks = True

    def __init__(self, index, backend="auto"):
        self.index = index
        self.backend = None
        errors = []
        if backend in ("auto", "pynvml"):
            try:
                import pynvml  # noqa: PLC0415 (nvidia-ml-py)

                pynvml.nvmlInit()
                self.nv = pynvml
                self.handle = pynvml.nvmlDeviceGetHandleByIndex(index)
                self.backend = "pynvml"
            except Exception as e:
                errors.append("pynvml: %s" % e)
        if self.backend is None and backend in ("auto", "ctypes"):
            try:
                self.lib = ctypes.CDLL("libnvidia-ml.so.1")
                self._check(self.lib.nvmlInit_v2(), "nvmlInit_v2")
                self.handle = ctypes.c_void_p()
                self._check(self.lib.nvmlDeviceGetHandleByIndex_v2(ctypes.c_uint(index), ctypes.byref(self.handle)),
                            "nvmlDeviceGetHandleByIndex_v2")
                self.backend = "ctypes"
            except Exception as e:
                errors.append("libnvidia-ml.so.1: %s" % e)
        if self.backend is None:
            raise HarnessError("NO_ENERGY_SOURCE", "NVML is not available (%s)" % "; ".join(errors), EXIT_NO_ENERGY)
        try:
            self.read()
        except Exception as e:
            raise HarnessError(
                "NO_ENERGY_SOURCE",
                "this GPU has no NVML total-energy counter (%s); it needs a Volta or newer data-centre GPU" % e,
                EXIT_NO_ENERGY,
            )

    @staticmethod
    def _check(rc, what):
        if rc != 0:
            raise RuntimeError("%s returned NVML error %d" % (what, rc))

    def read(self):
        if self.backend == "pynvml":
            return self.nv.nvmlDeviceGetTotalEnergyConsumption(self.handle) / 1000.0
        v = ctypes.c_ulonglong()
        self._check(self.lib.nvmlDeviceGetTotalEnergyConsumption(self.handle, ctypes.byref(v)),
                    "nvmlDeviceGetTotalEnergyConsumption")
        return v.value / 1000.0  # mJ -> J

    def device_name(self):
        if self.backend == "pynvml":
            n = self.nv.nvmlDeviceGetName(self.handle)
            return n.decode() if isinstance(n, bytes) else n
        buf = ctypes.create_string_buffer(96)
        self._check(self.lib.nvmlDeviceGetName(self.handle, buf, ctypes.c_uint(96)), "nvmlDeviceGetName")
        return buf.value.decode()

    def driver(self):
        try:
            if self.backend == "pynvml":
                d = self.nv.nvmlSystemGetDriverVersion()
                return d.decode() if isinstance(d, bytes) else d
            buf = ctypes.create_string_buffer(96)
            self._check(self.lib.nvmlSystemGetDriverVersion(buf, ctypes.c_uint(96)), "nvmlSystemGetDriverVersion")
            return buf.value.decode()
        except Exception:
            return None

    def gpu_stats(self):
        try:
            if self.backend == "pynvml":
                u = self.nv.nvmlDeviceGetUtilizationRates(self.handle)
                return {
                    "gpu": u.gpu, "gpu_mem": u.memory,
                    "gpu_clk": self.nv.nvmlDeviceGetClockInfo(self.handle, 1),
                    "gpu_mem_clk": self.nv.nvmlDeviceGetClockInfo(self.handle, 2),
                }

            class Util(ctypes.Structure):
                _fields_ = [("gpu", ctypes.c_uint), ("memory", ctypes.c_uint)]

            u = Util()
            sm = ctypes.c_uint()
            mem = ctypes.c_uint()
            self.lib.nvmlDeviceGetUtilizationRates(self.handle, ctypes.byref(u))
            self.lib.nvmlDeviceGetClockInfo(self.handle, ctypes.c_int(1), ctypes.byref(sm))
            self.lib.nvmlDeviceGetClockInfo(self.handle, ctypes.c_int(2), ctypes.byref(mem))
            return {"gpu": u.gpu, "gpu_mem": u.memory, "gpu_clk": sm.value, "gpu_mem_clk": mem.value}
        except Exception:
            return {}

    def describe(self):
        return "NVML total-energy counter of GPU %d (%s, via %s)" % (self.index, self.device_name(), self.backend)
