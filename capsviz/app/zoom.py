"""The zoom steps of View → Zoom and ``--zoom``: Qt-free, so the command line checks them before Qt."""

from __future__ import annotations

ZOOMS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)  # font scale; 1 is the window as designed
