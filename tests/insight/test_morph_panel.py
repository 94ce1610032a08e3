"""Morphing a kept input into the current one, in Compare & keep: chosen, slid, read, saved."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from capsviz.analysis.morph import morph
from capsviz.app.insight import morph_panel
from capsviz.app.insight.panels import InsightPanels
from capsviz.app.state import AppState, SettledInput


def settle(state: AppState, image: np.ndarray, source: str) -> None:
    state.set_settled(SettledInput(image, None, 3, source))


def test_a_kept_seven_morphs_into_the_current_two(qtbot, pretrained, mnist_test, tmp_path, monkeypatch):
    insight = InsightPanels(pretrained, AppState(), synchronous=True)
    panel = insight.compare
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    qtbot.waitExposed(panel)
    seven, two = (mnist_test[0][k].astype(np.float32) / 255 for k in (0, 1))
    settle(insight.state, seven, "a seven")
    assert not panel.morph.slider.isEnabled(), "nothing kept yet: nothing to morph from"
    QTest.mouseClick(panel.keep_button, Qt.MouseButton.LeftButton)
    settle(insight.state, two, "a two")
    shown = panel.morph
    assert shown.source_box.count() == 1 and shown.slider.isEnabled()
    expected = morph(pretrained, seven, two, morph_panel.FRAMES)
    np.testing.assert_allclose(shown.morph.frames, expected.frames, atol=1e-5)
    shown.slider.setFocus()
    QTest.keyClick(shown.slider, Qt.Key.Key_Home)
    assert "read as 7" in shown.reading.text() and "capsule 7 → 2" in shown.reading.text()
    QTest.keyClick(shown.slider, Qt.Key.Key_End)
    assert shown.reading.text().startswith("t = 1.00") and "read as 2" in shown.reading.text()
    np.testing.assert_allclose(shown.frame.array(), expected.frames[-1], atol=1e-5)
    target = tmp_path / "strip.png"
    monkeypatch.setattr(morph_panel.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    QTest.mouseClick(shown.save_button, Qt.MouseButton.LeftButton)
    with Image.open(target) as strip:
        assert strip.format == "PNG" and strip.width > morph_panel.FRAMES * 100
    assert shown.reading.text() == "saved strip.png"
    insight.shutdown()
