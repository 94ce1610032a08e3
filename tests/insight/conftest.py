"""Fixtures for the insight panel tests: a routed test digit and helpers to click on plots."""

from __future__ import annotations

import ctypes
import sys

import numpy as np
import PySide6
import pytest
from PySide6.QtCore import QPointF, Qt

# PySide6 6.12.0 on Python < 3.12 releases one reference to None on every call of a
# C++ method that returns void (``QObject().setObjectName("x")`` is enough to see it),
# and likewise to True/False, and the interpreter aborts ("deallocating None") once
# such a count reaches zero. Plot-heavy widget tests make tens of thousands of these
# calls, so the test session raises those counts once, for good (ob_refcnt is the
# first field of every object). Python 3.12+ is immune: the singletons are immortal.
if PySide6.__version__ == "6.12.0" and sys.version_info < (3, 12):
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 30


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
