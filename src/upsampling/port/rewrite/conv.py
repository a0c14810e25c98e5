"""Rewrites of a ``ConvTranspose``: explicit ``pads`` for ``auto_pad`` / ``output_shape``."""

from __future__ import annotations

import numpy as np

from upsampling.port.onnx_graph import NodeFacts
from upsampling.port.rewrite.nodes import Replacement, prefix

__all__ = ["conv_candidates"]


def conv_candidates(f: NodeFacts) -> list[Replacement]:
    """Explicit pads for auto_pad / output_shape (the twin's rule, docs/conv_transpose.md)."""
    from onnx import helper, numpy_helper

    a = f.attrs
    if not f.static or f.weight is None:
        return []
    ap = a.get("auto_pad", "NOTSET")
    if ap == "NOTSET" and not a.get("output_shape"):
        return []
    nd = len(f.x_shape) - 2
    k = list(f.weight.shape[2:])
    s = list(a.get("strides") or [1] * nd)
    d = list(a.get("dilations") or [1] * nd)
    op = list(a.get("output_padding") or [0] * nd)
    requested = a.get("output_shape")
    begins, ends, appended = [], [], []
    for i in range(nd):
        n = f.x_shape[2 + i]
        k_eff = (k[i] - 1) * d[i] + 1
        full = (n - 1) * s[i] + k_eff
        if ap == "VALID" and not requested:
            begins.append(0), ends.append(0), appended.append(0)
            continue
        if requested is not None or ap in ("SAME_UPPER", "SAME_LOWER"):
            out = requested[i] if requested else n * s[i]
            total = max(0, full + op[i] - out)
            before = total // 2 if ap == "SAME_UPPER" else total - total // 2
            if not requested:
                out = full + op[i] - total
        else:
            before = a["pads"][i] if a.get("pads") else 0
            out = full + op[i] - before - (a["pads"][nd + i] if a.get("pads") else 0)
        after = full + op[i] - before - out
        begins.append(before)
        ends.append(max(after, 0))
        appended.append(max(-after, 0))
    p = prefix(f)
    attrs = {"pads": begins + ends, "strides": s, "dilations": d, "group": int(a.get("group", 1)),
             "kernel_shape": k}
    if any(op):
        attrs["output_padding"] = op
    inits = [numpy_helper.from_array(np.asarray(f.weight), p + "_W")]
    words = f"explicit pads {begins + ends} for " + (f"auto_pad={ap}" if ap != "NOTSET" else "") + (
        (" and " if ap != "NOTSET" else "") + f"output_shape {list(requested)}" if requested else "")
    if not any(appended):
        names = [f.inputs[0], p + "_W"]
        if f.bias is not None:
            inits.append(numpy_helper.from_array(np.asarray(f.bias), p + "_B"))
            names.append(p + "_B")
        return [Replacement("pads", words, [helper.make_node("ConvTranspose", names, [f.output], **attrs)], inits)]
    out = []
    pad_amounts = [0, 0] + [0] * nd + [0, 0] + appended
    for bias_after in (True, False):
        nodes, ini = [], list(inits)
        names = [f.inputs[0], p + "_W"]
        if f.bias is not None and not bias_after:
            ini.append(numpy_helper.from_array(np.asarray(f.bias), p + "_B"))
            names.append(p + "_B")
        nodes.append(helper.make_node("ConvTranspose", names, [p + "_conv"], **attrs))
        ini.append(numpy_helper.from_array(np.array(pad_amounts, dtype=np.int64), p + "_zeros"))
        last = f.output if (f.bias is None or not bias_after) else p + "_padded"
        nodes.append(helper.make_node("Pad", [p + "_conv", p + "_zeros"], [last], mode="constant"))
        if f.bias is not None and bias_after:
            ini.append(numpy_helper.from_array(np.asarray(f.bias).reshape([-1] + [1] * nd), p + "_B"))
            nodes.append(helper.make_node("Add", [p + "_padded", p + "_B"], [f.output]))
        out.append(Replacement("pads", words + f"; Pad {appended} zeros at the end"
                               + (" then the bias" if f.bias is not None and bias_after else ""), nodes, ini))
    return out
