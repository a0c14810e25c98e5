"""Where do PyTorch, TensorFlow and ONNX Runtime return empty (or all-zero) convolution results,
where do they refuse, and does each twin agree?  (issue 19, item 10a; a one-off sweep, kept.)

    .venv/bin/python benchmarks/conv_empty_sweep.py torch SEED COUNT   # conv_transpose{1,2,3}d
    .venv/bin/python benchmarks/conv_empty_sweep.py ort SEED COUNT     # ConvTranspose
    .venv/bin/python benchmarks/conv_empty_sweep.py ortconv SEED COUNT # Conv vs the engine's conv
    .venv/bin/python benchmarks/conv_empty_sweep.py tf SEED COUNT      # conv{1,2,3}d_transpose
    .venv/bin/python benchmarks/conv_empty_sweep.py tfconv SEED COUNT  # conv{1,2,3}d

Random configurations with zero batch, channels, kernel outputs or spatial sizes in about half of
them; prints each class of disagreement (framework outcome, twin outcome, which axis is empty, the
framework's message) with its count and one example.  Run under a memory limit (``ulimit -v``):
some frameworks abort or allocate on hostile shapes.  ``tests/conv_empty_grid.py`` is the sampled
version the parity tests run.  Remaining classes (not reproduced on purpose) are listed in
docs/conv_transpose.md.
"""
import os, sys, itertools, collections
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import torch
import upsampling
from upsampling.frameworks import pytorch as pt
from upsampling.errors import UpsamplingError

rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
which = sys.argv[1] if len(sys.argv) > 1 else "torch"
N = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
torch.set_num_threads(1)


def outcome(fn):
    try:
        y = fn()
        return ("ok", tuple(np.asarray(y).shape), y)
    except UpsamplingError as e:
        return ("refuse", type(e).__name__, str(e)[-170:])
    except Exception as e:  # noqa
        return ("refuse", type(e).__name__, str(e)[-170:])


def ort_run(op_type, X, W, attrs):
    """One ONNX node (Conv or ConvTranspose, opset 22) on X and W in ONNX Runtime."""
    import onnxruntime as ort
    from onnx import helper, TensorProto
    node = helper.make_node(op_type, ["X", "W"], ["Y"], **attrs)
    gr = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(X.shape)), helper.make_tensor_value_info("W", TensorProto.FLOAT, list(W.shape))], [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    m = helper.make_model(gr, opset_imports=[helper.make_opsetid("", 22)]); m.ir_version = 10
    so = ort.SessionOptions(); so.log_severity_level = 4
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run(None, {"X": X, "W": W})[0]


classes = collections.Counter()
examples = {}
for trial in range(N):
    nd = int(rng.integers(1, 4))
    g = int(rng.integers(1, 3))
    n = int(rng.choice([0, 1, 2]))
    cin = g * int(rng.integers(0, 3))
    cout_g = int(rng.integers(0, 3))
    sp = [int(rng.choice([0, 1, 2, 3, 5])) for _ in range(nd)]
    k = [int(rng.integers(1, 4)) for _ in range(nd)]
    s = [int(rng.integers(1, 4)) for _ in range(nd)]
    d = [int(rng.integers(1, 3)) for _ in range(nd)]
    p = [int(rng.integers(0, 4)) for _ in range(nd)]
    op = [int(rng.integers(0, 3)) for _ in range(nd)]
    dt = np.float32 if rng.random() < 0.6 else np.float64
    x = rng.standard_normal((n, cin, *sp)).astype(dt)
    w = rng.standard_normal((cin, cout_g, *k)).astype(dt)
    if which == "torch":
        f = getattr(torch.nn.functional, f"conv_transpose{nd}d")
        ref = outcome(lambda: f(torch.from_numpy(x), torch.from_numpy(w), stride=s, padding=p, output_padding=op, groups=g, dilation=d).numpy())
        got = outcome(lambda: getattr(pt, f"conv_transpose{nd}d")(x, w, None, s, p, op, g, d))
        key_cfg = dict(x=x.shape, w=w.shape, s=s, p=p, op=op, g=g, d=d)
    if which == "ort":
        from upsampling.frameworks import onnx as ox
        x = x.astype(np.float32); w = w.astype(np.float32)
        pads = [int(rng.integers(0, 3)) for _ in range(2 * nd)]
        op2 = [min(o, max(a, b) - 1) for o, a, b in zip(op, s, d)] if rng.random() < 0.7 else op
        attrs = dict(strides=s, dilations=d, group=g, pads=pads, output_padding=op2)
        if rng.random() < 0.2:
            attrs.pop("pads"); attrs["auto_pad"] = str(rng.choice(["SAME_UPPER", "SAME_LOWER", "VALID"]))
        ref = outcome(lambda: ort_run("ConvTranspose", x, w, attrs))
        got = outcome(lambda: ox.conv_transpose(x, w, **attrs))
        key_cfg = dict(x=x.shape, w=w.shape, **attrs)
    if which == "ortconv":
        from upsampling.conv_transpose import conv as engine_conv
        x = x.astype(np.float32); wf = rng.standard_normal((cout_g * g, cin // g if g else 0, *k)).astype(np.float32) if cin % g == 0 else w.astype(np.float32)
        pads = [int(rng.integers(0, 3)) for _ in range(2 * nd)]
        attrs = dict(strides=s, dilations=d, group=g, pads=pads)
        ref = outcome(lambda: ort_run("Conv", x, wf, attrs))
        got = outcome(lambda: engine_conv(x, wf, strides=s, dilations=d, groups=g, pads_begin=pads[:nd], pads_end=pads[nd:]))
        key_cfg = dict(x=x.shape, w=wf.shape, **attrs)
    if which in ("tf", "tfconv"):
        import tensorflow as tf
        tf_nd = nd
        xl = np.moveaxis(x, 1, -1).copy()  # NHWC
        sp_ = list(sp)
        pad = str(rng.choice(["SAME", "VALID"]))
        dil = d if rng.random() < 0.3 else [1] * nd
        st = s if max(dil) == 1 else [1] * nd
        if which == "tf":
            wt = np.moveaxis(w, (0, 1), (-1, -2)).copy()  # [k..., out/g, in] from (in, out/g, k...)
            outs = []
            for a in range(nd):
                k_eff = (k[a] - 1) * dil[a] + 1
                base = (sp_[a] - 1) * st[a] + (1 if pad == "SAME" else k_eff)
                outs.append(max(0, base + int(rng.integers(-1, 2))) if rng.random() < 0.85 else int(rng.integers(0, 9)))
            oshape = [n + int(rng.random() < 0.05), *outs, cout_g * g + int(rng.random() < 0.05)]
            fn = {1: tf.nn.conv1d_transpose, 2: tf.nn.conv2d_transpose, 3: tf.nn.conv3d_transpose}[nd]
            ufn = {1: upsampling.conv1d_transpose, 2: upsampling.conv2d_transpose, 3: upsampling.conv3d_transpose}[nd]
            kw = dict(dilations=dil) if nd != 3 or max(dil) == 1 else dict(dilations=[1, *dil, 1])
            sarg = st if nd != 3 else [1, *st, 1]
            if nd == 3 and "dilations" in kw and max(dil) == 1: kw.pop("dilations")
            ref = outcome(lambda: fn(xl, wt, oshape, sarg, pad, **kw).numpy())
            got = outcome(lambda: ufn(xl, wt, oshape, sarg, pad, **kw))
            key_cfg = dict(x=xl.shape, w=wt.shape, out=oshape, s=sarg, pad=pad, **kw, dt=dt.__name__)
        else:
            wt = rng.standard_normal((*k, cin // g if cin % g == 0 and g else 1, cout_g * g)).astype(dt) if rng.random() < 0.9 else np.moveaxis(w, (0, 1), (-2, -1)).copy()
            fn = {1: tf.nn.conv1d, 2: tf.nn.conv2d, 3: tf.nn.conv3d}[nd]
            ufn = {1: upsampling.conv1d, 2: upsampling.conv2d, 3: upsampling.conv3d}[nd]
            sarg = st if nd != 3 else [1, *st, 1]
            kw = dict(dilations=dil if nd != 3 else [1, *dil, 1])
            ref = outcome(lambda: fn(xl, wt, sarg, pad, **kw).numpy())
            got = outcome(lambda: ufn(xl, wt, sarg, pad, **kw))
            key_cfg = dict(x=xl.shape, w=wt.shape, s=sarg, pad=pad, **kw, dt=dt.__name__)
    if ref[0] != got[0] or (ref[0] == "ok" and (ref[1] != got[1] or not np.allclose(ref[2], got[2], atol=1e-4))):
        empty_in = "N0" if n == 0 else ("C0" if cin == 0 else ("S0" if 0 in sp else ""))
        empty_out = ""
        if ref[0] == "ok":
            empty_out = "empty" if 0 in ref[1] else "nonempty"
        import re
        msg = re.sub(r"[0-9]+", "#", (ref[2] if ref[0] == "refuse" else "")[-70:])
        cls = (ref[0], got[0], empty_in, empty_out, ref[1] if ref[0] == "refuse" else "", got[1] if got[0] == "refuse" else "", msg, key_cfg.get("dt"))
        classes[cls] += 1
        diff = float(np.nanmax(np.abs(np.asarray(ref[2], np.float64) - np.asarray(got[2], np.float64)))) if ref[0] == got[0] == "ok" and ref[1] == got[1] and np.asarray(ref[2]).size else None
        examples.setdefault(cls, (key_cfg, ref[:2], got[:2], ref[2] if ref[0] == "refuse" else "", got[2] if got[0] == "refuse" else "", diff, np.asarray(ref[2]).ravel()[:4] if ref[0] == "ok" else None))
for cls, c in classes.most_common():
    print(c, cls)
    print("   ", examples[cls])
