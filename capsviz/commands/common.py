"""What the commands share: --weights and --device, reading a digit, writing a PNG, one-line errors."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from PIL import Image
from tqdm import tqdm

from capsviz.data.images import load_image
from capsviz.data.mnist import load_shipped_test_set
from capsviz.data.preprocess import preprocess_stages
from capsviz.model.capsnet import IMAGE_SIZE, CapsNet
from capsviz.model.device import DEVICE_CHOICES, DeviceError
from capsviz.model.pretrained import load_pretrained, require_input_size
from capsviz.model.weights import WeightsError, atomic_write_bytes

T = TypeVar("T")


class CommandError(Exception):
    """A failure to report as one line on stderr with a non-zero exit status."""


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--weights FILE`` and ``--device {auto,cpu,cuda,mps}``."""
    parser.add_argument("--weights", metavar="FILE", help="weights file (default: the shipped model)")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto", help="where the network runs")


def load_model_from_args(args: argparse.Namespace, kind: str = "mnist") -> CapsNet:
    """The model the options ask for (by default the shipped one of ``kind``), or a one-line error.

    A weights file for the other kind (a 36×36 MultiMNIST model where one digit
    is read, or the reverse) is refused here, with what to use instead.
    """
    try:
        model = load_pretrained(device=args.device, weights=args.weights, kind=kind)
    except (WeightsError, DeviceError) as exc:
        raise CommandError(str(exc)) from None
    wanted, purpose = (36, "--two") if kind == "multimnist" else (IMAGE_SIZE, "this command")
    if model.input_size != wanted:
        try:
            require_input_size(model, wanted, Path(args.weights).name, purpose)
        except WeightsError as exc:
            hint = "; use predict --two" if model.input_size == 36 else ""
            raise CommandError(f"{exc}{hint}") from None
    return model


def shipped_test_digits(limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The shipped MNIST test digits and labels, the first ``limit`` of them (``--limit``; None: all)."""
    if limit is not None and limit < 1:
        raise CommandError(f"--limit {limit}: give at least 1 test digit")
    images, labels = load_shipped_test_set()
    return images[:limit], labels[:limit]


def measure_with_bar(
    total: int,
    digits: int,
    unit: str,
    measure: Callable[[Callable[[int, int], None]], tuple[T, bool]],
) -> T:
    """Run a cached measurement on ``digits`` test digits under a progress bar of ``total`` ``unit`` steps.

    ``measure(progress)`` returns the result and whether it came from the
    cache; a cached result fills the bar at once, so the bar always ends full.
    """
    with tqdm(total=total, desc=f"measuring on {digits} test digits", unit=unit, file=sys.stderr) as bar:
        result, cached = measure(lambda _done, _total: bar.update(1))
        if cached:
            bar.update(total - bar.n)
    return result


def save_view_png(build: Callable[[], object], size: tuple[int, int], path: Path) -> None:
    """Build a view (a QWidget, after the app and its theme exist), render it headless into ``path``.

    Qt is imported only here, so the commands that draw no chart start fast.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from capsviz.app import theme

    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app)
    view = build()
    view.resize(*size)
    view.show()
    app.processEvents()
    saved = view.grab().save(str(path), "PNG")
    view.close()
    if not saved:
        raise CommandError(f"could not write {path}")


def report_error(message: str) -> None:
    """Print ``capsviz: error: …`` on stderr, the way argparse does."""
    print(f"capsviz: error: {message}", file=sys.stderr)


def create_parent_folder(path: Path) -> None:
    """Create the folder an output file goes into, and say so: a mistyped ``--out`` shows at once."""
    folder = Path(path).parent
    if not folder.exists():
        folder.mkdir(parents=True)
        print(f"created folder {folder}", file=sys.stderr)


def read_digit(path: str) -> np.ndarray:
    """The network's ``[28, 28]`` input for the picture at ``path`` (raises ImageError, or CommandError
    when it holds no ink)."""
    stages = preprocess_stages(load_image(path))
    if stages.empty:
        raise CommandError(f"{path}: no digit found (the image has no ink)")
    return stages.image


def write_png(picture: Image.Image, out: Path) -> None:
    """Save ``picture`` as ``out`` atomically (its folder created if needed), or a one-line error."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    try:
        create_parent_folder(out)
        atomic_write_bytes(out, buffer.getvalue())
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None


def png_path(text: str, what: str) -> Path:
    """``--out`` as a path, refused in one line unless it names a PNG (``what`` is written)."""
    out = Path(text)
    if out.suffix.lower() != ".png":
        raise CommandError(f"--out {out}: {what} is written as PNG, name the file *.png")
    return out
