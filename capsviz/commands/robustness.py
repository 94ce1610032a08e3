"""``capsviz robustness``: CapsNet vs CNN accuracy against transform magnitude on the shipped test set."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

from capsviz.analysis.robustness import LEVELS, Curve, as_json, cached_robustness
from capsviz.commands.common import (
    CommandError,
    add_model_options,
    create_parent_folder,
    load_model_from_args,
    measure_with_bar,
    png_path,
    report_error,
    save_view_png,
    shipped_test_digits,
)
from capsviz.model.baseline import load_baseline
from capsviz.model.weights import WeightsError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "robustness",
        help="CapsNet vs CNN accuracy as the test digits are rotated, scaled, sheared, shifted",
        description=(
            "Measure the CapsNet's and the CNN baseline's accuracy on the shipped MNIST test digits under "
            f"growing transforms ({', '.join(LEVELS)}); cached per pair of weights. Prints a table, "
            "or JSON with --json; --out writes the charts as PNG."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the curves as JSON")
    parser.add_argument("--out", metavar="PLOT.png", help="also draw the charts into this PNG")
    parser.add_argument("--limit", type=int, metavar="N", help="the first N test digits only (default: all)")
    parser.add_argument("--cnn-weights", metavar="FILE", help="CNN baseline weights (default: shipped)")
    add_model_options(parser)
    parser.set_defaults(handler=run)


def table(curves: dict[str, Curve]) -> str:
    """One line per transform: each level with both accuracies."""
    lines = []
    for kind, curve in curves.items():
        cells = "  ".join(
            f"{level:g}: {a * 100:.1f}/{b * 100:.1f}"
            for level, a, b in zip(curve.levels, curve.capsnet, curve.cnn, strict=True)
        )
        lines.append(f"{kind:>8}  {cells}")
    return "accuracy in %, CapsNet/CNN, at each level\n" + "\n".join(lines)


def draw(curves: dict[str, Curve], digits: int, path: Path) -> None:
    """The charts of the Robustness view, rendered headless into ``path``."""

    def build():
        from capsviz.app.insight.robustness_view import RobustnessView

        view = RobustnessView()
        view.show_curves(curves, digits)
        return view

    save_view_png(build, (1200, 700), path)


def run(args: argparse.Namespace) -> int:
    try:
        images, labels = shipped_test_digits(args.limit)
        out = png_path(args.out, "the charts") if args.out else None
        if out is not None:
            create_parent_folder(out)
        capsnet = load_model_from_args(args)
        try:
            cnn = load_baseline(device=capsnet.device, weights=args.cnn_weights)
        except WeightsError as exc:
            raise CommandError(str(exc)) from None
        total = sum(len(levels) for levels in LEVELS.values())
        measurement = functools.partial(cached_robustness, capsnet, cnn, images, labels)
        curves = measure_with_bar(total, len(images), "level", measurement)
        print(json.dumps(as_json(curves), indent=2) if args.json else table(curves))
        if out is not None:
            draw(curves, len(images), out)
            print(f"wrote {out}", file=sys.stderr)
    except CommandError as exc:
        report_error(str(exc))
        return 1
    return 0
