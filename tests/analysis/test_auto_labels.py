"""Auto-labels: image properties on shapes with known geometry, and naming of controlled sweeps."""

from __future__ import annotations

import numpy as np
import pytest

from capsviz.analysis import autolabel
from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.properties import PROPERTIES, image_properties

OFFSETS = np.linspace(-0.25, 0.25, 11)


def ring(
    width: float = 2.0, shear: float = 0.0, shift_x: float = 0.0, radius: tuple = (8.0, 5.0)
) -> np.ndarray:
    """An anti-aliased ellipse outline (a "0") of stroke ``width``; ``shear`` leans its top right."""
    angles = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    ys = 14 + radius[0] * np.sin(angles)
    xs = 14 + shift_x + radius[1] * np.cos(angles) - shear * (ys - 14)
    yy, xx = np.mgrid[0:28, 0:28]
    distance = np.min(np.hypot(yy[..., None] - ys, xx[..., None] - xs), axis=-1)
    return np.clip(width / 2 + 0.5 - distance, 0.0, 1.0)


def test_properties_of_a_vertical_bar():
    bar = np.zeros((28, 28))
    bar[4:24, 10:13] = 1.0
    props = image_properties(bar[None])
    assert props["stroke width"][0] == pytest.approx(3.0, rel=0.15)
    assert props["position x"][0] == pytest.approx(11.0)
    assert props["position y"][0] == pytest.approx(13.5)
    assert props["slant"][0] == pytest.approx(0.0, abs=1e-9)
    assert props["ink"][0] == pytest.approx(60.0)
    assert props["height/width"][0] > 5


def test_slant_follows_a_shear_and_width_follows_the_pen():
    slants = image_properties(np.stack([ring(shear=s) for s in (-0.3, 0.0, 0.3)]))["slant"]
    assert slants[0] < slants[1] < slants[2]
    line = ring(width=2.0, shear=0.3, radius=(8.0, 0.0))  # a sheared vertical stroke
    assert image_properties(line[None])["slant"][0] == pytest.approx(0.3, abs=0.03)
    widths = image_properties(np.stack([ring(width=w) for w in (1.5, 2.5, 3.5)]))["stroke width"]
    np.testing.assert_allclose(widths, [1.5, 2.5, 3.5], atol=0.5)
    assert widths[0] < widths[1] < widths[2]
    assert np.isnan(image_properties(np.zeros((1, 28, 28)))["ink"][0])


def test_controlled_sweeps_get_the_right_names():
    starts = [(2.0, 0.0, 0.0, (8.0, 5.0)), (2.4, 0.1, -1.0, (7.5, 5.5)), (1.8, -0.1, 1.0, (8.5, 4.5))]
    sweeps = np.stack(
        [
            [[ring(w + 6 * o, s, x, r) for o in OFFSETS] for w, s, x, r in starts],  # stroke width
            [[ring(w, s + 1.2 * o, x, r) for o in OFFSETS] for w, s, x, r in starts],  # slant
            [[ring(w, s, x + 8 * o, r) for o in OFFSETS] for w, s, x, r in starts],  # position x
            [[ring(w, s, x, r) for _ in OFFSETS] for w, s, x, r in starts],  # does nothing
        ]
    )
    names, correlation, effect = autolabel.label_sweeps(sweeps, OFFSETS)
    assert names.tolist() == ["stroke width", "slant", "position x", ""]
    assert correlation[0, PROPERTIES.index("stroke width")] > 0.9
    assert effect[1, PROPERTIES.index("slant")] > 0


def test_labels_describe_direction_and_round_trip():
    names = np.full((10, 16), "", dtype="<U12")
    names[3, 4] = "slant"
    correlation = np.zeros((10, 16, len(PROPERTIES)), np.float32)
    effect = np.zeros_like(correlation)
    correlation[3, 4, 1], effect[3, 4, 1] = -0.95, -2.0
    labels = DimensionLabels(names, correlation, effect)
    assert labels.label(3, 4) == "≈ slant" and labels.label(3, 5) == ""
    assert "lean left" in labels.describe(3, 4) and "ρ = -0.95" in labels.describe(3, 4)
    back = DimensionLabels.from_arrays(labels.to_arrays())
    assert back.names.tolist() == names.tolist()


def test_model_labels_are_cached(pretrained, small_survey, tmp_path):
    labels = autolabel.load_or_compute_labels(pretrained, small_survey, folder=tmp_path)
    assert labels.names.shape == (10, 16)
    assert all(
        name in {*PROPERTIES, "", "mixed"} or name.startswith("local: ") for name in labels.names.ravel()
    )
    assert ((labels.confidence >= 0) & (labels.confidence <= 1)).all()
    assert np.isfinite(labels.correlation).all()
    assert len(list(tmp_path.glob("labels-*.npz"))) == 1
    again = autolabel.load_or_compute_labels(pretrained, small_survey, folder=tmp_path)
    assert again.names.tolist() == labels.names.tolist()
