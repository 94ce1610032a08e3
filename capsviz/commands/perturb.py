"""``capsviz perturb IMAGE --out grid.png``: the paper's Figure-4 grid for an image's capsule."""

from __future__ import annotations

import argparse
from pathlib import Path

from capsviz.analysis.autolabel import load_or_compute_labels
from capsviz.analysis.figure4 import figure4, render_figure4
from capsviz.analysis.inference import infer
from capsviz.analysis.survey import load_or_run_survey
from capsviz.commands.common import (
    CommandError,
    add_model_options,
    load_model_from_args,
    png_path,
    read_digit,
    report_error,
    write_png,
)
from capsviz.data.images import ImageError
from capsviz.data.mnist import load_shipped_test_set
from capsviz.model.capsnet import DIGIT_DIM, CapsNet

LABEL_SURVEY = 1000  # test digits behind --labels (cached after the first run)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``perturb`` sub-command."""
    parser = subparsers.add_parser(
        "perturb",
        help="write the Figure-4 grid (16 dimensions × 11 offsets) for an image's winning capsule",
        description=(
            "Classify IMAGE, then decode its winning capsule with each of the 16 dimensions moved "
            "by -0.25 ... +0.25 (the paper's Figure 4) and save the labelled grid as a PNG."
        ),
    )
    parser.add_argument("image", metavar="IMAGE", help="a picture of a digit (PNG, JPEG, ...)")
    parser.add_argument(
        "--out", "-o", metavar="FILE", default="grid.png", help="PNG to write (default: grid.png)"
    )
    parser.add_argument(
        "--digit", type=int, choices=range(10), metavar="D", help="capsule to sweep (default: winner)"
    )
    parser.add_argument(
        "--labels",
        action="store_true",
        help=f"name each dimension (e.g. '≈ slant'); surveys {LABEL_SURVEY} test digits once, then cached",
    )
    add_model_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the grid; one line on stderr and exit status 1 on any bad input."""
    try:
        out = png_path(args.out, "the grid")
        image = read_digit(args.image)
        model = load_model_from_args(args)
        _, output = infer(model, image)
        lengths = output.lengths[0].cpu().numpy()
        digit = int(lengths.argmax()) if args.digit is None else args.digit
        grid = figure4(model, output.poses[0, digit].cpu().numpy(), digit)
        labels = _labels(model, digit) if args.labels else None
        title = f"{Path(args.image).name}: capsule {digit} (length {lengths[digit]:.2f}), dimensions ±0.25"
        write_png(render_figure4(grid, labels, title), out)
    except (ImageError, CommandError) as exc:
        report_error(str(exc))
        return 1
    print(f"{out}: capsule {digit}, 16 dimensions × {len(grid.offsets)} offsets")
    return 0


def _labels(model: CapsNet, digit: int) -> list[str]:
    """Auto-labels of the capsule's 16 dimensions, from a cached survey of the shipped test set."""
    images, labels = load_shipped_test_set()
    survey = load_or_run_survey(model, images, labels, LABEL_SURVEY)
    names = load_or_compute_labels(model, survey)
    return [names.label(digit, d) for d in range(DIGIT_DIM)]
