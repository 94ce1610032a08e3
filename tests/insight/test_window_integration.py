"""The insight panels inside the real main window follow the app and steer it."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTabWidget

from capsviz.analysis.inference import infer
from capsviz.analysis.where import where_analysis
from capsviz.app.panel_ids import PANEL_TITLES


def test_main_window_feeds_and_follows_the_panels(qtbot, pretrained, tmp_path, monkeypatch):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    from capsviz.app import create_window

    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    tabs = window.findChild(QTabWidget, "insightTabs")
    titles = [tabs.tabText(k).replace("&&", "&") for k in range(tabs.count())]
    assert titles == list(PANEL_TITLES.values())
    for panel_id, title in PANEL_TITLES.items():  # every id --screenshot --panel accepts has its tab
        assert window.show_panel(panel_id) and titles[tabs.currentIndex()] == title
    insight = window.insight
    window.controller.show_sample(0)
    qtbot.waitUntil(lambda: window.state.outputs is not None, timeout=30_000)
    tabs.setCurrentIndex(titles.index("Where"))
    qtbot.waitUntil(lambda: insight.where.grid_item.image is not None, timeout=30_000)
    expected = where_analysis(infer(pretrained, window.state.input_image)[0])
    shown_iteration = insight.where.iteration_slider.value()
    np.testing.assert_allclose(
        insight.where.grid_item.image, expected.grid("coupling", shown_iteration, 7), atol=1e-6
    )
    insight.where.digit_box.setCurrentIndex(3)
    qtbot.waitUntil(lambda: window.state.selected_capsule == 3, timeout=5_000)
    window.close()


def test_panels_reuse_the_live_routing_instead_of_routing_again(qtbot, pretrained, tmp_path, monkeypatch):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    calls = []
    import capsviz.app.insight.panels as panels

    real_infer = panels.infer
    monkeypatch.setattr(panels, "infer", lambda *args: calls.append(args) or real_infer(*args))
    from capsviz.app import create_window

    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    tabs = window.findChild(QTabWidget, "insightTabs")
    tabs.setCurrentIndex([tabs.tabText(k) for k in range(tabs.count())].index("Where"))
    window.controller.show_sample(0)
    qtbot.waitUntil(lambda: window.insight.where.grid_item.image is not None, timeout=30_000)
    assert window.insight.trace is window.state.outputs.trace
    assert calls == []
    window.close()


def test_keep_takes_the_input_on_screen_at_once(qtbot, pretrained, tmp_path, monkeypatch):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    from capsviz.app import create_window

    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    window.controller.show_sample(1)  # a 2
    qtbot.waitUntil(lambda: window.state.sample is not None and window.state.sample.index == 1, timeout=30000)
    entry = window.insight.keep_current()  # at once: the panels wait for a pause in drawing
    assert entry is not None and int(entry.lengths.argmax()) == 2
    window.close()


def test_a_kept_test_digit_remembers_where_it_came_from(qtbot, pretrained, mnist_test, tmp_path):
    from capsviz.analysis.export import load_state
    from capsviz.app import create_window

    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    window.controller.show_sample(3)
    shown = lambda: window.state.sample is not None and window.state.sample.index == 3  # noqa: E731
    qtbot.waitUntil(shown, timeout=30_000)
    entry = window.insight.keep_current()
    label = int(mnist_test[1][3])
    assert entry is not None and entry.source == f"MNIST test #3 (a {label})"
    exported = load_state(window.insight.export_json(tmp_path / "three.json"))
    assert exported.metadata == {"source": f"MNIST test #3 (a {label})"}
    window.close()
