"""The target framework's code for a transposed convolution with the source's crops, and the same
call through the target's twin (:func:`run_target`, which ``translate`` checks before answering)."""

from __future__ import annotations

from typing import Any

import numpy as np

from upsampling.port.conv.sources import ConvOp, Source

__all__ = ["engine_code", "onnx_code", "run_target", "tf_code", "torch_code", "w_expr"]


def w_expr(src: Source, target_layout: str) -> str:
    if src.weight_layout == target_layout:
        return "weight"
    return "weight.transpose(3, 2, 0, 1)" if target_layout == "torch" else "weight.transpose(2, 3, 1, 0)"


def torch_code(op: ConvOp, src: Source) -> tuple[str, str, dict[str, Any]]:
    pads, ops, slices = [], [], []
    for a in range(2):
        before, after = op.crop[a]
        limit = max(op.stride[a], op.dilation[a])
        if before >= 0 and 0 <= before - after < limit:
            pads.append(before)
            ops.append(before - after)
            slices.append((0, 0))
        else:
            p = max(0, min(before, after))
            pads.append(p)
            ops.append(0)
            slices.append((before - p, after - p))
    lines = [f"w = torch.from_numpy(np.ascontiguousarray({w_expr(src, 'torch')}))"]
    args = ["x", "w"]
    if op.bias:
        args.append("torch.from_numpy(bias)")
    if op.stride != (1, 1):
        args.append(f"stride={_tup(op.stride)}")
    if any(pads):
        args.append(f"padding={_tup(tuple(pads))}")
    if any(ops):
        args.append(f"output_padding={_tup(tuple(ops))}")
    if op.groups != 1:
        args.append(f"groups={op.groups}")
    if op.dilation != (1, 1):
        args.append(f"dilation={_tup(op.dilation)}")
    lines.append(f"y = F.conv_transpose2d({', '.join(args)})")
    extra = [s for s in slices if s != (0, 0)]
    if extra:
        (bh, ah), (bw, aw) = slices
        if min(ah, aw) < 0:
            lines.append(f"y = F.pad(y, (0, {max(0, -aw)}, 0, {max(0, -ah)}))")
        h_end = f"y.shape[2] - {ah}" if ah > 0 else ""
        w_end = f"y.shape[3] - {aw}" if aw > 0 else ""
        lines.append(f"y = y[:, :, {bh or ''}:{h_end}, {bw or ''}:{w_end}]")
    kwargs = dict(stride=op.stride, padding=tuple(pads), output_padding=tuple(ops), groups=op.groups,
                  dilation=op.dilation, slices=tuple(slices))
    what = "F.conv_transpose2d(" + ", ".join(args) + ")" + (" then a crop" if extra else "")
    return "\n".join(lines), what, kwargs


def _tup(t: tuple) -> str:
    return repr(t[0]) if t[0] == t[1] else repr(tuple(t))


def _tf_padding(op: ConvOp) -> Any:
    from upsampling.shapes import padding_pair, valid_conv_transpose_output_sizes

    for name in ("SAME", "VALID"):
        ok = True
        for a in range(2):
            k, s, d, n = op.kernel[a], op.stride[a], op.dilation[a], op.in_hw[a]
            out = op.out_hw[a]
            if out not in valid_conv_transpose_output_sizes(n, k, s, name, d) or \
                    padding_pair(name, out, k, s, d)[0] != op.crop[a][0]:
                ok = False
        if ok:
            return name
    pads = []
    for a in range(2):
        before, after = op.crop[a]
        pads.append([before, max(after, 0)])
    return [[0, 0], pads[0], pads[1], [0, 0]]


def tf_code(op: ConvOp, src: Source, fixed: bool) -> tuple[str, str, dict[str, Any]]:
    """``tf.nn.conv2d_transpose``.  TensorFlow's CPU kernels refuse a dilation above 1 with explicit
    padding and some grouped convolutions (observed, TF 2.21 with oneDNN), so a dilated kernel is
    written out with its zeros (the same products, dilation 1) and groups run one by one."""
    k_eff = tuple((k - 1) * d + 1 for k, d in zip(op.kernel, op.dilation))
    plain = ConvOp(op.n, op.c_in, op.c_out, op.groups, op.in_hw, op.out_hw, k_eff, op.stride, (1, 1), op.crop,
                   op.bias)
    padding = _tf_padding(plain)
    lines = []
    w = w_expr(src, "tf")
    if op.dilation != (1, 1):
        lines += [f"w = {w}",
                  f"filters = np.zeros(({k_eff[0]}, {k_eff[1]}) + w.shape[2:], w.dtype)",
                  f"filters[::{op.dilation[0]}, ::{op.dilation[1]}] = w"]
        w = "filters"
    out_c = op.c_out // op.groups
    if fixed:
        hw = f"{op.out_hw[0]}, {op.out_hw[1]}"
    else:
        hw = ", ".join(f"(x.shape[{1 + a}] - 1) * {op.stride[a]} + "
                       f"{op.full(a) - (op.in_hw[a] - 1) * op.stride[a] - sum(op.crop[a])}" for a in range(2))
    tail = f"strides={_tup(op.stride)}, padding={padding!r})"
    if op.groups == 1:
        lines.append(f"filters = tf.constant({w})" if w != "filters" else "filters = tf.constant(filters)")
        lines.append(f"y = tf.nn.conv2d_transpose(x, filters, (x.shape[0], {hw}, {op.c_out}), {tail}")
    else:
        lines += [f"parts = zip(tf.split(x, {op.groups}, axis=3), np.split({w}, {op.groups}, axis=3))",
                  f"y = tf.concat([tf.nn.conv2d_transpose(xg, tf.constant(fg), (x.shape[0], {hw}, {out_c}), {tail}"
                  " for xg, fg in parts], axis=3)"]
    if op.bias:
        lines.append("y = tf.nn.bias_add(y, bias)")
    what = f"tf.nn.conv2d_transpose(..., padding={padding!r})"
    if op.dilation != (1, 1):
        what += " with the dilated kernel written out"
    if op.groups != 1:
        what += f", {op.groups} groups one by one"
    return "\n".join(lines), what, dict(padding=padding, plain=plain)


def onnx_code(op: ConvOp, src: Source, opset: int) -> tuple[str, str, dict[str, Any]]:
    pads_b, pads_e, outp = [], [], []
    for a in range(2):
        before, after = op.crop[a]
        if after >= 0:
            pads_b.append(before)
            pads_e.append(after)
            outp.append(0)
        else:
            pads_b.append(before)
            pads_e.append(0)
            outp.append(-after)
    attrs: dict[str, Any] = {"kernel_shape": list(op.kernel), "strides": list(op.stride)}
    if any(pads_b + pads_e):
        attrs["pads"] = pads_b + pads_e
    if any(outp):
        attrs["output_padding"] = outp
    if op.dilation != (1, 1):
        attrs["dilations"] = list(op.dilation)
    if op.groups != 1:
        attrs["group"] = op.groups
    names = ["x", "W"] + (["B"] if op.bias else [])
    inits = [f"onnx.numpy_helper.from_array(np.ascontiguousarray({w_expr(src, 'torch')}), 'W')"]
    if op.bias:
        inits.append("onnx.numpy_helper.from_array(bias, 'B')")
    attr_text = "".join(f", {k}={v!r}" for k, v in attrs.items())
    code = "\n".join([
        "import onnx, onnxruntime",
        f"node = onnx.helper.make_node('ConvTranspose', {names!r}, ['y']{attr_text})",
        "elem = onnx.helper.np_dtype_to_tensor_dtype(x.dtype)",
        "graph = onnx.helper.make_graph(",
        "    [node], 'port', [onnx.helper.make_tensor_value_info('x', elem, list(x.shape))],",
        "    [onnx.helper.make_tensor_value_info('y', elem, None)],",
        f"    initializer=[{', '.join(inits)}])",
        f"model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid('', {opset})])",
        "model.ir_version = min(model.ir_version, 10)",
        "session = onnxruntime.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])",
        "y = session.run(None, {'x': x})[0]",
    ])
    return code, f"ConvTranspose({', '.join(f'{k}={v!r}' for k, v in attrs.items())})", dict(attrs=attrs)


def engine_code(op: ConvOp, src: Source) -> tuple[str, str, dict[str, Any]]:
    w = "weight" if src.weight_layout == "torch" else "upsampling.tf_to_torch_weight(weight)"
    args = ["x", w] + (["bias"] if op.bias else [])
    args += [f"strides={op.stride!r}", f"dilations={op.dilation!r}",
             f"pads_begin={(op.crop[0][0], op.crop[1][0])!r}", f"pads_end={(op.crop[0][1], op.crop[1][1])!r}"]
    if op.groups != 1:
        args.append(f"groups={op.groups}")
    call = f"conv_transpose({', '.join(args)})"
    return ("import upsampling\nfrom upsampling.conv_transpose import conv_transpose\ny = " + call,
            "upsampling.conv_transpose." + call, {})


def run_target(to: str, op: ConvOp, kwargs: dict[str, Any], x_nchw: np.ndarray, w_torch: np.ndarray,
                b: np.ndarray | None) -> np.ndarray:
    """The target's call through its twin (NCHW in and out)."""
    from upsampling.conv_transpose import conv_transpose
    from upsampling.frameworks import onnx as onnx_twin
    from upsampling.frameworks import pytorch as torch_twin
    from upsampling.frameworks import tensorflow as tf_twin

    if to == "pytorch":
        y = torch_twin.conv_transpose2d(x_nchw, w_torch, b, kwargs["stride"], kwargs["padding"],
                                        kwargs["output_padding"], kwargs["groups"], kwargs["dilation"])
        (bh, ah), (bw, aw) = kwargs["slices"]
        y = np.pad(y, ((0, 0), (0, 0), (0, max(0, -ah)), (0, max(0, -aw))))
        return y[:, :, bh: y.shape[2] - max(ah, 0), bw: y.shape[3] - max(aw, 0)]
    if to == "tensorflow":
        x = x_nchw.transpose(0, 2, 3, 1)
        w = w_torch.transpose(2, 3, 1, 0)
        plain = kwargs["plain"]
        wd = np.zeros(plain.kernel + w.shape[2:], w.dtype)
        wd[:: op.dilation[0], :: op.dilation[1]] = w
        g = op.groups
        parts = [tf_twin.conv2d_transpose(xg, fg, [x.shape[0], op.out_hw[0], op.out_hw[1], op.c_out // g],
                                          list(op.stride), kwargs["padding"], "NHWC", None)
                 for xg, fg in zip(np.split(x, g, axis=3), np.split(wd, g, axis=3))]
        y = np.concatenate(parts, axis=3)
        if b is not None:
            y = y + b
        return y.transpose(0, 3, 1, 2)
    if to == "onnx":
        return onnx_twin.conv_transpose(x_nchw, w_torch, b, **kwargs["attrs"])
    return conv_transpose(x_nchw, w_torch, b, strides=op.stride, dilations=op.dilation,
                          pads_begin=(op.crop[0][0], op.crop[1][0]), pads_end=(op.crop[0][1], op.crop[1][1]),
                          groups=op.groups)
