"""The affNIST-like test: the warp against a plain reference, the set, the measurement, the command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from capsviz.analysis import affnist as af
from capsviz.analysis.invariance import Transform, transform_images
from capsviz.cli import main
from capsviz.data.translated import translated_test_set
from capsviz.model.baseline import BaselineCNN, save_baseline
from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import save_weights


def warp_by_hand(image: np.ndarray, transform: Transform) -> np.ndarray:
    """Bilinear warp about the image centre, one output pixel at a time (x right, y down)."""
    size = image.shape[0]
    angle = math.radians(transform.rotation)
    rotate = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    linear = rotate @ np.array([[1.0, -transform.shear], [0.0, 1.0]]) * transform.scale
    inverse = np.linalg.inv(linear)
    out = np.zeros_like(image)
    for row in range(size):
        for col in range(size):
            x, y = inverse @ np.array([col + 0.5 - size / 2, row + 0.5 - size / 2])
            x, y = x + size / 2 - 0.5, y + size / 2 - 0.5
            x0, y0 = math.floor(x), math.floor(y)
            for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
                r, c = y0 + dy, x0 + dx
                if 0 <= r < size and 0 <= c < size:
                    out[row, col] += image[r, c] * (1 - abs(x - c)) * (1 - abs(y - r))
    return out


def test_the_warp_on_40_pixels_is_the_plain_bilinear_reference(mnist_test) -> None:
    image = np.zeros((40, 40), np.float32)
    image[6:34, 6:34] = mnist_test[0][0] / 255.0
    transform = Transform(rotation=17.0, scale=1.15, shear=-0.15)
    warped = transform_images(image[None], [transform])[0]
    assert np.allclose(warped, warp_by_hand(image, transform), atol=1e-4)


def test_severity_zero_is_each_digit_whole_at_a_random_place(mnist_test) -> None:
    digits = mnist_test[0][:50]
    images = af.affine_test_set(digits, severity=0.0)
    assert images.shape == (50, 40, 40) and images.dtype == np.float32
    places = set()
    for image, digit in zip(images, digits, strict=True):
        ink = digit / 255.0
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        box = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        at_rows, at_cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        assert np.allclose(image[at_rows[0] : at_rows[-1] + 1, at_cols[0] : at_cols[-1] + 1], box, atol=1e-6)
        places.add((at_rows[0], at_cols[0]))
    assert len(places) > 40


def test_the_set_is_seeded_keeps_all_ink_on_the_canvas_and_stays_in_its_ranges(mnist_test) -> None:
    digits = mnist_test[0][:200]
    images = af.affine_test_set(digits, 1.0)
    assert np.array_equal(images, af.affine_test_set(digits, 1.0))
    assert not np.array_equal(images, af.affine_test_set(digits, 1.0, seed=5))
    ink = (digits / 255.0).sum(axis=(1, 2))
    # scaling by s changes the ink by about s² (within 0.8² … 1.2²); nothing is cut off at the edges
    assert np.all(images.sum(axis=(1, 2)) / ink > 0.8**2 * 0.97)
    assert np.all(images.sum(axis=(1, 2)) / ink < 1.2**2 * 1.03)
    assert np.array_equal(af.affine_test_set(digits[:50], 1.0), images[:50])  # the same at any count
    drawn = af.random_transforms(np.random.default_rng(0).random((500, 3)), 1.5)
    assert max(abs(t.rotation) for t in drawn) <= 30 and max(abs(t.rotation) for t in drawn) > 28
    assert all(0.7 <= t.scale <= 1.3 for t in drawn) and max(abs(t.shear) for t in drawn) <= 0.3


def test_the_two_models_are_compared_where_the_capsnet_reads_the_papers_79_percent() -> None:
    result = af.AffnistResult(10, (0.99, 0.99), (0.0, 1.0, 2.0), (0.99, 0.89, 0.69), (0.99, 0.79, 0.49))
    severity, cnn = result.where_capsnet_reads(0.79)
    assert severity == pytest.approx(1.5) and cnn == pytest.approx(0.64)
    assert result.where_capsnet_reads(0.5) is None
    assert result.as_json()["where_capsnet_reads_papers_affnist"]["severity"] == pytest.approx(1.5)


class Always(torch.nn.Module):
    """A stand-in classifier that names one digit for every image."""

    def __init__(self, digit: int) -> None:
        super().__init__()
        self.digit = digit
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.one_hot(torch.full((len(images),), self.digit), 10).float()


def test_the_measurement_scores_each_set_as_scoring_it_by_hand_gives(mnist_test, tmp_path, monkeypatch):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    digits, labels = mnist_test[0][:30], mnist_test[1][:30]
    torch.manual_seed(0)
    capsnet = CapsNet(input_size=40).eval()
    result, cached = af.cached_measure(capsnet, Always(7), digits, labels)
    assert not cached and result.digits == 30 and result.severities == af.SEVERITIES
    sevens = np.mean(labels == 7)
    assert result.cnn == (sevens,) * len(af.SEVERITIES) and result.expanded[1] == sevens
    with torch.no_grad():
        placed = translated_test_set(torch.from_numpy(digits))
        at_one = torch.from_numpy(af.affine_test_set(digits, 1.0))[:, None]
        expanded = (capsnet(placed).lengths.argmax(1).numpy() == labels).mean()
        headline = (capsnet(at_one).lengths.argmax(1).numpy() == labels).mean()
    assert result.expanded[0] == pytest.approx(expanded) and result.headline[0] == pytest.approx(headline)
    again, cached_again = af.cached_measure(capsnet, Always(7), digits, labels)
    assert cached_again and again == result


@pytest.fixture(scope="module")
def weights_40(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights-40")
    torch.manual_seed(1)
    capsnet = save_weights(CapsNet(input_size=40), folder / "caps.safetensors")
    cnn = save_baseline(BaselineCNN(input_size=40), folder / "cnn.safetensors")
    return ["--weights", str(capsnet), "--cnn-weights", str(cnn)]


def test_the_command_prints_json_and_draws_examples(weights_40, tmp_path, monkeypatch, capsys) -> None:
    from PIL import Image

    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    examples = tmp_path / "pictures" / "affnist.png"
    assert main(["affnist", *weights_40, "--limit", "12", "--json", "--examples", str(examples)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "digits",
        "ranges",
        "expanded_mnist",
        "affnist_like",
        "where_capsnet_reads_papers_affnist",
    }
    curve = data["affnist_like"]
    assert curve["levels"] == list(af.SEVERITIES) and len(curve["capsnet"]) == len(curve["cnn"]) == 7
    assert all(0.0 <= v <= 1.0 for v in [*curve["capsnet"], *curve["cnn"], *data["expanded_mnist"].values()])
    with Image.open(examples) as picture:
        assert picture.size == (12 * 42 * 3, 3 * 42 * 3)
    chart = tmp_path / "charts" / "affnist.png"
    assert main(["affnist", *weights_40, "--limit", "12", "--out", str(chart)]) == 0
    assert "affNIST-like, severity 1" in capsys.readouterr().out
    with Image.open(chart) as picture:
        assert picture.size == (900, 560)


def test_the_chart_shows_both_curves_and_marks_where_they_are_compared(qtbot) -> None:
    from capsviz.app.insight.affnist_view import AffnistView

    view = AffnistView()
    qtbot.addWidget(view)
    result = af.AffnistResult(10, (0.99, 0.99), (0.0, 1.0, 2.0), (0.99, 0.89, 0.69), (0.99, 0.79, 0.49))
    view.show_result(result)
    assert list(view.capsule.getData()[1]) == [0.99, 0.89, 0.69]
    assert list(view.cnn.getData()[1]) == [0.99, 0.79, 0.49]
    assert view.matched_line.isVisible() and view.matched_line.value() == pytest.approx(1.5)
    assert "CNN 64.0%" in view.plot.titleLabel.text
    view.show_result(af.AffnistResult(10, (0.99, 0.99), (0.0, 1.0), (0.99, 0.95), (0.99, 0.9)))
    assert not view.matched_line.isVisible()


def test_the_command_refuses_a_28_pixel_model_and_bad_options_in_one_line(weights_40, tmp_path, capsys):
    cases = (
        (["--weights", "resources/capsnet.safetensors", *weights_40[2:]], "reads 28×28 images"),
        ([*weights_40[:2], "--cnn-weights", "resources/cnn-baseline.safetensors"], "reads 28×28 images"),
        ([*weights_40, "--limit", "0"], "at least 1"),
        ([*weights_40, "--examples", str(tmp_path / "x.jpg")], "PNG"),
        ([*weights_40, "--out", str(tmp_path / "x.svg")], "PNG"),
    )
    for options, message in cases:
        assert main(["affnist", *options]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0]
