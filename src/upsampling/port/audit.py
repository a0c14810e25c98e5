"""``upsampling audit MODEL.onnx``: every upsampling node of an ONNX model, checked and fixable.

>>> report = audit("model.onnx", run=True)                       # doctest: +SKIP
>>> print(report.text())                                          # doctest: +SKIP
>>> report = audit("model.onnx", fix="fixed.onnx", target_modes="tensorrt7")   # doctest: +SKIP

For each ``Resize``, ``Upsample`` and ``ConvTranspose`` node (:mod:`upsampling.port.onnx_graph`):
its attributes in words, the equivalent ``upsampling`` call and, through
:func:`upsampling.port.translate` where it is available, the equivalent call in each framework;
the documented places where runtimes depart from the spec for this node
(:mod:`upsampling.port.divergences`).

``run=True`` runs each node alone in every installed runtime (:mod:`upsampling.port.runners`)
on random inputs and compares it with the spec twin.  ``fix=PATH`` rewrites the nodes that a
runtime computes differently from the spec, that a target runtime does not support
(``target_modes``), or that say with ``auto_pad``/``output_shape``/``pytorch_half_pixel`` what
explicit attributes say everywhere (:mod:`upsampling.port.rewrite`), then proves the result:
the fixed model's outputs in each installed runtime equal the original model's spec outputs
(onnx's reference evaluator with our twin for the upsampling ops) on random inputs.  The file
is written only when that proof holds, atomically (a temporary file, then ``os.replace``).

Nothing in the model file is executed except by ONNX Runtime / OpenVINO inference.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling._optional import require
from upsampling.errors import InvalidArgumentError, OutputTooLargeError
from upsampling.port import divergences as _div
from upsampling.port.calls import FRAMEWORKS, Framework
from upsampling.port import onnx_graph as _graph
from upsampling.port import rewrite as _rewrite
from upsampling.port import runners as _runners

__all__ = ["AuditReport", "FixReport", "NodeReport", "audit"]

TRANSLATE_TARGETS = FRAMEWORKS  # the frameworks whose equivalent call the report shows


@dataclass
class NodeReport:
    """What the audit found for one node."""

    facts: _graph.NodeFacts
    description: str
    engine_call: str | None
    equivalents: dict[str, dict] = field(default_factory=dict)
    findings: list[_div.Finding] = field(default_factory=list)
    run: dict[str, dict] | None = None
    fix: dict | None = None

    def to_dict(self) -> dict:
        f = self.facts
        shape = lambda s: None if s is None else [d if isinstance(d, int) else str(d) for d in s]  # noqa: E731
        return {
            "name": f.label,
            "op_type": f.op_type,
            "opset": f.opset,
            "input_shape": shape(f.x_shape),
            "output_shape": shape(f.y_shape),
            "attributes": {k: v for k, v in f.attrs.items() if v is not None},
            "description": self.description,
            "engine_call": self.engine_call,
            "equivalents": self.equivalents,
            "known_divergences": [x.to_dict() for x in self.findings],
            "run": self.run,
            "fix": self.fix,
        }


@dataclass
class FixReport:
    output: str | None
    written: bool
    changed: list[dict]
    impossible: list[dict]
    proof: dict

    def to_dict(self) -> dict:
        return {"output": self.output, "written": self.written, "changed": self.changed,
                "impossible": self.impossible, "proof": self.proof}


@dataclass
class AuditReport:
    """The audit of one model: :meth:`text` for people, :meth:`to_dict` for tools."""

    source: str
    opset: int
    input_shapes: dict[str, list]
    nodes: list[NodeReport]
    runtimes: list[str]
    seed: int
    fix: FixReport | None = None

    def to_dict(self) -> dict:
        return {
            "model": self.source,
            "opset": self.opset,
            "input_shapes": self.input_shapes,
            "runtimes": self.runtimes,
            "seed": self.seed,
            "nodes": [n.to_dict() for n in self.nodes],
            "fix": None if self.fix is None else self.fix.to_dict(),
        }

    def text(self) -> str:
        return _render(self)


# --- the audit --------------------------------------------------------------------------------


def audit(
    model: Any,
    *,
    input_shape: str | Sequence[str] | Mapping[str | None, Sequence[int]] | Sequence[int] | None = None,
    run: bool = False,
    fix: str | os.PathLike | None = None,
    target_modes: str | Sequence[str] | None = None,
    overwrite: bool = False,
    equivalents: bool | Sequence[Framework] = True,
    allow_plan: bool = True,
    trials: int = 2,
    seed: int = 0,
) -> AuditReport:
    """Audit the upsampling nodes of an ONNX model.

    Parameters
    ----------
    model : path, bytes or ``onnx.ModelProto``.
    input_shape : static shapes for graph inputs with dynamic dimensions: ``"1x3x64x64"`` (the
        first input), ``"image=1x3x64x64"``, a list of those, a shape tuple, or ``{name: shape}``.
    run : run each node alone in every installed runtime and compare with the spec twin.
    fix : write a rewritten, proven model there (see the module docstring).
    target_modes : the Resize flavours the target runtime supports, e.g.
        ``"nearest:asymmetric:floor,linear:asymmetric"`` or ``"tensorrt7"``; other Resize nodes
        are rewritten into supported compositions (or the plan), or listed as impossible.
    overwrite : replace an existing ``fix`` file (refused otherwise).
    equivalents : ask :func:`upsampling.port.translate` for each framework's equivalent call
        (True: every target of :data:`TRANSLATE_TARGETS`; or a list of targets; translate measures
        each candidate, a few seconds per node and target).
    allow_plan : let ``fix`` use the node's plan as Gather/MatMul when nothing smaller works.
    trials, seed : random inputs (uniform in [0, 1)) per check, and their seed.

    Returns
    -------
    AuditReport

    Raises
    ------
    InvalidArgumentError
        Unreadable or non-ONNX file (one line), bad ``input_shape`` / ``target_modes``, an
        existing ``fix`` path without ``overwrite``, ``fix`` without static input shapes.
    MissingExtraError
        onnx / onnxruntime not installed (extra ``port``).
    """
    require("onnx", "port")
    source = model if isinstance(model, (str, os.PathLike)) else "<model>"
    original = _graph.load_model(model)
    shapes = _input_shapes(input_shape)
    targets = _rewrite.parse_target_modes(target_modes)
    if fix is not None:
        fix = os.fspath(fix)
        if os.path.exists(fix) and not overwrite:
            raise InvalidArgumentError("fix", fix, "a path that does not exist yet", message=lambda n: (
                f"{n('fix')} {fix} already exists; pass {n('overwrite', True)} to replace it."))
        if os.path.isdir(fix):
            raise InvalidArgumentError("fix", fix, "a file path, not a directory")
    working = _graph.set_input_shapes(original, shapes) if shapes else original
    facts = _graph.find_nodes(working)
    runtimes = _runners.installed_runtimes()
    reports = []
    for f in facts:
        spec = _rewrite.node_spec(f)
        nr = NodeReport(f, _graph.describe(f), _engine_call(f, spec))
        nr.findings = _div.findings(f)
        if equivalents:
            targets_ = TRANSLATE_TARGETS if equivalents is True else \
                tuple(_checks.choice("equivalents", e, FRAMEWORKS) for e in equivalents)
            nr.equivalents = _equivalents(f, spec, targets_)
        if run:
            runnable = f.static and not f.too_large
            nr.run = _rewrite.measure(f, runtimes, trials, seed) if runnable else {"*": {"skipped": _why_not_run(f)}}
        reports.append(nr)
    opset = next((o.version for o in original.opset_import if o.domain in ("", "ai.onnx")), 0)
    report = AuditReport(
        str(source), opset,
        {i.name: [d if isinstance(d, int) else str(d) for d in (_graph._shape_of(i) or ())] for i in _graph.graph_inputs(working)},
        reports, [f"{r.name} {r.version()}" for r in runtimes], seed,
    )
    if fix is not None:
        report.fix = _fix(original, working, reports, runtimes, targets, allow_plan, fix, trials, seed)
    return report


def _input_shapes(value: Any) -> dict[str | None, tuple[int, ...]]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {k: tuple(int(d) for d in v) for k, v in value.items()}
    if isinstance(value, (tuple, list)) and value and all(isinstance(d, (int, np.integer)) for d in value):
        return {None: tuple(int(d) for d in value)}
    return _graph.parse_input_shapes(value)


def _why_not_run(f: _graph.NodeFacts) -> str:
    if f.too_large:
        return f.too_large
    if f.unknown:
        return f"inputs {', '.join(f.unknown)} are computed in the graph and could not be read (pass --input-shape)"
    return "its input shape is not static (pass --input-shape)"


def _engine_call(f: _graph.NodeFacts, spec: Any) -> str | None:
    if spec is not None:
        return spec.call()
    if f.op_type == "ConvTranspose":
        kw = ", ".join(f"{k}={list(v) if isinstance(v, (list, tuple)) else v!r}" for k, v in f.attrs.items()
                       if v is not None and _graph.CONV_TRANSPOSE_DEFAULTS.get(k) != v)
        return f"upsampling.frameworks.onnx.conv_transpose(x, W{', B' if f.bias is not None else ''}{', ' + kw if kw else ''})"
    return None


def _translate_source(f: _graph.NodeFacts, spec: Any) -> Any:
    """What :func:`upsampling.port.translate` reads for the node: its spec (Resize from opset 11),
    the node written out (Upsample, Resize-10, ConvTranspose), or None."""
    if spec is not None:
        return spec
    if f.op_type in ("Upsample", "Resize") and f.scales is not None and np.size(f.scales) == 4:
        op = "Upsample" if f.op_type == "Upsample" else "Resize"
        scales = [float(v) for v in np.ravel(f.scales)]
        return f"{op}(scales={scales!r}, mode={f.attrs.get('mode', 'nearest')!r}, opset={f.opset})"
    if f.op_type == "ConvTranspose" and f.weight is not None:
        kw = {k: v for k, v in f.attrs.items() if v is not None and _graph.CONV_TRANSPOSE_DEFAULTS.get(k) != v}
        kw.setdefault("kernel_shape", list(f.weight.shape[2:]))
        return "ConvTranspose(" + ", ".join(f"{k}={list(v) if isinstance(v, (list, tuple)) else v!r}" for k, v in kw.items()) + ")"
    return None


def _equivalents(f: _graph.NodeFacts, spec: Any, targets: Sequence[str]) -> dict[str, dict]:
    """``{framework: {"code", "exact", "max_error", "layout"} | {"error"}}`` from port.translate."""
    source = _translate_source(f, spec)
    if source is None:
        return {}
    from upsampling.port.translate import translate

    out: dict[str, dict] = {}
    shape = tuple(f.x_shape) if f.x_shape is not None and _graph._static(f.x_shape) else None
    for target in targets:
        try:
            extra = {"weight_shape": tuple(f.weight.shape)} if f.op_type == "ConvTranspose" and f.weight is not None else {}
            t = translate(source, to=target, input_shape=shape, opset=f.opset, **extra)
            out[target] = {"code": t.code, "exact": bool(t.exact), "max_error": t.max_error, "layout": t.layout}
        except Exception as exc:  # a target that cannot say it: the reason is the finding
            out[target] = {"error": _runners._one_line(exc)}
    return out


# --- --fix ------------------------------------------------------------------------------------


def _resize_flavour(f: _graph.NodeFacts) -> tuple[str, str, str]:
    if f.op_type == "Upsample" or f.opset < 11:
        return (f.attrs.get("mode", "nearest"), "asymmetric", "floor")
    a = f.attrs
    return (a.get("mode", "nearest"), a.get("coordinate_transformation_mode", "half_pixel"),
            a.get("nearest_mode", "round_prefer_floor"))


def _reasons(f: _graph.NodeFacts, measured: dict, targets) -> tuple[list[str], bool]:
    """Why ``f`` should be rewritten, and whether any reason is a wrong result (not style)."""
    wrong, style = [], []
    for rt, r in measured.items():
        if "refused" in r:
            wrong.append(f"{rt} refuses it: {r['refused']}")
        elif "shape" in r:
            wrong.append(f"{rt} gives shape {tuple(r['shape'])}, the spec {tuple(r['spec_shape'])}")
        elif "error" in r and r["error"] > r["tolerance"]:
            wrong.append(f"{rt} differs from the spec by {r['error']:.2g}")
    a = f.attrs
    if f.op_type == "ConvTranspose":
        if a.get("auto_pad", "NOTSET") != "NOTSET" or a.get("output_shape"):
            style.append("auto_pad/output_shape leave the pads to each runtime's reading of the spec")
    elif f.op_type == "Resize":
        if a.get("coordinate_transformation_mode") == "pytorch_half_pixel":
            style.append("pytorch_half_pixel is refused or misread by converters")
        if a.get("exclude_outside") and not (a.get("mode") == "cubic" or a.get("antialias")):
            style.append("exclude_outside has no effect here and ONNX Runtime refuses it")
    if targets is not None and f.op_type in ("Resize", "Upsample"):
        fl = _resize_flavour(f)
        if not any(t.allows(*fl) for t in targets):
            wrong.append(f"the target supports {', '.join(map(str, targets))}, not {':'.join(fl[:2] + ((fl[2],) if fl[0] == 'nearest' else ()))}")
    return wrong + style, bool(wrong)


def _fix(original, working, reports, runtimes, targets, allow_plan, path, trials, seed) -> FixReport:
    real = [r for r in runtimes if not r.cross_check]
    inputs = _graph.graph_inputs(working)
    if not all(_graph._static(_graph._shape_of(i)) for i in inputs):
        names = ", ".join(i.name for i in inputs if not _graph._static(_graph._shape_of(i)))
        raise InvalidArgumentError("input_shape", None, f"static shapes for the inputs {names}", message=lambda n: (
            f"{n('input_shape')}: expected static shapes for the inputs {names}; {n('fix')} checks every rewrite and "
            "the whole model on random inputs of a fixed shape."))
    need = 8 * sum(int(np.prod(_graph._shape_of(i), dtype=object)) for i in inputs)
    if need > _graph.RUN_BYTES // 8:
        raise OutputTooLargeError(
            "input_shape", {i.name: _graph._shape_of(i) for i in inputs},
            message=lambda n: (
                f"{n('fix')} proves the rewritten model by running it on random inputs, which need "
                f"{need // 2**20:,} MiB here (at most {_graph.RUN_BYTES // 8 // 2**20:,} MiB): {n('fix')} can only "
                f"prove rewrites at an input shape it can run; pass a smaller {n('input_shape')}"))
    changed, impossible = [], []
    replacements = {}
    for nr in reports:
        f = nr.facts
        if not f.static or f.too_large:
            nr.fix = {"changed": False, "why": _why_not_run(f)}
            impossible.append({"node": f.label, "why": _why_not_run(f)})
            continue
        measured = _rewrite.measure(f, real, 1, seed)
        reasons, wrong = _reasons(f, measured, targets)
        if not reasons:
            nr.fix = {"changed": False, "why": "every installed runtime computes it per spec"}
            continue
        tried = []
        chosen = None
        for cand in _rewrite.candidates(f, targets, allow_plan):
            if isinstance(cand, str):
                tried.append(f"plan: {cand}")
                continue
            if not wrong and cand.kind not in ("attributes", "pads"):
                continue  # a correct node is only restated, never replaced by a larger graph
            if not cand.fits(targets):
                continue
            why_not = _rewrite.verify(f, cand, real, trials, seed)
            if why_not:
                tried.append(f"{cand.kind} ({cand.why}): {why_not}")
                continue
            chosen = cand
            break
        if chosen is None:
            entry = {"node": f.label, "reasons": reasons, "why": "no equivalent form found", "tried": tried}
            nr.fix = {"changed": False, **entry}
            if wrong:
                impossible.append(entry)
            continue
        replacements[(f.graph_path, f.index)] = chosen
        entry = {"node": f.label, "kind": chosen.kind, "rewrite": chosen.why, "reasons": reasons,
                 "max_error": chosen.error}
        nr.fix = {"changed": True, **entry}
        changed.append(entry)
    fixed = _apply(original, replacements)
    proof = _prove(original, fixed, working, real, trials, seed)
    written = False
    if proof["proven"]:
        _write_atomic(fixed, path)
        written = True
    return FixReport(path, written, changed, impossible, proof)


def _apply(original, replacements: dict[tuple[tuple, int], _rewrite.Replacement]):
    """A copy of ``original`` with each ``(graph path, node index)`` replaced; the deepest graphs
    first, so that the indices of the graphs around them still hold."""
    import copy

    model = copy.deepcopy(original)
    paths = sorted({path for path, _ in replacements}, key=len, reverse=True)
    for path in paths:
        graph = _graph.subgraph(model, path)
        nodes = list(graph.node)
        for index in sorted((i for p, i in replacements if p == path), reverse=True):
            rep = replacements[(path, index)]
            nodes[index:index + 1] = rep.nodes
            graph.initializer.extend(rep.initializers)
        del graph.node[:]
        graph.node.extend(nodes)
        del graph.value_info[:]  # shapes of rewritten values may be stale; inference recomputes them
    return model


def _prove(original, fixed, working, runtimes, trials: int, seed: int) -> dict:
    """The fixed model in each runtime against the original model's spec outputs."""
    shapes = {i.name: _graph._shape_of(i) for i in _graph.graph_inputs(working)}
    fixed_static = _graph.set_input_shapes(fixed, shapes)
    original_static = _graph.set_input_shapes(original, shapes)
    spec = _runners.spec_evaluator(original_static)
    rng = np.random.default_rng(seed + 1)
    before: dict[str, float | str] = {}
    after: dict[str, float | str] = {}
    limit = 0.0
    for trial in range(trials):
        feeds = _graph.random_feeds(_graph.graph_inputs(working), shapes, rng, trial)
        want = spec(feeds)
        limit = max(limit, max(_rewrite.tolerance(np.asarray(w)) for w in want))
        for rt in runtimes:
            for label, model, store in (("original", original_static, before), ("fixed", fixed_static, after)):
                got, refusal = _runners.run_model(rt, model, feeds)
                if got is None:
                    store[rt.name] = f"refused: {refusal}"
                    continue
                if isinstance(store.get(rt.name), str):
                    continue
                errs = []
                for g, w in zip(got, want):
                    g, w = np.asarray(g), np.asarray(w)
                    errs.append(float("inf") if g.shape != w.shape else float(np.max(np.abs(g.astype(np.float64) - w))) if w.size else 0.0)
                store[rt.name] = max([store.get(rt.name, 0.0), *errs])
    proven = all(isinstance(v, float) and v <= limit for v in after.values())
    return {"proven": proven, "tolerance": limit, "trials": trials, "seed": seed + 1,
            "input_shapes": {k: list(v) for k, v in shapes.items()},
            "original_vs_spec": before, "fixed_vs_spec": after}


def _write_atomic(model, path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(prefix=".upsampling-audit-", suffix=".onnx", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(model.SerializeToString())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --- text ---------------------------------------------------------------------------------------


def _fmt_shape(s) -> str:
    if s is not None and len(s) == 0:
        return "scalar"
    return "?" if s is None else "×".join(str(d) if d is not None else "?" for d in s)


def _fmt_run(r: dict) -> str:
    if "error" in r:
        e = r["error"]
        mark = "" if e <= r["tolerance"] else "  ✗"
        return ("0" if e == 0 else f"{e:.2g}") + mark
    if "refused" in r:
        return "refused ✗"
    if "shape" in r:
        return f"shape {_fmt_shape(r['shape'])} ✗"
    return "skipped"


def _render(rep: AuditReport) -> str:
    lines = []
    shapes = ", ".join(f"{k} {_fmt_shape(v)}" for k, v in rep.input_shapes.items())
    lines.append(f"{rep.source}: opset {rep.opset}, inputs {shapes or 'none'}")
    if not rep.nodes:
        lines.append("no Resize, Upsample or ConvTranspose node: nothing to audit.")
    else:
        lines.append(f"{len(rep.nodes)} upsampling node{'s' if len(rep.nodes) != 1 else ''}:")
    for k, nr in enumerate(rep.nodes, 1):
        f = nr.facts
        lines.append("")
        lines.append(f"[{k}] {f.label}  {f.op_type}-{f.opset}  {_fmt_shape(f.x_shape)} → {_fmt_shape(f.y_shape)}")
        lines.append(f"    {nr.description}")
        if nr.engine_call:
            lines.append(f"    upsampling: {nr.engine_call}")
        for target, e in nr.equivalents.items():
            if "code" in e and str(e["code"]).strip():
                err = e.get("max_error")
                how = "exact" if e["exact"] else f"closest, max error {err:.2g}" if isinstance(err, float) else "closest"
                lines.append(f"    {target} ({how}, {e['layout']}):")
                lines += [f"        {line}" for line in str(e["code"]).strip().splitlines()]
            elif "code" in e:
                lines.append(f"    {target}: no equivalent")
            else:
                lines.append(f"    {target}: {e['error']}")
        for x in nr.findings:
            lines.append(f"    ! {x.who}: {x.text} [{', '.join(x.threads)}]")
        if nr.fix is not None:
            if nr.fix.get("changed"):
                lines.append(f"    fix: {nr.fix['kind']}: {nr.fix['rewrite']}")
                lines.append(f"         because {'; '.join(nr.fix['reasons'])}")
            elif nr.fix.get("reasons"):
                lines.append(f"    fix: impossible ({'; '.join(nr.fix['reasons'])})")
                for t in nr.fix.get("tried", []):
                    lines.append(f"         tried {t}")
            else:
                lines.append(f"    fix: unchanged ({nr.fix['why']})")
    runs = [nr for nr in rep.nodes if nr.run is not None]
    if runs:
        cols = list(dict.fromkeys(name for nr in runs for name in nr.run))
        width = max(12, *(len(nr.facts.label) for nr in runs)) + 2
        lines.append("")
        lines.append(f"run: each node alone, max |runtime - spec| on uniform [0, 1) inputs (seed {rep.seed}); "
                     "✗ beyond float32 rounding")
        lines.append("    " + "node".ljust(width) + "".join(c.ljust(18) for c in cols))
        for nr in runs:
            cells = "".join(_fmt_run(nr.run.get(c, {})).ljust(18) for c in cols)
            lines.append("    " + nr.facts.label.ljust(width) + cells)
        skipped = {(c, r["skipped"]) for nr in runs for c, r in nr.run.items() if "skipped" in r}
        for c, why in sorted(skipped):
            lines.append(f"    ({c} skipped: {why})")
    if rep.fix is not None:
        fx = rep.fix
        lines.append("")
        p = fx.proof
        state = "written" if fx.written else "NOT written (the proof failed)"
        lines.append(f"fix: {fx.output} {state}; {len(fx.changed)} node(s) rewritten, {len(fx.impossible)} impossible")
        for c in fx.changed:
            lines.append(f"    {c['node']}: {c['rewrite']}")
        for c in fx.impossible:
            lines.append(f"    {c['node']}: impossible: {c.get('why')}")
        fmt = lambda d: ", ".join(f"{k} {v if isinstance(v, str) else ('0' if v == 0 else f'{v:.2g}')}" for k, v in d.items())  # noqa: E731
        lines.append(f"    proof on {p['trials']} random input(s) of {', '.join(f'{k} {_fmt_shape(v)}' for k, v in p['input_shapes'].items())} "
                     f"(seed {p['seed']}): max |output - original model's spec output| "
                     f"fixed: {fmt(p['fixed_vs_spec'])}; original: {fmt(p['original_vs_spec'])}; tolerance {p['tolerance']:.2g}")
    return "\n".join(line.rstrip() for line in lines)
