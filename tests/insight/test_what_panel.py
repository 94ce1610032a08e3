"""The What panel: distributions with the current pose marked, labels, and the Figure-4 grid."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.dimensions import dimension_stats
from capsviz.analysis.figure4 import figure4, render_figure4
from capsviz.analysis.properties import PROPERTIES
from capsviz.analysis.survey import Survey
from capsviz.app.insight.what_panel import WhatPanel


@pytest.fixture(scope="module")
def stats():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(10), 30)
    lengths = np.full((300, 10), 0.05, np.float32)
    lengths[np.arange(300), labels] = 0.9
    poses = rng.normal(0.0, 0.1, (300, 10, 16)).astype(np.float32)
    return dimension_stats(Survey(labels, lengths, poses), bins=15)


def labels_naming(dim: int, name: str) -> DimensionLabels:
    names = np.full((10, 16), "", dtype="<U12")
    names[7, dim] = name
    zeros = np.zeros((10, 16, len(PROPERTIES)), np.float32)
    return DimensionLabels(names, zeros, zeros)


def test_distributions_bands_and_current_value(shown, pretrained, routed_digit, stats):
    panel = shown(WhatPanel(), (1000, 640))
    _, output = routed_digit
    pose = output.poses[0, 7].numpy() + 0.05
    panel.set_digit(7)
    panel.show_stats(stats)
    panel.show_labels(labels_naming(3, "slant"))
    panel.show_pose(pose, figure4(pretrained, pose, 7))
    view = panel.dimensions
    np.testing.assert_allclose(view.current_values(), pose, atol=1e-6)
    np.testing.assert_allclose(view.band_edges(), np.column_stack([stats.low[7], stats.high[7]]), atol=1e-6)
    for d in (0, 9):
        np.testing.assert_allclose(view.histogram(d), stats.density(7, d)[1])
    z = (pose - stats.mean[7]) / stats.std[7]
    np.testing.assert_allclose(view.drawn_values(), np.clip(z, -4.3, 4.3), atol=1e-5)
    paper_x, _ = view.paper_lines.getData()
    np.testing.assert_allclose(paper_x[32::2], (pose + 0.25 - stats.mean[7]) / stats.std[7], atol=1e-4)
    spans = [text for _, text in view.plot.getAxis("right")._tickLevels[0]]
    assert spans[5] == f"±0.25 = {0.25 / stats.std[7, 5]:.0f}σ"
    labels = view.row_labels()
    assert labels[3] == "d3 ≈ slant" and labels[4] == "d4"
    assert "30 test digits" in view.title.text()


def test_without_statistics_rows_show_plain_pose_values(shown, routed_digit):
    panel = shown(WhatPanel())
    pose = routed_digit[1].poses[0, 7].numpy()
    panel.set_digit(7)
    panel.show_pose(pose, None)
    np.testing.assert_allclose(panel.dimensions.drawn_values(), pose, atol=1e-6)
    assert panel.dimensions.title.text() == "pose dimensions of capsule 7"


def test_figure4_view_shows_and_saves_the_grid(shown, pretrained, routed_digit, tmp_path, qtbot):
    panel = shown(WhatPanel(), (1000, 640))
    _, output = routed_digit
    grid = figure4(pretrained, output.poses[0, 7].numpy(), 7)
    panel.set_digit(7)
    panel.show_labels(labels_naming(0, "stroke width"))
    panel.show_pose(output.poses[0, 7].numpy(), grid)
    np.testing.assert_allclose(panel.figure4.mosaic, grid.mosaic())
    left_ticks = panel.figure4.plot.getAxis("left")._tickLevels[0]
    assert left_ticks[0][1] == "d0 ≈ stroke width"
    path = tmp_path / "grid.png"
    with qtbot.waitSignal(panel.figure4.exported) as blocker:
        panel.figure4.export_png(path)
    assert blocker.args == [str(path)]
    expected = render_figure4(grid, [panel_label for panel_label in ["≈ stroke width"] + [""] * 15], "t")
    with Image.open(path) as picture:
        assert picture.format == "PNG" and picture.size == expected.size


def test_in_a_side_tab_the_distributions_get_the_larger_share(shown, pretrained, routed_digit, stats):
    """Narrow, the sixteen distribution rows stay legible; Figure 4 names every other row."""
    panel = shown(WhatPanel(), (412, 760))
    _, output = routed_digit
    panel.set_digit(7)
    panel.show_stats(stats)
    panel.show_pose(output.poses[0, 7].numpy(), figure4(pretrained, output.poses[0, 7].numpy(), 7))
    distributions, pages = panel.splitter.sizes()
    assert distributions > pages
    assert panel.dimensions.view.height() / 16 >= 14  # pixels per dimension row, room for its name
    left_ticks = panel.figure4.plot.getAxis("left")._tickLevels[0]
    assert [name for _, name in left_ticks] == [f"d{d}" for d in range(0, 16, 2)]


def test_save_button_asks_for_a_file(shown, pretrained, routed_digit, tmp_path, monkeypatch, qtbot):
    from capsviz.app.insight import figure4_view

    panel = shown(WhatPanel())
    _, output = routed_digit
    assert not panel.figure4.save_button.isEnabled()
    panel.show_pose(output.poses[0, 7].numpy(), figure4(pretrained, output.poses[0, 7].numpy(), 7))
    target = tmp_path / "chosen.png"
    monkeypatch.setattr(figure4_view.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    panel.figure4.save_button.click()
    assert target.is_file() and "saved" in panel.figure4.status.text()
    bad = tmp_path / "missing-folder" / "x" / "grid.png"
    bad.parent.parent.write_text("a file, not a folder")
    assert panel.figure4.export_png(bad) is None
    assert "could not save" in panel.figure4.status.text()


def test_the_grid_opens_large_in_its_own_window(shown, pretrained, routed_digit, qtbot):
    panel = shown(WhatPanel(), (1000, 640))
    pose = routed_digit[1].poses[0, 7].numpy()
    panel.set_digit(7)
    panel.show_pose(pose, figure4(pretrained, pose, 7))
    bottom = [label for _, label in panel.figure4.plot.getAxis("bottom")._tickLevels[0]]
    assert bottom == ["−0.25", "0", "+0.25"], "three offsets named: they never run into each other"
    qtbot.mouseClick(panel.figure4.enlarge_button, Qt.MouseButton.LeftButton)
    big = panel.figure4.enlarged
    assert big.isVisible() and big.width() >= 800 and not big.enlarge_button.isVisible()
    np.testing.assert_allclose(big.mosaic, panel.figure4.mosaic)
    panel.show_pose(pose, figure4(pretrained, pose, 3))
    assert big.plot.titleLabel.text.endswith("capsule 3"), "the window follows the capsule on show"
    big.close()


def test_hovering_a_dimension_shows_the_evidence_for_its_name(
    shown, pretrained, routed_digit, mnist_test, qtbot, tmp_path
):
    from capsviz.analysis.autolabel import auto_labels
    from capsviz.analysis.survey import load_or_run_survey

    images, labels = mnist_test
    survey = load_or_run_survey(pretrained, images, labels, 300, folder=tmp_path)
    named = auto_labels(pretrained, survey, samples_per_digit=4)
    panel = shown(WhatPanel(), (1000, 900))
    panel.set_digit(7)
    panel.show_labels(named)
    panel.show_pose(routed_digit[1].poses[0, 7].numpy(), None)
    assert panel.evidence.shown == (7, 0), "the first dimension's evidence until the mouse says otherwise"
    tabs = panel.pages.tabBar()
    no_keys = Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(tabs, Qt.MouseButton.LeftButton, no_keys, tabs.tabRect(1).center())
    assert panel.evidence.isVisible()
    view = panel.dimensions.view
    for row in (10.4, 3.4):  # the pointer passes over row 10 on its way to row 3
        local = QPointF(view.mapFromScene(panel.dimensions.plot.vb.mapViewToScene(QPointF(0.0, row))))
        hover = QMouseEvent(
            QEvent.Type.MouseMove,
            local,
            view.viewport().mapToGlobal(local),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(view.viewport(), hover)
        qtbot.wait(50)
    qtbot.waitUntil(lambda: panel.evidence.shown == (7, 3), timeout=5000)
    assert panel.evidence.summary.text().startswith(f"<b>d3: {named.names[7, 3] or 'no visible change'}</b>")
    drawn = [curve for curve in panel.evidence.curves if curve.yData is not None and len(curve.yData)]
    assert len(drawn) == 3 and all(len(curve.xData) == len(named.offsets) for curve in drawn)
    rho = np.abs(named.correlation[7, 3])
    first = int(np.argmax(rho))
    np.testing.assert_allclose(drawn[0].yData, named.curves[7, 3, :, first])
    assert panel.evidence.heat.image.shape == (28, 28) and panel.evidence.heat.image.max() == 1.0
