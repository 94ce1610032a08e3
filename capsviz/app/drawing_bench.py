"""How well capsviz reads drawings of every size and brush, measured on the real canvas.

MNIST test digits are turned back into pen strokes (their skeletons), then
replayed with real mouse events on the app's own canvas at 15, 30, 60 and 90 %
of its size, with the smallest, the default and the largest brush, each at a
random place, slant and with a shaky hand. The canvas's picture and strokes
then take exactly the path the live view takes to the network. Pictures of
digits on synthetic paper (lines, squares, uneven light, noise) are read from
the same digits too.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from capsviz.analysis.live import CANVAS_PIXELS, bin_canvas, bin_strokes
from capsviz.app.views.canvas import DEFAULT_BRUSH, MAX_BRUSH, MIN_BRUSH, DrawingCanvas
from capsviz.data.paper import PAPERS, photo_of
from capsviz.data.preprocess import preprocess_stages
from capsviz.data.skeleton import digit_strokes
from capsviz.data.strokes import Stroke, render_strokes
from capsviz.model.capsnet import CapsNet

SIZES = (0.15, 0.30, 0.60, 0.90)  # the digit's height as a fraction of the canvas
BRUSHES = (MIN_BRUSH, DEFAULT_BRUSH, MAX_BRUSH)
MAX_SLANT = 0.3  # horizontal shear, ±17°
JITTER = 0.012  # a shaky hand: point noise, as a fraction of the digit's size
STEP_PX = 6.0  # mouse moves at most this far between events, as a 60 Hz mouse does at a steady hand


@dataclass(frozen=True)
class Cell:
    """Accuracy of one size × brush cell, with and without MNIST's stroke width."""

    size: float
    brush: int
    digits: int
    accuracy: float
    raw_accuracy: float


def place_strokes(
    strokes: list[np.ndarray], size: float, rng: np.random.Generator, brush: float
) -> list[np.ndarray]:
    """Digit strokes (28 px coordinates) scaled to ``size`` of the canvas, slanted, shaken, placed.

    The strokes stay whole on the canvas, as a hand keeps them: a slanted digit
    that would be wider than the canvas is drawn a little smaller, and where the
    brush's ink cannot fit beside a large digit it runs off the edge (the canvas
    cuts it), but the pen never leaves the canvas.
    """
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    centre, extent = (low + high) / 2, max(float((high - low).max()), 1.0)
    scale = size * CANVAS_PIXELS / extent
    slant = rng.uniform(-MAX_SLANT, MAX_SLANT)
    placed = []
    for stroke in strokes:
        xy = (stroke - centre) * scale
        xy[:, 0] += slant * xy[:, 1]
        xy += rng.normal(0.0, JITTER * size * CANVAS_PIXELS, xy.shape)
        placed.append(xy)
    every = np.concatenate(placed)
    low, high = every.min(axis=0), every.max(axis=0)
    last = CANVAS_PIXELS - 1.0
    fit = min(1.0, (last - 2.0) / max(float((high - low).max()), 1.0))  # a pixel clear of each edge
    placed = [low + (xy - low) * fit for xy in placed]
    high = low + (high - low) * fit
    margin = np.minimum(brush / 2 + 1, (last - (high - low)) / 2)
    low, high = low - margin, high + margin
    room = np.maximum(last - (high - low), 0.0)
    shift = -low + rng.uniform(0.0, 1.0, 2) * room
    return [np.clip(xy + shift, 0.0, last) for xy in placed]


def _point(canvas: DrawingCanvas, xy: np.ndarray) -> QPoint:
    side = min(canvas.width(), canvas.height())
    factor = side / CANVAS_PIXELS
    left, top = (canvas.width() - side) // 2, (canvas.height() - side) // 2
    return QPoint(left + round(float(xy[0]) * factor), top + round(float(xy[1]) * factor))


def replay(canvas: DrawingCanvas, strokes: list[np.ndarray], brush: int) -> None:
    """Draw ``strokes`` (canvas pixels) on a cleared canvas with mouse press, moves and release."""
    canvas.clear()
    canvas.set_brush_width(brush)
    keys = Qt.KeyboardModifier.NoModifier
    for stroke in strokes:
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, keys, _point(canvas, stroke[0]))
        for start, end in itertools.pairwise(stroke):
            steps = max(1, int(np.ceil(np.linalg.norm(end - start) / STEP_PX)))
            for t in np.linspace(0.0, 1.0, steps + 1)[1:]:
                QTest.mouseMove(canvas, _point(canvas, start + t * (end - start)))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, keys, _point(canvas, stroke[-1]))


def canvas_inputs(canvas: DrawingCanvas) -> tuple[np.ndarray, np.ndarray]:
    """The network's input for the drawing on the canvas, with and without MNIST's stroke width."""
    pixels = bin_canvas(canvas.pixels())
    strokes = bin_strokes(canvas.strokes())
    return (
        preprocess_stages(pixels, strokes).image,
        preprocess_stages(pixels, strokes, normalise_width=False).image,
    )


def drawn_straight(strokes: list[np.ndarray]) -> np.ndarray:
    """The network's input for ``strokes`` drawn straight at MNIST's width: no canvas, slant or shake.

    What the strokes alone carry of the digit; the cells' accuracy below it is
    what size, brush, placement, a shaky hand and the canvas cost.
    """
    rendered = render_strokes([Stroke(points, 1.0) for points in strokes])
    return preprocess_stages(rendered.ink, normalise_width=False).image


@torch.no_grad()
def predictions(model: CapsNet, images: list[np.ndarray]) -> np.ndarray:
    batch = torch.from_numpy(np.stack(images).astype(np.float32))[:, None].to(model.device)
    return model(batch).lengths.argmax(dim=1).cpu().numpy()


def run_drawing_bench(
    model: CapsNet,
    images: np.ndarray,
    labels: np.ndarray,
    count: int = 100,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Accuracy per size × brush cell on the first ``count`` test digits, and on the digits as stored."""
    if QApplication.instance() is None:
        raise RuntimeError("the drawing benchmark needs a QApplication (it draws on the real canvas)")
    rng = np.random.default_rng(seed)
    digits, truth = images[:count], np.asarray(labels[:count])
    strokes = [digit_strokes(digit) for digit in digits]
    canvas = DrawingCanvas()
    canvas.resize(CANVAS_PIXELS, CANVAS_PIXELS)
    canvas.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    canvas.show()
    started, cells = time.perf_counter(), []
    total, done = (len(SIZES) * len(BRUSHES) + len(PAPERS)) * len(digits), 0
    for size in SIZES:
        for brush in BRUSHES:
            normalised, raw = [], []
            for digit in strokes:
                replay(canvas, place_strokes(digit, size, rng, brush), brush)
                with_width, as_drawn = canvas_inputs(canvas)
                normalised.append(with_width)
                raw.append(as_drawn)
                done += 1
                if progress is not None:
                    progress(done, total)
            cells.append(
                Cell(
                    size,
                    brush,
                    len(digits),
                    float((predictions(model, normalised) == truth).mean()),
                    float((predictions(model, raw) == truth).mean()),
                )
            )
    canvas.close()
    stored = float((predictions(model, list(digits.astype(np.float32) / 255)) == truth).mean())
    straight = float((predictions(model, [drawn_straight(digit) for digit in strokes]) == truth).mean())
    photos = {}
    for kind in PAPERS:
        inputs = []
        for digit in digits:
            inputs.append(preprocess_stages(photo_of(digit, rng, kind)).image)
            done += 1
            if progress is not None:
                progress(done, total)
        photos[kind] = float((predictions(model, inputs) == truth).mean())
    return {
        "digits": len(digits),
        "mnist_accuracy": stored,
        "strokes_accuracy": straight,
        "cells": [asdict(cell) for cell in cells],
        "photos": photos,
        "seconds": round(time.perf_counter() - started, 1),
    }


def format_drawing_report(report: dict, markdown: bool = False) -> str:
    """The cells as a size × brush table of accuracies (as drawn in brackets)."""
    brushes = sorted({cell["brush"] for cell in report["cells"]})
    sizes = sorted({cell["size"] for cell in report["cells"]})
    by_key = {(cell["size"], cell["brush"]): cell for cell in report["cells"]}
    header = ["size of canvas", *[f"brush {b} px" for b in brushes]]
    rows = [
        [
            f"{size:.0%}",
            *[f"{by_key[size, b]['accuracy']:.1%} ({by_key[size, b]['raw_accuracy']:.1%})" for b in brushes],
        ]
        for size in sizes
    ]
    title = (
        f"Drawings of the first {report['digits']} MNIST test digits, replayed on the canvas: accuracy with "
        f"MNIST's stroke width (as drawn); the same digits as stored: {report['mnist_accuracy']:.1%}, "
        f"their strokes drawn straight into 28×28: {report['strokes_accuracy']:.1%}"
    )
    photos = ", ".join(f"{kind} {accuracy:.1%}" for kind, accuracy in report["photos"].items())
    footer = f"Photos of the same digits on synthetic paper: {photos}"
    if markdown:
        lines = [title, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join([*lines, "", footer])
    widths = [max(len(str(r[k])) for r in [header, *rows]) for k in range(len(header))]
    lines = [title, ""]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in [header, *rows]]
    return "\n".join([*lines, "", footer])
