"""``capsviz --screenshot`` renders any panel with the Where tint and the data slider ranges."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QSlider

from capsviz.app.launch import render_screenshot
from capsviz.app.scene import ScreenshotScene


def test_what_panel_with_data_ranges_and_where_tint(qtbot, pretrained, tmp_path, monkeypatch):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path / "cache"))
    from capsviz.app import create_window

    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    window.insight.surveyor.limit = 300  # a quick survey; the real one covers all 10,000 digits
    target = tmp_path / "what.png"
    scene = ScreenshotScene(sample=4, panel="what", where=True, data_ranges=True)
    assert render_screenshot(window, str(target), scene) == 0

    assert Image.open(target).size == (1400, 900)
    tabs = window.insight_tabs
    assert tabs.tabText(tabs.currentIndex()) == "What"
    assert window.state.sample.index == 4
    assert window.insight.survey is not None
    assert window.pose_sliders.range_choice.currentData() == "data"
    sliders = [window.findChild(QSlider, f"poseSlider{dim}") for dim in range(16)]
    spans = {(slider.minimum(), slider.maximum()) for slider in sliders}
    assert spans != {(-25, 25)} and all(low <= 0 <= high for low, high in spans)
    strength, _field = window.canvas.overlay()
    np.testing.assert_array_equal(strength, window.network_input.overlay())


def test_an_unknown_panel_is_refused(qtbot, pretrained, tmp_path, capsys):
    from capsviz.app import create_window

    window = create_window(model=pretrained, insight=False)
    qtbot.addWidget(window)
    assert render_screenshot(window, str(tmp_path / "x.png"), ScreenshotScene(panel="gallery")) == 1
    assert "no gallery panel" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_a_panel_alone_with_kept_digits(qtbot, pretrained, tmp_path):
    from capsviz.app import create_window

    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    target = tmp_path / "compare.png"
    scene = ScreenshotScene(sample=0, panel="compare", kept=(1, 2), panel_only=True)
    assert render_screenshot(window, str(target), scene) == 0
    panel = window.insight_tabs.currentWidget()
    assert Image.open(target).size == (panel.width(), panel.height())
    kept = window.insight.keeper.history.entries
    assert len(kept) == 2
    assert sorted(int(entry.lengths.argmax()) for entry in kept) == [1, 2]  # test digits 1 and 2: a 2, a 1


def test_a_drawn_digit_alone_as_drawn_and_at_mnist_width(qtbot, pretrained, tmp_path):
    from capsviz.app import create_window

    answers = {}
    for as_drawn in (True, False):  # a screenshot closes its window: one window each
        window = create_window(model=pretrained, insight=False)
        qtbot.addWidget(window)
        target = tmp_path / f"drawn-{as_drawn}.png"
        scene = ScreenshotScene(sample=18, drawn=0.15, as_drawn=as_drawn, draw_only=True)
        assert render_screenshot(window, str(target), scene) == 0
        panel = window.draw_panel
        assert Image.open(target).size == (panel.width(), panel.height())
        assert window.state.sample is None and window.canvas.strokes()  # drawn with the pen, not shown
        assert window.network_input.width_toggle.isChecked() is not as_drawn
        answers[as_drawn] = window.prediction.text()[0]
    assert answers == {False: "3", True: "8"}  # test digit 18 is a 3; drawn small, as drawn it reads as 8


def test_the_cnn_scene_turns_the_comparison_on(qtbot, pretrained, tmp_path):
    from capsviz.app import create_window

    window = create_window(model=pretrained, insight=False)
    qtbot.addWidget(window)
    assert render_screenshot(window, str(tmp_path / "cnn.png"), ScreenshotScene(sample=582, cnn=True)) == 0
    assert window.comparison.toggle.isChecked() and window.length_plot.comparison() is not None
    assert window.length_plot.comparison_caption().startswith("CNN says 2")  # an 8 the CNN takes for a 2


def test_the_pair_scene_shows_a_held_out_pair_in_the_two_digits_panel(two_digit_window, tmp_path):
    import torch

    from capsviz.data.multimnist import test_pairs

    window = two_digit_window
    scene = ScreenshotScene(panel="two-digits", pair=3, panel_only=True)
    assert render_screenshot(window, str(tmp_path / "two.png"), scene) == 0
    assert window.insight.two_digits.result is not None
    images, labels = window.controller.samples()
    first, second = (
        test_pairs(torch.from_numpy(images.copy()), torch.as_tensor(labels).long()).labels[3].tolist()
    )
    assert window.state.settled.source == f"MultiMNIST test pair #{3} ({first} and {second})"


def test_a_session_with_data_ranges_surveys_first_then_widens_the_sliders(
    qtbot, pretrained, tmp_path, monkeypatch
):
    import json

    from capsviz.app.session import open_session
    from tests.app.app_helpers import WAIT_MS

    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path / "cache"))
    from capsviz.app import create_window

    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    window.show()
    window.insight.surveyor.limit = 300
    path = tmp_path / "wide.capsviz"
    session = {"format": "capsviz-session", "version": 1, "input": {"kind": "sample", "index": 4}}
    path.write_text(json.dumps({**session, "slider_ranges": "data", "panel": "what"}))
    assert window.pose_sliders.range_source() == "paper"
    assert open_session(window, path)
    qtbot.waitUntil(lambda: window.pose_sliders.range_source() == "data", timeout=WAIT_MS * 4)
    assert window.insight.survey is not None
    window.close()


def test_a_cached_survey_is_finished_before_any_scene(qtbot, pretrained, tmp_path, monkeypatch, capsys):
    """With the survey cached, even a scene that does not need it shows the dimension names."""
    from capsviz.analysis.survey import load_or_run_survey
    from capsviz.app import create_window
    from capsviz.data.mnist import load_shipped_test_set

    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path / "cache"))
    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    window.insight.surveyor.limit = 300
    assert not window.insight.surveyor.cached()
    images, labels = load_shipped_test_set()
    load_or_run_survey(pretrained, images, labels, 300)
    assert window.insight.surveyor.cached()

    assert render_screenshot(window, str(tmp_path / "main.png"), ScreenshotScene(sample=0)) == 0
    assert window.insight.survey is not None
    assert window.insight.survey.labels.names.shape == (10, 16)
    assert "surveying" not in capsys.readouterr().err  # read from the cache: no word of a survey
