"""The capsviz explorer (Qt): ``create_window`` builds it, ``main`` runs the command line.

Both are looked up on first use, so importing one module of the app (a view,
the worker) does not build the whole window module graph with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from capsviz.app.assembly import create_window
    from capsviz.app.window import MainWindow
    from capsviz.cli import main

__all__ = ["MainWindow", "create_window", "main"]


def __getattr__(name: str) -> object:
    if name == "create_window":
        from capsviz.app.assembly import create_window

        return create_window
    if name == "MainWindow":
        from capsviz.app.window import MainWindow

        return MainWindow
    if name == "main":  # the command line, which opens the window unless given a command
        from capsviz.cli import main

        return main
    raise AttributeError(f"module 'capsviz.app' has no attribute {name!r}")
