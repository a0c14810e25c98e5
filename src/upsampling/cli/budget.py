"""The memory a command needs, estimated before it starts, against what the machine has available.

Every formula the commands use is here, so they can be read (and corrected) together.  A job is
refused with one line -- :class:`~upsampling.errors.JobTooLargeError`, exit code 2 -- when its
estimated peak exceeds the memory available: ``MemAvailable`` of ``/proc/meminfo`` (and the
cgroup's limit minus its usage, when the process runs in a memory-limited container), else free
physical pages from ``sysconf``; ``UPSAMPLING_MEMORY_AVAILABLE`` (bytes, or ``512M``, ``8G``...)
replaces the measurement (to cap a shared machine, or in tests).  When nothing can be measured
the job runs unchecked (the library's own ``max_output_bytes`` still applies).

What is counted (each a separate line of the estimate, so a refusal says what is big):

* the decoded input, and Pillow's own copy while decoding (4 bytes a pixel for RGB/RGBA);
* the input converted to the work dtype (``--dtype float32``);
* a framework twin's working memory: :data:`TWIN_BYTES`, bytes per output element and per input
  element, measured (peak RSS in a fresh process, ``benchmarks/twin_memory.py``) for every twin,
  mode family and dtype on a 3x upscale and a 3x downscale, with the compiled kernels
  (:data:`TWIN_BYTES_NUMPY`, the largest of each twin's modes, when they are not loaded);
* every result a command keeps (``compare`` keeps one per framework convention, in its own dtype);
* the 8-bit copy written to PNG and the compressed file;
* for ``segment``: the network's activations (the largest set alive at once, measured on a small
  probe image and scaled by the pixel count), the class scores, the labels and the overlay.

Checked against one real case each (peak RSS of the whole process, Python included; see
docs/security.md): ``resize`` of a 2000x1500 RGB PNG to 6000x4500 is estimated at 445 MiB and
peaked at 279 MiB with ``--like opencv``, 2.2 GiB and 1.9 GiB with ``--like torch`` (8-bit
bilinear, two fixed-point passes in float64).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from upsampling.errors import JobTooLargeError

__all__ = [
    "Estimate",
    "TWIN_BYTES",
    "available_memory",
    "check",
    "compare_job",
    "fmt_bytes",
    "parse_bytes",
    "resize_job",
    "segment_job",
]

ENV = "UPSAMPLING_MEMORY_AVAILABLE"

#: Working memory of one framework twin call on an ``(H, W, C)`` image with the compiled kernels,
#: per ``(--like, dtype)`` and mode, as ``(bytes per output element, bytes per input element)``;
#: the result itself is included, and estimates add both terms.  Measured 2026-12-07 by
#: ``benchmarks/twin_memory.py`` (peak RSS above the RSS before the call, in a fresh process; a
#: 600x800 RGB image resized to 1800x2400 and back).  A mode not listed takes the largest of its
#: twin's modes.
TWIN_BYTES: dict[tuple[str, str], dict[str, tuple[float, float]]] = {
    ('torch', 'uint8'): {'nearest': (1.2, 1.3), 'nearest-exact': (1.2, 1.3), 'bilinear': (24.2, 9.3), 'bicubic': (24.3, 9.3)},
    ('torch', 'float32'): {'nearest': (4.3, 4.3), 'nearest-exact': (4.3, 4.2), 'bilinear': (4.3, 4.2), 'bicubic': (4.3, 4.2), 'area': (4.2, 4.2)},
    ('tf', 'uint8'): {'bilinear': (4.3, 0.3), 'nearest': (1.3, 0.3), 'bicubic': (4.3, 0.3), 'area': (4.3, 0.3), 'lanczos3': (4.4, 0.2), 'lanczos5': (4.5, 0.2), 'gaussian': (4.3, 0.3), 'mitchellcubic': (4.4, 0.3)},
    ('tf', 'float32'): {'bilinear': (4.3, 0.2), 'nearest': (4.3, 0.2), 'bicubic': (4.3, 0.2), 'area': (4.3, 0.2), 'lanczos3': (4.4, 0.2), 'lanczos5': (4.5, 0.2), 'gaussian': (4.3, 0.2), 'mitchellcubic': (4.3, 0.2)},
    ('tf1', 'uint8'): {'bilinear': (4.3, 0.3), 'nearest': (1.3, 0.3), 'bicubic': (4.4, 0.2), 'area': (4.3, 0.3)},
    ('tf1', 'float32'): {'bilinear': (4.3, 0.2), 'nearest': (4.3, 0.2), 'bicubic': (4.3, 0.2), 'area': (4.3, 0.2)},
    ('opencv', 'uint8'): {'nearest': (2.3, 0.2), 'nearest-exact': (2.3, 0.2), 'bilinear': (2.3, 0.3), 'bicubic': (2.4, 0.2), 'area': (1.7, 5.9), 'lanczos4': (24.4, 0.3)},
    ('opencv', 'float32'): {'nearest': (8.3, 0.2), 'nearest-exact': (8.3, 0.2), 'bilinear': (8.3, 0.2), 'bicubic': (8.3, 0.2), 'area': (8.3, 0.2), 'lanczos4': (8.4, 0.2)},
    ('pillow', 'uint8'): {'nearest': (3.3, 0.3), 'bilinear': (9.9, 3.7), 'bicubic': (9.9, 3.7), 'lanczos': (9.9, 3.8), 'box': (9.9, 3.7), 'hamming': (9.9, 3.7)},
    ('pillow', 'float32'): {'nearest': (12.3, 1.9), 'bilinear': (8.2, 5.7), 'bicubic': (8.2, 5.7), 'lanczos': (8.3, 5.8), 'box': (8.2, 5.7), 'hamming': (8.2, 5.7)},
    ('onnx', 'uint8'): {'nearest': (1.3, 1.2), 'bilinear': (1.3, 1.2), 'bicubic': (1.3, 1.2)},
    ('onnx', 'float32'): {'nearest': (4.3, 4.2), 'bilinear': (4.3, 4.2), 'bicubic': (4.3, 4.2)},
}

#: The same with the NumPy kernels (the extension not loaded: ``benchmarks/twin_memory.py --kernel
#: numpy``), the largest of each twin's modes: every pass allocates a float work copy.
TWIN_BYTES_NUMPY: dict[tuple[str, str], tuple[float, float]] = {
    ('torch', 'uint8'): (36.8, 15.9),
    ('torch', 'float32'): (17.2, 9.0),
    ('tf', 'uint8'): (34.2, 16.1),
    ('tf', 'float32'): (17.3, 4.1),
    ('tf1', 'uint8'): (34.2, 16.1),
    ('tf1', 'float32'): (17.2, 4.1),
    ('opencv', 'uint8'): (42.5, 15.1),
    ('opencv', 'float32'): (17.3, 4.1),
    ('pillow', 'uint8'): (12.3, 6.5),
    ('pillow', 'float32'): (15.2, 7.7),
    ('onnx', 'uint8'): (34.2, 16.1),
    ('onnx', 'float32'): (17.2, 7.7),
}

#: The interpreter and the libraries a command imports (a resize to 32x32 peaked at 72 MiB).
PROCESS_BYTES = 96 * 2**20

#: Peak memory of a network's forward pass over the largest set of activations alive at once
#: (measured: a U-Net, base 16, on a 2400x2000 image peaked at 2.0x the live set).
CONV_WORKSPACE = 2.5

#: Bytes a pixel takes inside Pillow, by image mode (Pillow stores 3-band images in 4 bytes).
PIL_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I": 4, "F": 4, "LA": 4, "PA": 4}


def fmt_bytes(n: float) -> str:
    """``1.5 GiB``, ``320 MiB``, ``12 KiB``: a size people read at a glance."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            value = n / size
            if value >= 10**6:
                return f"~{value:.2e} {unit}"
            return f"{value:.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    return f"{int(n)} bytes"


def parse_bytes(text: str) -> int | None:
    """``"8G"``, ``"512M"``, ``"1.5GiB"``, ``"1000000"`` -> bytes; None when it is not a size."""
    t = text.strip().lower().removesuffix("ib").removesuffix("b")
    scale = 1
    if t and t[-1] in "kmgt":
        scale = 2 ** (10 * ("kmgt".index(t[-1]) + 1))
        t = t[:-1]
    try:
        value = float(t)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(value * scale)


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_available() -> int | None:
    """What the process's cgroup (v2) still allows, when it has a memory limit."""
    try:
        with open("/proc/self/cgroup") as fh:
            rel = next((line.split(":", 2)[2].strip() for line in fh if line.startswith("0::")), None)
        if rel is None:
            return None
        base = os.path.join("/sys/fs/cgroup", rel.lstrip("/"))
        with open(os.path.join(base, "memory.max")) as fh:
            limit = fh.read().strip()
        if limit == "max":
            return None
        with open(os.path.join(base, "memory.current")) as fh:
            used = int(fh.read().strip())
        return max(int(limit) - used, 0)
    except (OSError, ValueError, StopIteration):
        return None


def available_memory() -> tuple[int | None, str]:
    """``(bytes available to a new job, where the number comes from)``; ``(None, ...)`` if unknown."""
    override = os.environ.get(ENV)
    if override:
        value = parse_bytes(override)
        if value is not None:
            return value, f"{ENV}={override}"
    found = _meminfo_available()
    source = "MemAvailable in /proc/meminfo"
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
            source = "free physical memory (sysconf)"
        except (ValueError, OSError, AttributeError):
            found = None
    group = _cgroup_available()
    if group is not None and (found is None or group < found):
        return group, "the memory limit of this process's cgroup"
    return (found, source) if found is not None else (None, "unknown")


@dataclass
class Estimate:
    """A job's memory: ``phases`` (each a list of ``(what, bytes)`` alive at the same time); the
    peak is the largest phase's sum."""

    job: str
    phases: list[list[tuple[str, float]]] = field(default_factory=list)
    hint: str = ""

    @property
    def peak(self) -> int:
        return int(max((sum(b for _, b in phase) for phase in self.phases), default=0)) + PROCESS_BYTES

    def biggest_phase(self) -> list[tuple[str, float]]:
        return max(self.phases, key=lambda phase: sum(b for _, b in phase), default=[])


def check(estimate: Estimate) -> Estimate:
    """Raise :class:`JobTooLargeError` (one line) when ``estimate`` exceeds the available memory."""
    available, source = available_memory()
    if available is None or estimate.peak <= available:
        return estimate
    parts = sorted(estimate.biggest_phase(), key=lambda p: -p[1])
    shown = ", ".join(f"{what} {fmt_bytes(b)}" for what, b in parts[:4] if b > 0)
    message = (f"{estimate.job} needs about {fmt_bytes(estimate.peak)} of memory ({shown}), more than the "
               f"{fmt_bytes(available)} available ({source}); nothing was written.")
    if estimate.hint:
        message += f" {estimate.hint}"
    raise JobTooLargeError("memory", estimate.peak, f"at most {available:,} bytes", message=message)


# ---------------------------------------------------------------------------------------------
# formulas


def decode_bytes(width: int, height: int, mode: str, channels: int) -> list[tuple[str, float]]:
    """Reading an image: Pillow's pixels (and a converted copy for palette, 16-bit, CMYK...), then
    the ``(H, W, C)`` uint8 array."""
    px = width * height
    pil = PIL_PIXEL_BYTES.get(mode, 4) * px
    converted = 0 if mode in ("L", "RGB", "RGBA") else 4 * px
    return [("decoding the input (Pillow)", pil + converted), ("decoded input", channels * px)]


def _twin(like: str, mode: str, dtype: str, in_elements: int, out_elements: int) -> float:
    from upsampling.kernels import native

    if native() is None:
        per_out, per_in = TWIN_BYTES_NUMPY.get((like, dtype), max(TWIN_BYTES_NUMPY.values()))
    else:
        modes = TWIN_BYTES.get((like, dtype)) or {m: v for ms in TWIN_BYTES.values() for m, v in ms.items()}
        per_out, per_in = modes.get(mode) or (max(v[0] for v in modes.values()), max(v[1] for v in modes.values()))
    return per_out * out_elements + per_in * in_elements


def _png_write(out_px: int, channels: int, result_is_uint8: bool) -> list[tuple[str, float]]:
    parts = [("PNG encoding (the compressed file, at most the raw pixels)", channels * out_px)]
    if not result_is_uint8:
        # and to_uint8's float64 temporaries, a band of rows at a time (explain.images._BAND_ELEMENTS)
        parts += [("8-bit copy of the result", channels * out_px), ("8-bit conversion (bands of rows)", 3 * 8 * 4 * 2**20)]
    return parts


def result_itemsize(like: str, mode: str, dtype: str) -> int:
    """Bytes per element of a twin's result: TensorFlow returns float32 except for nearest."""
    if dtype == "float32":
        return 4
    return 4 if like in ("tf", "tf1") and mode != "nearest" else 1


def resize_job(size_in: tuple[int, int], mode_in: str, channels: int, size_out: tuple[int, int], like: str,
               mode: str, dtype: str) -> Estimate:
    """``upsampling resize``: sizes are ``(width, height)``."""
    (w, h), (ow, oh) = size_in, size_out
    inp, out_px = w * h * channels, ow * oh
    work = 4 * inp if dtype == "float32" else 0
    itemsize = result_itemsize(like, mode, dtype)
    keep = [("decoded input", inp), ("input as float32", work)]
    return Estimate(
        f"resize to {ow}x{oh}",
        [
            decode_bytes(w, h, mode_in, channels),
            keep + [(f"the {like} twin's resize (result included)", _twin(like, mode, dtype, inp, out_px * channels))],
            keep + [("the result", itemsize * out_px * channels)] + _png_write(out_px, channels, itemsize == 1),
        ],
        "Choose a smaller --size or --scale (or resize-raster, which works block by block on disk).",
    )


def compare_job(size_in: tuple[int, int], mode_in: str, channels: int, size_out: tuple[int, int],
                calls: Sequence[Any], dtype: str) -> Estimate:
    """``upsampling compare``: every result is kept (in its own dtype) for the pairwise table."""
    (w, h), (ow, oh) = size_in, size_out
    inp, out = w * h * channels, ow * oh * channels
    work = 4 * inp if dtype == "float32" else 0
    kept = sum(result_itemsize(c.like, c.mode, dtype) * out for c in calls)
    costliest = max((_twin(c.like, c.mode, dtype, inp, out) for c in calls), default=0)
    keep = [("decoded input", inp), ("input as float32", work)]
    return Estimate(
        f"compare at {ow}x{oh} ({len(calls)} framework calls)",
        [
            decode_bytes(w, h, mode_in, channels),
            keep + [(f"{len(calls)} results kept", kept), ("the costliest twin's resize", costliest)],
            # pairwise differences and the heat map work on bands of rows and thumbnails
            keep + [(f"{len(calls)} results kept", kept), ("differences (bands)", 64 * 2**20)],
        ],
        "Choose a smaller --size or --scale.",
    )


def segment_job(size_in: tuple[int, int], mode_in: str, size_net: tuple[int, int], activation_bytes_per_px: float,
                num_classes: int, overlay: bool) -> Estimate:
    """``upsampling segment``: image at the network's size, activations, scores, labels, overlay."""
    (w, h), (nw, nh) = size_in, size_net
    px, npx = w * h, nw * nh
    image = [("image as float32 (3, H, W)", 12 * px), ("grey or network input", 4 * npx + 4 * px)]
    phases = [
        decode_bytes(w, h, mode_in, 3) + [("image as float32 (3, H, W)", 24 * px)],  # asarray, then /255
        image + [("network activations", activation_bytes_per_px * npx), ("class scores", 4 * num_classes * npx)],
        image + [("class scores", 4 * num_classes * npx), ("labels", 9 * px)],
    ]
    if overlay:
        phases.append(image + [("labels", px), ("overlay (bands) and its PNG", 7 * px + 64 * 2**20)])
    return Estimate(f"segment a {w}x{h} image", phases,
                    "Segment a smaller image (or tiles of it), or free memory.")


def activation_probe(model: Any, in_channels: int, side: int) -> float:
    """Peak bytes of activations alive at once per input pixel, measured on a ``side x side`` probe.

    Forward hooks see every module's output; weak references tell which of them are still alive
    (held by the network for a skip connection, or as the next layer's input).  The peak of the
    live set, times :data:`CONV_WORKSPACE` for the buffers convolutions use inside (unseen by hooks),
    divided by the probe's pixels.
    """
    import weakref

    import torch

    live: dict[int, tuple[Any, int]] = {}
    peak = [0]

    def hook(_module: Any, _inputs: Any, output: Any) -> None:
        outs = output if isinstance(output, (tuple, list)) else (output,)
        for t in outs:
            if isinstance(t, torch.Tensor):
                live[id(t)] = (weakref.ref(t), t.untyped_storage().nbytes())
        for key in [k for k, (ref, _) in live.items() if ref() is None]:
            del live[key]
        storages = {}
        for ref, nbytes in live.values():
            t = ref()
            if t is not None:
                storages[t.untyped_storage().data_ptr()] = nbytes
        peak[0] = max(peak[0], sum(storages.values()))

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        with torch.no_grad():
            x = torch.zeros(1, in_channels, side, side)
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return CONV_WORKSPACE * peak[0] / (side * side)

