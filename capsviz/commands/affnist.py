"""``capsviz affnist``: the paper's affNIST test, on an affNIST-like set built from the MNIST test digits."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from capsviz.analysis.affnist import (
    PAPER,
    RANGES,
    SEVERITIES,
    AffnistResult,
    affine_test_set,
    cached_measure,
    expanded_test_set,
)
from capsviz.commands.common import (
    CommandError,
    create_parent_folder,
    measure_with_bar,
    png_path,
    report_error,
    save_view_png,
    shipped_test_digits,
)
from capsviz.data.translated import CANVAS_SIZE
from capsviz.model.baseline import load_baseline
from capsviz.model.device import DEVICE_CHOICES, DeviceError, resolve_device
from capsviz.model.pretrained import load_pretrained
from capsviz.model.weights import WeightsError

EXAMPLE_COLUMNS = 12
EXAMPLE_ZOOM = 3
GAP_GREY = 0.3  # a thin grey line around each 40×40 tile, so the canvases' edges show


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "affnist",
        help="the paper's affNIST test: 40×40 CapsNet and CNN on affine-transformed test digits",
        description=(
            "Measure the CapsNet and the CNN trained on MNIST placed at random on 40×40 on the expanded "
            "MNIST test set (the test digits placed at random) and on an affNIST-like set built here: each "
            f"test digit rotated by up to ±{RANGES['rotation']:g}°, scaled by 1±{RANGES['scale']:g} and "
            f"sheared by up to ±{RANGES['shear']:g}, times a severity from {SEVERITIES[0]:g} to "
            f"{SEVERITIES[-1]:g}, then placed at random. Cached per pair of weights."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--limit", type=int, metavar="N", help="the first N test digits only (default: all)")
    parser.add_argument("--weights", metavar="FILE", help="40×40 CapsNet weights (default: shipped)")
    parser.add_argument("--cnn-weights", metavar="FILE", help="40×40 CNN weights (default: shipped)")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto", help="where the networks run")
    parser.add_argument("--out", metavar="PLOT.png", help="also draw the sweep as a chart into this PNG")
    parser.add_argument(
        "--examples", metavar="PICTURE.png", help="also draw test digits as placed and as affNIST-like"
    )
    parser.set_defaults(handler=run)


def load_models(args: argparse.Namespace) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The two 40×40 models the options name (by default the shipped ones), or a one-line error."""
    try:
        device = resolve_device(args.device)
        capsnet = load_pretrained(device=device, weights=args.weights, kind="translated")
        cnn = load_baseline(device=device, weights=args.cnn_weights, kind="translated")
    except (WeightsError, DeviceError) as exc:
        raise CommandError(str(exc)) from None
    for what, model, option in (("CapsNet", capsnet, "--weights"), ("CNN", cnn, "--cnn-weights")):
        if model.input_size != CANVAS_SIZE:
            side = model.input_size
            raise CommandError(
                f"{option}: this {what} reads {side}×{side} images; the affNIST test needs one trained "
                "with --dataset translated (40×40)"
            )
    return capsnet, cnn


def table(result: AffnistResult) -> str:
    """The measured numbers beside the paper's, then the severity sweep."""
    (caps_x, cnn_x), (caps_a, cnn_a) = result.expanded, result.headline

    def pct(value: float) -> str:
        return f"{100 * value:.2f} %"

    def whole(value: float) -> str:
        return f"{100 * value:.0f} %"

    lines = [
        f"accuracy on {result.digits} test digits        CapsNet     CNN   (paper: CapsNet, CNN)",
        f"expanded MNIST (placed at random)  {pct(caps_x):>9} {pct(cnn_x):>9}   "
        f"({pct(PAPER['expanded'][0])}, {pct(PAPER['expanded'][1])})",
        f"affNIST-like, severity 1           {pct(caps_a):>9} {pct(cnn_a):>9}   "
        f"(affNIST: {whole(PAPER['affnist'][0])}, {whole(PAPER['affnist'][1])})",
    ]
    matched = result.where_capsnet_reads(PAPER["affnist"][0])
    if matched is not None:
        severity, cnn = matched
        lines.append(
            f"where the CapsNet reads {whole(PAPER['affnist'][0])} (severity {severity:.2f}), "
            f"the CNN reads {pct(cnn)}   (on affNIST: {whole(PAPER['affnist'][1])})"
        )
    lines += [
        "",
        "severity  " + "  ".join(f"{s:>5g}" for s in result.severities),
        "CapsNet   " + "  ".join(f"{100 * a:5.1f}" for a in result.capsnet),
        "CNN       " + "  ".join(f"{100 * a:5.1f}" for a in result.cnn),
    ]
    return "\n".join(lines)


def write_examples(digits: np.ndarray, path: str) -> None:
    """Three rows: test digits as placed for the expanded test set, affNIST-like at severity 1, at 2."""
    out = png_path(path, "the examples")
    create_parent_folder(out)
    chosen = digits[:EXAMPLE_COLUMNS]
    rows = [
        expanded_test_set(chosen),
        affine_test_set(chosen, 1.0),
        affine_test_set(chosen, 2.0),
    ]
    tiles = np.pad(np.stack(rows), ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=GAP_GREY)
    strip = np.concatenate([np.concatenate(list(row), axis=1) for row in tiles], axis=0)
    picture = Image.fromarray((strip * 255).round().astype(np.uint8))
    picture = picture.resize((picture.width * EXAMPLE_ZOOM, picture.height * EXAMPLE_ZOOM), Image.NEAREST)
    picture.save(out)
    print(f"wrote {out}", file=sys.stderr)


def draw(result: AffnistResult, path: Path) -> None:
    """The sweep as the chart of :class:`~capsviz.app.insight.affnist_view.AffnistView`, headless."""

    def build():
        from capsviz.app.insight.affnist_view import AffnistView

        view = AffnistView()
        view.show_result(result)
        return view

    save_view_png(build, (900, 560), path)


def run(args: argparse.Namespace) -> int:
    try:
        digits, labels = shipped_test_digits(args.limit)
        out = png_path(args.out, "the chart") if args.out else None
        if out is not None:
            create_parent_folder(out)
        capsnet, cnn = load_models(args)
        if args.examples:
            write_examples(digits, args.examples)
        total = 1 + len(SEVERITIES)
        measurement = functools.partial(cached_measure, capsnet, cnn, digits, labels)
        result = measure_with_bar(total, len(digits), "set", measurement)
        print(json.dumps(result.as_json(), indent=2) if args.json else table(result))
        if out is not None:
            draw(result, out)
            print(f"wrote {out}", file=sys.stderr)
    except CommandError as exc:
        report_error(str(exc))
        return 1
    return 0
