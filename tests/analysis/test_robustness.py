"""CapsNet vs CNN under growing transforms: the numbers recomputed by hand, the cache, the command."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from capsviz.analysis.invariance import Transform, transform_images
from capsviz.analysis.robustness import LEVELS, cached_robustness, robustness, transforms_for
from capsviz.cli import main
from capsviz.model.baseline import BaselineCNN


@pytest.fixture(scope="module")
def cnn() -> BaselineCNN:
    torch.manual_seed(0)
    return BaselineCNN().eval()


def test_rotation_accuracy_is_what_rotating_each_digit_by_hand_gives(pretrained, cnn, mnist_test) -> None:
    images, labels = mnist_test[0][:40], mnist_test[1][:40]
    curves = robustness(pretrained, cnn, images, labels, kinds=("rotation",))
    level = LEVELS["rotation"].index(40.0)
    turned = [Transform(rotation=40.0 if k % 2 == 0 else -40.0) for k in range(40)]
    moved = torch.from_numpy(transform_images(images.astype(np.float32) / 255, turned))[:, None]
    with torch.no_grad():
        capsule = (pretrained(moved).lengths.argmax(1).numpy() == labels).mean()
        baseline = (cnn(moved).argmax(1).numpy() == labels).mean()
    assert curves["rotation"].capsnet[level] == pytest.approx(capsule)
    assert curves["rotation"].cnn[level] == pytest.approx(baseline)
    assert curves["rotation"].capsnet[0] == pytest.approx(
        (
            pretrained(torch.from_numpy(images.astype(np.float32) / 255)[:, None]).lengths.argmax(1).numpy()
            == labels
        ).mean()
    )


def test_transforms_stay_within_their_ranges() -> None:
    rng = np.random.default_rng(0)
    shifts = transforms_for("shift", 6.0, 50, rng)
    assert all(np.hypot(t.shift_x, t.shift_y) == pytest.approx(6.0) for t in shifts)
    mixed = transforms_for("affine", 1.0, 200, rng)
    assert max(abs(t.rotation) for t in mixed) <= 60 and all(0.5 <= t.scale <= 1.5 for t in mixed)
    assert max(abs(t.shear) for t in mixed) <= 0.6 and max(np.hypot(t.shift_x, t.shift_y) for t in mixed) <= 8
    assert all(t.is_identity for t in transforms_for("affine", 0.0, 5, rng))
    with pytest.raises(ValueError, match="unknown transform"):
        transforms_for("twist", 1.0, 3, rng)


def test_a_pair_of_weights_is_measured_once_then_read_from_the_cache(
    pretrained, cnn, mnist_test, tmp_path, monkeypatch
):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    images, labels = mnist_test[0][:8], mnist_test[1][:8]
    first, cached = cached_robustness(pretrained, cnn, images, labels)
    again, cached_again = cached_robustness(pretrained, cnn, images, labels)
    assert not cached and cached_again and first == again and set(first) == set(LEVELS)


def test_the_command_prints_json_and_refuses_bad_options_in_one_line(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    assert main(["robustness", "--limit", "6", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"rotation", "scale", "shear", "shift", "affine"}
    for kind, curve in data.items():
        assert curve["levels"] == list(LEVELS[kind]) and len(curve["capsnet"]) == len(curve["cnn"]) == len(
            LEVELS[kind]
        )
        assert all(0.0 <= value <= 1.0 for value in curve["capsnet"] + curve["cnn"])
    for bad, message in ((["--limit", "0"], "at least 1"), (["--out", str(tmp_path / "plot.txt")], "PNG")):
        assert main(["robustness", *bad]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0]


def test_the_command_draws_the_charts(tmp_path, monkeypatch, capsys) -> None:
    from PIL import Image

    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    out = tmp_path / "charts" / "robustness.png"
    assert main(["robustness", "--limit", "4", "--out", str(out)]) == 0
    with Image.open(out) as picture:
        assert picture.size == (1200, 700)
    assert "rotation" in capsys.readouterr().out
