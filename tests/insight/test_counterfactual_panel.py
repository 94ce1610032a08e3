"""The Counterfactuals panel shows each decoded digit with its verdict; clicks pick and load."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from capsviz.analysis.counterfactual import counterfactuals
from capsviz.app.insight.counterfactual_panel import CounterfactualPanel


@pytest.fixture
def panel(shown, pretrained, routed_digit):
    _, output = routed_digit
    result = counterfactuals(pretrained, output.poses[0, 7].numpy(), 7)
    widget = shown(CounterfactualPanel())
    widget.show_counterfactuals(result, output.lengths[0].numpy())
    return widget, result


def test_tiles_show_pictures_and_verdicts(panel):
    widget, result = panel
    for j, tile in enumerate(widget.tiles):
        prediction = int(result.predictions[j])
        assert tile.verdict.text().startswith(f"→ {prediction} {'✓' if result.kept[j] else '✗'}")
        assert tile.picture.pixmap().width() == 64
    assert "(own)" in widget.tiles[7].caption.text()


def test_clicking_a_tile_charts_its_lengths(panel, qtbot):
    widget, result = panel
    with qtbot.waitSignal(widget.digitRequested) as blocker:
        qtbot.mouseClick(widget.tiles[3], Qt.MouseButton.LeftButton)
    assert blocker.args == [3] and widget.selected == 3
    np.testing.assert_allclose(widget.shown_lengths, result.lengths[3])
    np.testing.assert_allclose(widget.bars.heights(1), result.lengths[3])
    assert widget.bars.heights(0) is not None
    assert "drawn as 3" in widget.plot.titleLabel.text


def test_use_as_input_sends_the_picture_the_network_saw(panel, qtbot):
    widget, result = panel
    widget.select(5)
    with qtbot.waitSignal(widget.imageRequested) as blocker:
        widget.use_button.click()
    np.testing.assert_array_equal(blocker.args[0], result.inputs[5])


@pytest.mark.parametrize("width", [412, 470, 1000])
def test_tiles_with_their_verdicts_fit_the_panels_width(panel, qtbot, width):
    """Tiles wrap into as many rows as the width needs: ten in a row, five, or fewer in a side tab."""
    widget, _ = panel
    widget.resize(width, 760)

    def every_tile_inside() -> None:
        for tile in widget.tiles:
            assert tile.geometry().right() <= widget.width(), tile.digit

    qtbot.waitUntil(every_tile_inside, timeout=2000)
    if width == 1000:
        assert widget.tiles_per_row == 10
    assert widget.minimumSizeHint().width() <= width
