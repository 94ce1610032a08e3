"""Drawings of every size and brush are read as well as the MNIST digits they were made from."""

from __future__ import annotations

import numpy as np
import pytest

from capsviz.app.drawing_bench import BRUSHES, SIZES, format_drawing_report, place_strokes, run_drawing_bench
from capsviz.data.skeleton import digit_strokes


def test_placed_strokes_have_the_size_asked_for_and_stay_on_the_canvas(mnist_test) -> None:
    rng = np.random.default_rng(1)
    strokes = digit_strokes(mnist_test[0][0])
    for size in SIZES:
        placed = np.concatenate(place_strokes(strokes, size, rng, 34))
        height = placed[:, 1].max() - placed[:, 1].min()
        assert height == pytest.approx(size * 448, rel=0.2)
        assert placed.min() >= 0 and placed.max() <= 447


def test_a_large_digit_with_a_fat_brush_is_drawn_whole_not_flattened_at_the_edge(mnist_test) -> None:
    """The pen stays on the canvas: no stroke point is pushed onto its edge, whatever the brush."""
    rng = np.random.default_rng(2)
    for digit in mnist_test[0][:40]:
        for brush in BRUSHES:
            placed = np.concatenate(place_strokes(digit_strokes(digit), 0.9, rng, brush))
            assert placed.min() > 0 and placed.max() < 447, brush


def test_a_small_run_reports_every_cell(qtbot, pretrained, mnist_test) -> None:
    report = run_drawing_bench(pretrained, *mnist_test, count=4)
    assert [(c["size"], c["brush"]) for c in report["cells"]] == [(s, b) for s in SIZES for b in BRUSHES]
    table = format_drawing_report(report, markdown=True)
    assert table.count("\n|") == len(SIZES) + 2 and "brush 34 px" in table
    assert set(report["photos"]) == {"plain", "ruled", "squared"} and "squared" in table
    assert 0.0 <= report["strokes_accuracy"] <= 1.0 and "drawn straight" in table


@pytest.mark.slow
def test_every_cell_reads_within_one_and_a_half_points_of_mnist(qtbot, pretrained, mnist_test) -> None:
    report = run_drawing_bench(pretrained, *mnist_test, count=100)
    for cell in report["cells"]:
        assert cell["accuracy"] >= 0.97, cell
        assert cell["accuracy"] >= report["mnist_accuracy"] - 0.015, cell
    assert min(report["photos"].values()) >= 0.97, report["photos"]
