"""Named hardware for rooflines: peak dense throughput per dtype, memory bandwidth, on-chip capacity, each cited.

Every figure is the vendor's, from the document named with it. Peaks are *dense*
(structured-sparsity peaks are kept apart in ``sparse``: where a datasheet prints
only the sparse figure, with a footnote that dense is half, the dense peak is that
half and says so in ``notes``). Throughput is in operations per second, an
operation being a floating-point (or integer) multiply or add, so a
multiply-accumulate is 2, as the datasheets count. Bandwidth is in bytes per
second; ``fast_memory`` is the largest on-chip store shared by the whole chip (the
last-level cache), in bytes: the ``S`` of :mod:`symconv.bounds` once divided by the
element size.

>>> d = DEVICES["H100-SXM5"]
>>> d.peak["bf16"] / d.bandwidth  # machine balance, operations per byte
19790/67
>>> d.fast_memory_words("bf16")
26214400
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy

from symconv.errors import UnknownName
from symconv.precision import dtype_bytes

T = 10**12
G = 10**9
MiB = 2**20


@dataclass(frozen=True)
class Source:
    """A vendor document: its title and where it is published."""

    document: str
    url: str


@dataclass(frozen=True)
class Device:
    """One device's datasheet figures (see the module docstring for units)."""

    name: str
    kind: str
    peak: Mapping[str, sympy.Rational]
    bandwidth: sympy.Rational
    fast_memory: int | None
    source: Source
    sparse: Mapping[str, sympy.Rational] = field(default_factory=dict)
    on_chip: Mapping[str, str] = field(default_factory=dict)
    notes: str = ""

    def balance(self, dtype: str) -> sympy.Rational:
        """Machine balance: peak dense operations per byte of memory traffic, for ``dtype``."""
        if dtype not in self.peak:
            raise UnknownName(f"dtype for {self.name}", dtype, list(self.peak))
        return sympy.Rational(self.peak[dtype]) / self.bandwidth

    def fast_memory_words(self, dtype: str) -> sympy.Integer | None:
        """``S`` for :mod:`symconv.bounds`: last-level on-chip capacity in elements of ``dtype``."""
        if self.fast_memory is None:
            return None
        return sympy.floor(sympy.Integer(self.fast_memory) / dtype_bytes(dtype))


def _tera(**peaks: float | str) -> dict[str, sympy.Rational]:
    return {dtype: sympy.Rational(str(value)) * T for dtype, value in peaks.items()}


NVIDIA_H100 = Source(
    "NVIDIA H100 Tensor Core GPU Datasheet; NVIDIA H100 Tensor Core GPU Architecture whitepaper (L2)",
    "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet",
)
NVIDIA_A100 = Source(
    "NVIDIA A100 Tensor Core GPU Datasheet; NVIDIA A100 Tensor Core GPU Architecture whitepaper (L2)",
    "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf",
)
NVIDIA_L4 = Source(
    "NVIDIA L4 Tensor Core GPU Datasheet; NVIDIA Ada GPU Architecture whitepaper (L2)",
    "https://resources.nvidia.com/en-us-data-center-overview/l4-gpu-datasheet",
)
NVIDIA_T4 = Source(
    "NVIDIA T4 Tensor Core GPU Datasheet; NVIDIA Turing GPU Architecture whitepaper (L2)",
    "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/tesla-t4/t4-tensor-core-datasheet-951643.pdf",
)
NVIDIA_ORIN = Source(
    "NVIDIA Jetson AGX Orin Series Technical Brief v1.2",
    "https://www.nvidia.com/content/dam/en-zz/Solutions/gtcf21/jetson-orin/nvidia-jetson-agx-orin-technical-brief.pdf",
)
NVIDIA_ORIN_NANO = Source(
    "NVIDIA Jetson Orin Nano Series Data Sheet",
    "https://developer.nvidia.com/embedded/downloads#?search=Jetson%20Orin%20Nano%20Series%20Data%20Sheet",
)
NVIDIA_GRACE = Source(
    "NVIDIA Grace CPU Superchip Datasheet",
    "https://resources.nvidia.com/en-us-grace-cpu/data-center-datasheet",
)
AMD_MI300X = Source(
    "AMD Instinct MI300X Accelerator Data Sheet",
    "https://www.amd.com/content/dam/amd/en/documents/instinct-tech-docs/data-sheets/amd-instinct-mi300x-data-sheet.pdf",
)
AMD_MI250X = Source(
    "AMD Instinct MI250X Accelerator specifications",
    "https://www.amd.com/en/products/accelerators/instinct/mi200/mi250x.html",
)
GOOGLE_V5E = Source("Google Cloud TPU v5e documentation", "https://cloud.google.com/tpu/docs/v5e")
GOOGLE_V4 = Source("Google Cloud TPU v4 documentation", "https://cloud.google.com/tpu/docs/v4")

_HALF = "the datasheet prints the sparse tensor-core peaks; dense is half (its footnote)"

DEVICES: dict[str, Device] = {
    d.name: d
    for d in (
        Device(
            "H100-SXM5",
            "datacenter GPU",
            _tera(fp64=67, fp32=67, tf32=494.5, bf16=989.5, fp16=989.5, fp8=1979, int8=1979),
            sympy.Rational("3.35") * T,
            50 * MiB,
            NVIDIA_H100,
            sparse=_tera(tf32=989, bf16=1979, fp16=1979, fp8=3958, int8=3958),
            on_chip={"L2": "50 MB", "L1/shared per SM": "256 KB", "SMs": "132"},
            notes=f"fp64 and fp32 are the tensor-core and CUDA-core peaks; {_HALF}",
        ),
        Device(
            "A100-SXM4-80GB",
            "datacenter GPU",
            _tera(fp64=19.5, fp32=19.5, tf32=156, bf16=312, fp16=312, int8=624),
            sympy.Integer(2039) * G,
            40 * MiB,
            NVIDIA_A100,
            sparse=_tera(tf32=312, bf16=624, fp16=624, int8=1248),
            on_chip={"L2": "40 MB", "L1/shared per SM": "192 KB", "SMs": "108"},
            notes="fp64 is the tensor-core peak (9.7 without)",
        ),
        Device(
            "L4",
            "datacenter GPU (inference)",
            _tera(fp32=30.3, tf32=60, bf16=121, fp16=121, fp8=242.5, int8=242.5),
            sympy.Integer(300) * G,
            48 * MiB,
            NVIDIA_L4,
            sparse=_tera(tf32=120, bf16=242, fp16=242, fp8=485, int8=485),
            on_chip={"L2": "48 MB"},
            notes=_HALF,
        ),
        Device(
            "T4",
            "datacenter GPU (inference)",
            _tera(fp32=8.1, fp16=65, int8=130),
            sympy.Integer(320) * G,
            4 * MiB,
            NVIDIA_T4,
            on_chip={"L2": "4 MB"},
            notes="fp16 is the mixed-precision FP16/FP32 tensor-core peak; Turing has no structured sparsity",
        ),
        Device(
            "Jetson-AGX-Orin-64GB",
            "edge GPU",
            _tera(fp32=5.3, int8=85),
            sympy.Rational("204.8") * G,
            4 * MiB,
            NVIDIA_ORIN,
            sparse=_tera(int8=170),
            on_chip={"L2": "4 MB", "L1 per SM": "192 KB", "SMs": "16"},
            notes="GPU only (the DLAs add 105 sparse INT8 TOPS); the brief gives the sparse INT8 peak, dense is half",
        ),
        Device(
            "Jetson-Orin-Nano-8GB",
            "edge GPU",
            _tera(int8=20),
            sympy.Integer(68) * G,
            None,
            NVIDIA_ORIN_NANO,
            sparse=_tera(int8=40),
            notes="the data sheet gives the sparse INT8 peak (40 TOPS), dense is half; no L2 size published",
        ),
        Device(
            "MI300X",
            "datacenter GPU",
            _tera(fp64=163.4, fp32=163.4, tf32=653.7, bf16=1307.4, fp16=1307.4, fp8=2614.9, int8=2614.9),
            sympy.Rational("5.3") * T,
            256 * MiB,
            AMD_MI300X,
            sparse=_tera(tf32=1307.4, bf16=2614.9, fp16=2614.9, fp8=5229.8, int8=5229.8),
            on_chip={"Infinity Cache": "256 MB", "LDS per CU": "64 KB", "CUs": "304"},
            notes="fp64 and fp32 are the matrix peaks (81.7 and 163.4 vector)",
        ),
        Device(
            "MI250X",
            "datacenter GPU",
            _tera(fp64=95.7, fp32=95.7, bf16=383, fp16=383, int8=383),
            sympy.Rational("3.2768") * T,
            16 * MiB,
            AMD_MI250X,
            on_chip={"L2": "8 MB per GCD, 2 GCDs"},
            notes="fp64 and fp32 are the matrix peaks (47.9 vector)",
        ),
        Device(
            "TPU-v5e",
            "accelerator",
            _tera(bf16=197, int8=394),
            sympy.Integer(819) * G,
            None,
            GOOGLE_V5E,
            notes="per chip; on-chip memory size not published",
        ),
        Device(
            "TPU-v4",
            "accelerator",
            _tera(bf16=275, int8=275),
            sympy.Integer(1200) * G,
            128 * MiB,
            GOOGLE_V4,
            on_chip={"CMEM": "128 MiB"},
            notes="per chip",
        ),
        Device(
            "Grace-CPU-Superchip",
            "CPU",
            _tera(fp64=7.1),
            sympy.Integer(1000) * G,
            228 * MiB,
            NVIDIA_GRACE,
            on_chip={"L3": "228 MB (2 x 114 MB)", "cores": "144 Arm Neoverse V2"},
            notes="two CPUs; peak FP64 and up to 1 TB/s LPDDR5X as the datasheet states",
        ),
    )
}


def device(name: str | Device) -> Device:
    """Look up a device by name (``'H100-SXM5'``, ``'Jetson-AGX-Orin-64GB'`` ...)."""
    if isinstance(name, Device):
        return name
    if name not in DEVICES:
        raise UnknownName("device", name, list(DEVICES))
    return DEVICES[name]
