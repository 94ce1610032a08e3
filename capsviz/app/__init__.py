"""The capsviz explorer (Qt): ``create_window`` builds it, ``main`` runs the command line."""

from __future__ import annotations

from capsviz.app.launch import main
from capsviz.app.window import MainWindow, create_window

__all__ = ["MainWindow", "create_window", "main"]
