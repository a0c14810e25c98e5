"""A short tour: ``python -m upsampling.demo`` (what ``make demo`` runs).

1. The seed's bilinear example, step by step, in its three equivalent forms.
2. One small image resized under every framework's convention, side by side,
   with how far apart the frameworks land.
3. The seed's transposed-convolution example (TensorFlow's conv2d_transpose).
4. ``--segmentation`` (``make demo-segmentation``, part of ``make demo``): train a small U-Net on
   the bundled digits canvases for a few minutes, evaluate it on the test split, and segment one
   held-out canvas -- through the same ``upsampling train / evaluate / segment`` commands a user runs.

Parts 1-3 need only NumPy: every framework column comes from this package's twins.  Part 4 needs
the ``torch``, ``cli`` and ``plot`` extras.
"""

from __future__ import annotations

import numpy as np

import upsampling
from upsampling.frameworks import onnx as onnx_twin


def _rule(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


def bilinear_tour() -> None:
    _rule("1. Bilinear interpolation of P = (0.3, 0.6) inside the unit square")
    q11, q21, q12, q22 = 10.0, 20.0, 30.0, 40.0  # f(0,0), f(1,0), f(0,1), f(1,1)
    print("known points: Q11=f(0,0)=10  Q21=f(1,0)=20  Q12=f(0,1)=30  Q22=f(1,1)=40")
    s = upsampling.bilinear_steps(0.3, 0.6, 0, 0, 1, 1, q11, q12, q21, q22)
    print(f"along x:  R1 = f(0.3, 0) = 0.7*10 + 0.3*20 = {float(s.r1):g}")
    print(f"          R2 = f(0.3, 1) = 0.7*30 + 0.3*40 = {float(s.r2):g}")
    print(f"along y:  P  = 0.4*R1 + 0.6*R2            = {float(s.p):g}")
    unit = upsampling.bilinear_unit_square(0.3, 0.6, q11, q12, q21, q22)
    matrix = upsampling.bilinear_matrix(0.3, 0.6, q11, q12, q21, q22)
    print(f"unit-square formula: {float(unit):g}    matrix form [1-x, x]·F·[1-y, y]ᵀ: {float(matrix):g}")


def _conventions(x: np.ndarray, size: tuple[int, int]) -> list[tuple[str, np.ndarray]]:
    """(label, HxW result) for every framework convention whose twin is available."""
    import importlib

    rows: list[tuple[str, np.ndarray]] = []
    h, w = size
    nchw = x[None, None].astype(np.float32)
    nhwc = x[None, :, :, None].astype(np.float32)
    rows.append(("ONNX half_pixel linear", onnx_twin.resize(nchw, sizes=[1, 1, h, w], mode="linear")[0, 0]))
    rows.append(
        ("ONNX align_corners", onnx_twin.resize(nchw, sizes=[1, 1, h, w], mode="linear",
                                                coordinate_transformation_mode="align_corners")[0, 0])
    )
    rows.append(
        ("ONNX asymmetric", onnx_twin.resize(nchw, sizes=[1, 1, h, w], mode="linear",
                                             coordinate_transformation_mode="asymmetric")[0, 0])
    )
    twins = {}
    for name in ("pytorch", "tensorflow", "opencv", "pillow"):
        try:
            twins[name] = importlib.import_module(f"upsampling.frameworks.{name}")
        except ImportError:  # pragma: no cover
            continue
    pt, tf, cv, pil = (twins.get(n) for n in ("pytorch", "tensorflow", "opencv", "pillow"))
    if pt is not None and hasattr(pt, "interpolate"):
        rows.append(("PyTorch bilinear", pt.interpolate(nchw, size=(h, w), mode="bilinear", align_corners=False)[0, 0]))
        rows.append(("PyTorch bilinear ac=True", pt.interpolate(nchw, size=(h, w), mode="bilinear", align_corners=True)[0, 0]))
        rows.append(("PyTorch bicubic", pt.interpolate(nchw, size=(h, w), mode="bicubic", align_corners=False)[0, 0]))
        rows.append(("PyTorch nearest", pt.interpolate(nchw, size=(h, w), mode="nearest")[0, 0]))
    if tf is not None and hasattr(tf, "resize"):
        rows.append(("TF2 tf.image.resize bilinear", tf.resize(nhwc, (h, w))[0, :, :, 0]))
        rows.append(("TF2 bicubic (a=-0.5, table)", tf.resize(nhwc, (h, w), method="bicubic")[0, :, :, 0]))
    if tf is not None and hasattr(tf, "resize_bilinear"):
        rows.append(("TF1 resize_bilinear (legacy)", tf.resize_bilinear(nhwc, (h, w))[0, :, :, 0]))
    if cv is not None and hasattr(cv, "resize"):
        rows.append(("OpenCV INTER_LINEAR", cv.resize(x.astype(np.float32), (w, h), interpolation=cv.INTER_LINEAR)))
        rows.append(("OpenCV INTER_NEAREST", cv.resize(x.astype(np.float32), (w, h), interpolation=cv.INTER_NEAREST)))
    if pil is not None and hasattr(pil, "resize"):
        rows.append(("Pillow BILINEAR", pil.resize(x.astype(np.float32), (w, h), pil.BILINEAR)))
        rows.append(("Pillow BICUBIC", pil.resize(x.astype(np.float32), (w, h), pil.BICUBIC)))
    return rows


def frameworks_tour() -> None:
    _rule("2. The same 3x3 image resized to 6x6 under each framework's convention (first row shown)")
    x = np.array([[0.0, 10.0, 20.0], [30.0, 40.0, 50.0], [60.0, 70.0, 80.0]])
    rows = _conventions(x, (6, 6))
    width = max(len(label) for label, _ in rows)
    for label, y in rows:
        print(f"{label:<{width}}  " + " ".join(f"{v:6.2f}" for v in y[0]))
    base = rows[0][1]
    print()
    print(f"max |difference| from ONNX half_pixel over the whole 6x6 output (input range 0..80):")
    for label, y in rows[1:]:
        print(f"  {label:<{width}}  {float(np.abs(y - base).max()):7.3f}")


def transpose_tour() -> None:
    _rule("3. Transposed convolution: the seed's TensorFlow example")
    if not hasattr(upsampling, "conv2d_transpose"):  # pragma: no cover
        print("(transposed convolution not available in this build)")
        return
    x = np.ones((1, 28, 28, 3), np.float32)
    w = np.ones((4, 4, 5, 3), np.float32)
    y = upsampling.conv2d_transpose(x, w, output_shape=(1, 56, 56, 5), strides=2, padding="SAME")
    print("x = ones(1, 28, 28, 3); w = ones(4, 4, 5, 3)  [kh, kw, out, in]")
    print("conv2d_transpose(x, w, output_shape=(1, 56, 56, 5), strides=2, padding='SAME')")
    print(f"-> shape {y.shape}; corner 3x3 of channel 0 (how many taps overlap, times 3 input channels):")
    print(y[0, :3, :3, 0])
    try:
        upsampling.conv2d_transpose(x, w, output_shape=(1, 57, 57, 5), strides=2, padding="SAME")
    except upsampling.ShapeError as e:
        print(f"output_shape (1, 57, 57, 5) is refused, as TensorFlow refuses it:\n  {e}")


# The demo's run: a U-Net (bilinear decoder) on 32x32 canvases; a few minutes on 2 CPU cores.
DEMO_RUN = "runs/demo-unet"
DEMO_TRAIN = ["--model", "unet", "--upsample", "bilinear", "--dataset", "digits", "--size", "32",
              "--train-samples", "512", "--batch-size", "16", "--seed", "0"]
DEMO_EPOCHS = 30
DEMO_SECONDS = 300  # stop early on a busy machine: the demo's training stays within ~5 minutes


def segmentation_tour(run: str = DEMO_RUN, epochs: int = DEMO_EPOCHS) -> int:
    """Train, evaluate, segment: the commands a newcomer would type, run in-process."""
    from pathlib import Path

    from upsampling.cli import run as cli

    def step(args: list[str]) -> int:
        print("$ upsampling " + " ".join(args), flush=True)
        return cli(args)

    _rule("4. Segmentation: a U-Net on real handwritten digits, trained on this CPU")
    resume = ["--resume"] if (Path(run) / "checkpoint.pt").exists() else []
    code = step(["train", *DEMO_TRAIN, "--epochs", str(epochs), "--time-limit", str(DEMO_SECONDS), "--out", run,
                 *resume])
    if code:
        return code
    code = step(["evaluate", run, "--overwrite"])  # a second `make demo` replaces its own scores
    if code:
        return code
    from PIL import Image

    from upsampling.data import DigitsSegmentation
    from upsampling.data import digits_layout

    # same digit sizes as training (10..14 px), more of them on a larger canvas: the network is fully convolutional
    canvas = DigitsSegmentation("test", n=1, size=64, seed=7, digits=(5, 7), digit_size=digits_layout(32)["digit_size"]).images[0, 0]
    path = Path(run) / "held-out-canvas.png"
    from upsampling._files import atomic_output

    with atomic_output(path, overwrite=True) as tmp:
        Image.fromarray((canvas * 255).round().astype(np.uint8)).save(tmp, format="PNG")
    print(f"(a 64x64 canvas of test-split digits, never seen in training: {path})")
    return step(["segment", str(path), "--run", run, "--out", f"{run}/held-out-mask.png",
                 "--overlay", f"{run}/held-out-overlay.png", "--overwrite"])


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    if "--segmentation" in args:
        return segmentation_tour()
    print(f"upsampling {upsampling.__version__}: resize and transposed convolution, exactly as each framework does them")
    bilinear_tour()
    frameworks_tour()
    transpose_tour()
    print()
    print("Next: `make test` checks every number above against the real frameworks.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
