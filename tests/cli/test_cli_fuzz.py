"""Fuzzing the command line: random argv built from every command's real options, with hostile values.

Each command's options are read off the command objects themselves (typer's), so a new option is
fuzzed without editing this file.  Values are
what a careless or hostile user types: text where numbers go, NaN and infinities, integers of
thousands of digits, empty strings, deep brackets, paths that do not exist, the input as the output.

The promise checked: exit code 0 or 2, and on 2 exactly one line on stderr, never a traceback,
never a hang (each call has a time limit).  Many argv run in this process through
``upsampling.cli.run`` (fast); a few fixed hostile ones run as real subprocesses.  Training itself
is replaced by a stub (its options are parsed and validated for real; the loop is not what is
fuzzed), and ``UPSAMPLING_MEMORY_AVAILABLE`` keeps any accepted job small.
"""

from __future__ import annotations

import os
import signal
import typing

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
pytest.importorskip("typer")
pytest.importorskip("torch")
Image = pytest.importorskip("PIL.Image")

from hypothesis import HealthCheck, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cli_helpers import run_inprocess  # noqa: E402

SECONDS_PER_CALL = 60

HOSTILE_TEXT = ["", " ", "nan", "NaN", "inf", "-inf", "1e300", "-1e300", "0", "-0", "-1", "1.5", "abc", "0x10",
                "٣", "9" * 5000, "1" + "0" * 400, "[" * 300, "[[1,2],[3]]", "[[nan]]", "[[1e999]]", "None",
                "True", "'", '"', "\x1b[31m", "a\nb", "1,2,3", "2x", "x2", "0x0", "3x-3", "99999999999x2",
                "__import__('os').system('touch PWNED')", "SAME", "VALID", "linear", "bilinear", "cubic"]
HOSTILE_PATHS = ["", "in.png", "out.png", "./in.png", "missing.png", "/nonexistent/x.png", ".", "/", "x.txt",
                 "run", "nowhere", "out.json", "o.gif", "in.zarr", "o.zarr", "o.tif", "link.png", "sub/../in.png"]


def _annotation_kind(param) -> str:
    if getattr(param, "is_flag", False):
        return "flag"
    descriptor = getattr(param, "type_descriptor", None)  # typer 0.29 (pydantic coercion)
    if descriptor is None:  # typer 0.27-0.28: click's parameter types
        return {"integer": "int", "float": "float", "boolean": "flag"}.get(getattr(param.type, "name", ""), "str")
    annotation = descriptor.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if args else annotation
    return {int: "int", float: "float", bool: "flag"}.get(base, "str")


def _typer_commands():
    """``[(argv prefix, [(option, kind)], [positional names])]`` of every ``upsampling`` command."""
    import typer

    from upsampling.cli.app import app

    found = []

    def walk(cmd, path):
        subcommands = getattr(cmd, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
            return
        options, positionals = [], []
        for p in cmd.params:
            if p.param_type_name == "argument":
                positionals.append(p.name)
            else:
                kind = _annotation_kind(p)
                options += [(o, kind) for o in p.opts] + [(o, "flag") for o in p.secondary_opts]
        found.append((path, options, positionals))

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _typer_commands()


def test_the_fuzzer_sees_every_command():
    names = {" ".join(path) for path, _, _ in COMMANDS}
    assert {"resize", "compare", "train", "evaluate", "segment", "convert-checkpoint", "resize-raster",
            "explain transpose", "explain bilinear", "explain shapes", "explain overlap", "explain grid"} <= names
    assert sum(len(options) for _, options, _ in COMMANDS) > 80


def _value(kind: str, option: str):
    path_like = any(w in option for w in ("png", "gif", "json", "out", "overlay", "data", "run", "input", "output",
                                          "src", "dst", "image"))
    hostile = st.sampled_from(HOSTILE_TEXT)
    if kind == "int":
        return st.one_of(st.integers(-(10**30), 10**30).map(str), st.integers(-3, 40).map(str), hostile)
    if kind == "float":
        return st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(
            ["0.5", "2", "1e-300", "1e300", "nan", "-inf"]), hostile)
    if path_like:
        return st.one_of(st.sampled_from(HOSTILE_PATHS), hostile)
    return st.one_of(hostile, st.text(max_size=12))


@st.composite
def argvs(draw):
    path, options, positionals = draw(st.sampled_from(COMMANDS))
    argv = list(path)
    for name in positionals:
        argv.append(draw(st.one_of(st.sampled_from(HOSTILE_PATHS), st.sampled_from(HOSTILE_TEXT))))
    for option, kind in draw(st.lists(st.sampled_from(options), max_size=6, unique=True)) if options else []:
        if kind == "flag":
            argv.append(option)
        else:
            argv += [option, draw(_value(kind, option))]
    if draw(st.booleans()):  # keep jobs that parse small and quick
        argv += {"resize": ["--size", "9x7"], "compare": ["--size", "9x7"], "resize-raster": ["--size", "9,7"]}.get(
            path[0], [])
    return argv


class Hang(BaseException):
    pass


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A folder with the files hostile paths point at, and training replaced by a stub."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UPSAMPLING_PLAIN", "1")
    monkeypatch.setenv("UPSAMPLING_MEMORY_AVAILABLE", "1G")
    Image.fromarray((np.random.default_rng(0).random((12, 16, 3)) * 255).astype(np.uint8)).save(tmp_path / "in.png")
    (tmp_path / "link.png").symlink_to(tmp_path / "in.png")
    (tmp_path / "sub").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoint.pt").write_bytes(b"not a checkpoint")
    import dask.array as da

    import upsampling.dask as ud

    ud.write_zarr(da.random.random((12, 16), chunks=8), tmp_path / "in.zarr")
    from upsampling.models import training

    monkeypatch.setattr(training, "train", lambda *args, **kwargs: [])
    return tmp_path


def _check(argv, workspace):
    def alarm(signum, frame):
        raise Hang(f"no answer within {SECONDS_PER_CALL} s: {argv}")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(SECONDS_PER_CALL)
    try:
        r = run_inprocess(*argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    note(f"argv={argv!r} -> {r.returncode}: {r.stderr!r}")
    assert r.returncode in (0, 2), (argv, r.returncode, r.stderr)
    assert "Traceback" not in r.stderr, (argv, r.stderr)
    if r.returncode == 2:
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("upsampling"), (argv, r.stderr)
        assert len(r.stderr) <= 1200, (argv, len(r.stderr))
    assert not (workspace / "PWNED").exists()
    assert (workspace / "in.png").stat().st_size > 0


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(argv=argvs())
def test_random_hostile_argv_exit_0_or_2_with_one_line(workspace, argv):
    _check(argv, workspace)


@pytest.mark.parametrize("argv", [
    ["resize", "in.png", "o.png", "--scale", "nan"],
    ["resize", "in.png", "in.png", "--size", "4x4", "--overwrite"],
    ["compare", "in.png", "--reference", "9" * 50],
    ["train", "--lr", "nan", "--out", "r"],
    ["explain", "transpose", "--input", "[" * 5000],
    ["resize-raster", "in.zarr", "o.zarr", "--scale", "1e300"],
    ["segment", "in.png", "--run", "run", "--out", "m.png"],
])
def test_hostile_argv_in_a_real_process(cli, workspace, argv):
    r = cli(*argv, cwd=workspace, env={"UPSAMPLING_MEMORY_AVAILABLE": "1G"}, timeout=SECONDS_PER_CALL * 2)
    assert r.returncode == 2, (argv, r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr and len(r.stderr) <= 1200, (argv, r.stderr)
    assert sorted(p.name for p in workspace.iterdir() if p.name.startswith(("o.", "m.", "r"))) == ["run"]
    assert os.path.getsize(workspace / "in.png") > 0
