"""The capsviz explorer (Qt): ``create_window`` builds it, ``main`` runs the command line."""

from __future__ import annotations

from capsviz.app.qt_compat import protect_booleans

protect_booleans()

from capsviz.app.launch import main  # noqa: E402 - after the guard, which must run first
from capsviz.app.window import MainWindow, create_window  # noqa: E402

__all__ = ["MainWindow", "create_window", "main"]
