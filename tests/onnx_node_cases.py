"""The ONNX backend node test cases, generated in memory by the installed ``onnx`` package.

onnx >= 1.23 ships no ``data/node`` directory; ``load_model_tests(kind="node")`` rebuilds every
case from the generators in ``onnx/backend/test/case/node``.  Building them takes a few
seconds, so the result is cached per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class NodeCase:
    name: str
    op_type: str
    attributes: dict[str, Any]
    inputs: dict[str, np.ndarray | None]  # keyed by the node's input slot name ("X", "roi", ...)
    expected: np.ndarray
    rtol: float
    atol: float
    model: Any


@functools.lru_cache(maxsize=None)
def node_cases(prefixes: tuple[str, ...]) -> tuple[NodeCase, ...]:
    import warnings

    import onnx
    from onnx.backend.test.loader import load_model_tests

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # unrelated generators (Cast, ReduceLogSum) warn while building
        all_cases = load_model_tests(kind="node")
    cases = []
    for c in all_cases:
        if not c.name.startswith(prefixes):
            continue
        model = c.model
        node = model.graph.node[0]
        schema = onnx.defs.get_schema(node.op_type, model.opset_import[0].version)
        slot_names = [f.name for f in schema.inputs]
        ins, outs = c.data_sets[0]
        feeds = dict(zip([i.name for i in model.graph.input], ins))
        # node.input holds "" for omitted optional inputs (roi, scales): map by slot.
        inputs = {slot: (feeds[n] if n else None) for slot, n in zip(slot_names, node.input)}
        attrs = {}
        for a in node.attribute:
            v = onnx.helper.get_attribute_value(a)
            attrs[a.name] = v.decode() if isinstance(v, bytes) else v
        cases.append(
            NodeCase(c.name, node.op_type, attrs, inputs, outs[0], c.rtol, c.atol, model)
        )
    return tuple(cases)
