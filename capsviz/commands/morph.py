"""``capsviz morph A.png B.png --out strip.png``: what lies between two digits, through their capsules."""

from __future__ import annotations

import argparse
from pathlib import Path

from capsviz.analysis.morph import STEPS, morph, render_strip
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


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``morph`` sub-command."""
    parser = subparsers.add_parser(
        "morph",
        help="morph one digit into another through their winning capsules and save the strip as PNG",
        description=(
            "Classify A and B, interpolate their winning capsules (the pose, for one class; the mass from "
            "one capsule to the other, for two), decode every step, feed it back into the network and save "
            "the captioned strip as a PNG."
        ),
    )
    parser.add_argument("first", metavar="A", help="a picture of the first digit")
    parser.add_argument("second", metavar="B", help="a picture of the second digit")
    parser.add_argument("--out", "-o", metavar="FILE", default="morph.png", help="PNG to write")
    parser.add_argument("--steps", type=int, default=STEPS, help=f"frames, A to B (default: {STEPS})")
    add_model_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the strip; one line on stderr and exit status 1 on any bad input."""
    try:
        out = png_path(args.out, "the strip")
        if not 2 <= args.steps <= 41:
            raise CommandError(f"--steps {args.steps}: choose 2 to 41 frames")
        first, second = read_digit(args.first), read_digit(args.second)
        model = load_model_from_args(args)
        result = morph(model, first, second, args.steps)
        a, b = result.digits
        how = "the pose moves" if result.same_class else f"capsule {a} hands its mass to capsule {b}"
        title = f"{Path(args.first).name} ({a}) → {Path(args.second).name} ({b}): {how}"
        write_png(render_strip(result, title=title), out)
    except (ImageError, CommandError) as exc:
        report_error(str(exc))
        return 1
    reads = " ".join(str(int(p)) for p in result.predictions)
    print(f"{out}: {len(result.t)} frames from {a} to {b}; the network reads {reads}")
    return 0
