"""Every model × upsampler through forward and backward; the registry; fused upsample -> argmax; metrics."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import upsampling  # noqa: E402
from upsampling.argmax import upsample_argmax as upsample_argmax_np  # noqa: E402
from upsampling.models import MODELS, UPSAMPLE_CHOICES, count_parameters, create_model, upsample_argmax  # noqa: E402
from upsampling.models.metrics import confusion_matrix, scores  # noqa: E402

torch.set_num_threads(1)
TINY = {"unet": {"base": 4, "depth": 2}, "fcn8s": {"widths": (4, 4, 8, 8, 8)}}


@pytest.mark.parametrize("upsample", UPSAMPLE_CHOICES)
@pytest.mark.parametrize("name", list(MODELS))
def test_model_forward_backward(name, upsample):
    torch.manual_seed(0)
    model = create_model(name, upsample=upsample, num_classes=11, in_channels=1, **TINY[name])
    x = torch.randn(2, 1, 32, 32)
    y = model(x)
    assert y.shape == (2, 11, 32, 32)
    loss = torch.nn.functional.cross_entropy(y, torch.randint(0, 11, (2, 32, 32)))
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert count_parameters(model) > 0


def test_registry_defaults_and_three_channels():
    m = create_model("unet", upsample="bilinear", num_classes=11)
    assert m(torch.zeros(1, 1, 16, 16)).shape == (1, 11, 16, 16)
    m = create_model("fcn8s", upsample="transposed", num_classes=21, in_channels=3, **TINY["fcn8s"])
    assert m(torch.zeros(1, 3, 64, 32)).shape == (1, 21, 64, 32)


@pytest.mark.parametrize("bad,words", [({"name": "segnet"}, "unet, fcn8s"),
                                       ({"name": "unet", "upsample": "deconv"}, "pixel_shuffle")])
def test_registry_unknown_names_list_the_valid_ones(bad, words):
    name = bad.pop("name")
    with pytest.raises(upsampling.InvalidArgumentError, match=words):
        create_model(name, **bad)


def test_model_refuses_sizes_it_cannot_halve():
    with pytest.raises(upsampling.ShapeError, match="multiples of 8"):
        create_model("unet")(torch.zeros(1, 1, 20, 20))


def test_fcn_bilinear_upsampler_has_no_parameters():
    a = create_model("fcn8s", upsample="bilinear", **TINY["fcn8s"])
    b = create_model("fcn8s", upsample="transposed", **TINY["fcn8s"])
    assert count_parameters(b) - count_parameters(a) == 2 * (11 * 11 * 16 + 11) + 11 * 11 * 256 + 11


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
def test_upsample_argmax_equals_argmax_of_resize(rng, mode):
    logits = rng.standard_normal((21, 16, 16)).astype(np.float32)
    got = upsample_argmax(logits, (128, 96), mode=mode)
    expected = np.argmax(upsampling.resize(logits, (128, 96), layout="CHW", mode=mode), axis=0)
    np.testing.assert_array_equal(got, expected)
    t = upsample_argmax(torch.from_numpy(logits[None]), (128, 96), mode=mode)
    np.testing.assert_array_equal(t[0].numpy(), expected)


def test_upsample_argmax_is_the_engine_kernel():
    assert upsample_argmax_np.__module__ == "upsampling.argmax"


def test_metrics_ignore_index_and_absent_classes():
    target = np.array([[0, 0, 1, 255], [2, 2, 1, 1]])
    pred = np.array([[0, 1, 1, 2], [2, 0, 1, 1]])
    cm = confusion_matrix(pred, target, 4)
    assert cm.sum() == 7  # the 255 pixel is ignored
    s = scores(cm)
    assert s["iou"][0] == pytest.approx(1 / 3) and s["iou"][1] == pytest.approx(3 / 4)
    assert s["iou"][2] == pytest.approx(1 / 2) and np.isnan(s["iou"][3])
    assert s["miou"] == pytest.approx((1 / 3 + 3 / 4 + 1 / 2) / 3)
    assert s["pixel_accuracy"] == pytest.approx(5 / 7)
