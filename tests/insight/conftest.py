"""Fixtures for the insight panel tests: a routed test digit and helpers to click on plots."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt


@pytest.fixture(scope="session")
def digit_image(mnist_test) -> np.ndarray:
    """Test digit #0 (a 7) as float in [0, 1]."""
    return mnist_test[0][0].astype(np.float32) / 255.0


@pytest.fixture(scope="session")
def routed_digit(pretrained, digit_image):
    from capsviz.analysis.inference import infer

    return infer(pretrained, digit_image)


@pytest.fixture
def click_plot(qtbot):
    """Click at data coordinates ``(x, y)`` of a pyqtgraph plot inside a GraphicsView."""

    def click(view, plot, x: float, y: float) -> None:
        scene_point = plot.vb.mapViewToScene(QPointF(x, y))
        point = view.mapFromScene(scene_point)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)

    return click


@pytest.fixture
def shown(qtbot):
    """Add a widget to qtbot, give it a size and wait until it is on screen."""

    def show(widget, size=(900, 560)):
        qtbot.addWidget(widget)
        widget.resize(*size)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return show


@pytest.fixture
def two_digit_window(qtbot, pretrained, tmp_path, monkeypatch):
    """The whole window with a seeded 36×36 model standing in for the shipped two-digit one."""
    import torch

    import capsviz.app.assembly as assembly
    from capsviz.model.capsnet import CapsNet

    torch.manual_seed(2)
    two = CapsNet(input_size=36).eval()
    shipped = assembly.load_pretrained

    def load(**kwargs):
        return two if kwargs.get("kind") == "multimnist" else shipped(**kwargs)

    monkeypatch.setattr(assembly, "load_pretrained", load)
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    window = assembly.create_window(model=pretrained)
    qtbot.addWidget(window)
    window.two_digit_model = two
    return window
