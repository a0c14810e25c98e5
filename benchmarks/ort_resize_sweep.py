"""Sweep the ONNX twin's ``behaviour="onnxruntime"`` against live ONNX Runtime (issue 19, item 10b).

    .venv/bin/python benchmarks/ort_resize_sweep.py                 # every size pair up to 40
    .venv/bin/python benchmarks/ort_resize_sweep.py --max 20 --mode nearest

For every ``mode`` x ``coordinate_transformation_mode`` x ``nearest_mode`` (nearest only) and
both ways of giving the output length (``sizes``, and ``scales`` = float32(n_out / n_in)), every
``(n_in, n_out)`` pair in ``1..max`` is resized along one axis of a ``(1, 1, n_in, 2)`` float32
tensor, once by ONNX Runtime and once by the twin.  Nearest must agree exactly; linear and cubic
within 1e-5 (ORT computes its weights in float32).  ``tf_crop_and_resize`` uses the whole image
as its roi.  Prints one line per configuration with its mismatch count and the first few
mismatching ``n_in -> n_out`` pairs; ``tests/parity/test_parity_onnxruntime_resize.py`` runs a
sample of the same grid in the suite.
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np

CTMS = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"]
NEAREST = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]


def session(attrs: dict, with_scales: bool):
    import onnxruntime as ort
    from onnx import TensorProto, helper

    inputs = ["X", "roi", "scales", ""] if with_scales else ["X", "roi", "", "sizes"]
    node = helper.make_node("Resize", inputs, ["Y"], **attrs)
    graph_inputs = [
        helper.make_tensor_value_info("X", TensorProto.FLOAT, [None] * 4),
        helper.make_tensor_value_info("roi", TensorProto.FLOAT, [None]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [4])
        if with_scales
        else helper.make_tensor_value_info("sizes", TensorProto.INT64, [4]),
    ]
    graph = helper.make_graph([node], "g", graph_inputs, [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def configurations(modes):
    for mode in modes:
        for ctm in CTMS:
            for nearest in NEAREST if mode == "nearest" else ["round_prefer_floor"]:
                for with_scales in (False, True):
                    yield mode, ctm, nearest, with_scales


def compare(mode, ctm, nearest, with_scales, pairs, rng):
    """Mismatching pairs (n_in, n_out, what) of one configuration."""
    from upsampling.frameworks import onnx as twin

    attrs = dict(mode=mode, coordinate_transformation_mode=ctm, nearest_mode=nearest)
    sess = session(attrs, with_scales)
    roi = np.array([0, 0, 0, 0, 1, 1, 1, 1], np.float32) if ctm == "tf_crop_and_resize" else np.zeros(0, np.float32)
    bad = []
    for n_in, n_out in pairs:
        x = rng.random((1, 1, n_in, 2)).astype(np.float32) if mode != "nearest" else (
            np.arange(2 * n_in, dtype=np.float32).reshape(1, 1, n_in, 2) + 1)
        feeds = {"X": x, "roi": roi}
        if with_scales:
            scales = np.array([1, 1, n_out / n_in, 1], np.float32)
            feeds["scales"] = scales
            kw = {"scales": scales}
        else:
            sizes = np.array([1, 1, n_out, 2], np.int64)
            feeds["sizes"] = sizes
            kw = {"sizes": sizes}
        try:
            ref = sess.run(None, feeds)[0]
        except Exception as exc:  # noqa: BLE001 - ORT refuses: the twin must too
            ref = exc
        try:
            got = twin.resize(x, roi if roi.size else None, behaviour="onnxruntime", **attrs, **kw)
        except Exception as exc:  # noqa: BLE001
            got = exc
        if isinstance(ref, Exception) or isinstance(got, Exception):
            if isinstance(ref, Exception) != isinstance(got, Exception):
                bad.append((n_in, n_out, f"ORT {type(ref).__name__} / twin {type(got).__name__}"))
            continue
        if ref.shape != got.shape:
            bad.append((n_in, n_out, f"shape {got.shape} != {ref.shape}"))
        elif mode == "nearest" and not np.array_equal(ref, got):
            bad.append((n_in, n_out, "values"))
        elif mode != "nearest" and not np.allclose(ref, got, rtol=0, atol=1e-5):
            bad.append((n_in, n_out, f"max diff {float(np.max(np.abs(ref - got))):.2g}"))
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=40)
    parser.add_argument("--mode", choices=["nearest", "linear", "cubic"], action="append")
    args = parser.parse_args()
    pairs = list(itertools.product(range(1, args.max + 1), repeat=2))
    rng = np.random.default_rng(19)
    total = 0
    for mode, ctm, nearest, with_scales in configurations(args.mode or ["nearest", "linear", "cubic"]):
        bad = compare(mode, ctm, nearest, with_scales, pairs, rng)
        total += len(bad)
        what = "scales" if with_scales else "sizes"
        label = f"{mode:8s} {ctm:21s} {nearest if mode == 'nearest' else '':19s} {what:6s}"
        print(f"{label} {len(bad):5d} / {len(pairs)}  " + " ".join(f"{a}->{b}" for a, b, _ in bad[:6]), flush=True)
    print(f"total mismatches: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
