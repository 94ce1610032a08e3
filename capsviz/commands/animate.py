"""``capsviz animate IMAGE --what routing|sweep|morph --out routing.gif``: an animation for a slide.

Frames are drawn offscreen by the window's own views, so no display is needed.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from capsviz.commands.common import (
    CommandError,
    add_model_options,
    load_model_from_args,
    read_digit,
    report_error,
)
from capsviz.data.images import ImageError
from capsviz.model.capsnet import DIGIT_DIM, MAX_ITERATIONS, N_DIGITS

WHATS = ("routing", "sweep", "morph")


def _reach(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH like -0.25,0.25, got {text!r}") from None
    if not -1.0 <= low < 0.0 < high <= 1.0:
        raise argparse.ArgumentTypeError(f"expected -1 <= LOW < 0 < HIGH <= 1, got {text!r}")
    return low, high


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``animate`` sub-command."""
    parser = subparsers.add_parser(
        "animate",
        help="save routing over the iterations, a slider sweep or a morph as an animated GIF (or MP4)",
        description=(
            "Classify IMAGE and animate it as the window shows it: 'routing' (c_ij and the lengths after "
            "every iteration, one frame each), 'sweep' (one dimension of a digit capsule moved across its "
            "range and back, through the decoder) or 'morph' (IMAGE's winning capsule into --to's). "
            "Writes a GIF, or an MP4 when ffmpeg is installed."
        ),
    )
    parser.add_argument("image", metavar="IMAGE", help="a picture of a digit")
    parser.add_argument("--what", choices=WHATS, default="routing", help="what to animate (default: routing)")
    parser.add_argument("--out", "-o", metavar="FILE", help="the .gif or .mp4 to write (default: WHAT.gif)")
    parser.add_argument("--size", default="800x600", metavar="WxH", help="frame size in pixels (800x600)")
    parser.add_argument("--dim", type=int, default=0, metavar="D", help=f"sweep: dimension 0–{DIGIT_DIM - 1}")
    parser.add_argument("--capsule", type=int, metavar="C", help="sweep: digit capsule (default: the winner)")
    parser.add_argument(
        "--reach", type=_reach, default=(-0.25, 0.25), metavar="LOW,HIGH", help="sweep: range (-0.25,0.25)"
    )
    parser.add_argument("--to", metavar="IMAGE2", help="morph: the picture to morph into")
    parser.add_argument("--steps", type=int, default=21, help="sweep and morph: frames (default: 21)")
    parser.add_argument(
        "--iterations", type=int, metavar="R", help="routing: iterations (default: the model's, 3)"
    )
    parser.add_argument(
        "--tween", type=int, default=0, help="routing: frames morphing each iteration into the next"
    )
    add_model_options(parser)
    parser.set_defaults(handler=run)


def _check(args: argparse.Namespace) -> None:
    if not 0 <= args.dim < DIGIT_DIM:
        raise CommandError(f"--dim {args.dim}: choose 0 to {DIGIT_DIM - 1}")
    if args.capsule is not None and not 0 <= args.capsule < N_DIGITS:
        raise CommandError(f"--capsule {args.capsule}: choose 0 to {N_DIGITS - 1}")
    if not 3 <= args.steps <= 81:
        raise CommandError(f"--steps {args.steps}: choose 3 to 81 frames")
    if not 0 <= args.tween <= 24:
        raise CommandError(f"--tween {args.tween}: choose 0 to 24 frames")
    if args.iterations is not None and not 1 <= args.iterations <= MAX_ITERATIONS:
        raise CommandError(f"--iterations {args.iterations}: choose 1 to {MAX_ITERATIONS}")
    if args.what == "morph" and not args.to:
        raise CommandError("--what morph needs --to IMAGE2, the digit to morph into")


def run(args: argparse.Namespace) -> int:
    """Write the animation; one line on stderr and exit status 1 on any bad input."""
    from capsviz.app.animation_file import AnimationError, check_target, write_film

    try:
        _check(args)
        target = check_target(args.out or f"{args.what}.gif")
        from capsviz.app.animation import parse_size

        size = parse_size(args.size)
        image = read_digit(args.image)
        other = read_digit(args.to) if args.what == "morph" else None
        model = load_model_from_args(args)
        film = _render(args, model, image, other, size)
        written = write_film(film, target)
    except (ImageError, CommandError, AnimationError, ValueError) as exc:
        report_error(str(exc))
        return 1
    seconds = sum(film.durations_ms) / 1000
    print(f"{written}: {len(film.frames)} frames, {seconds:.1f} s, {size[0]}×{size[1]} px")
    return 0


def _render(args: argparse.Namespace, model: object, image: object, other: object, size: tuple[int, int]):
    """Start Qt offscreen (frames are grabbed, never shown) and draw the film."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from capsviz.analysis.live import run_network
    from capsviz.analysis.morph import morph
    from capsviz.app import theme
    from capsviz.app.animation import morph_film, routing_film, sweep_film

    app = QApplication.instance() or QApplication(["capsviz"])
    theme.apply_theme(app)
    name = Path(args.image).name
    outputs = run_network(model, image, args.iterations or model.iterations)
    if args.what == "routing":
        return routing_film(outputs, image, size, args.tween, f"{name}: read as {outputs.prediction}")
    if args.what == "sweep":
        capsule = outputs.prediction if args.capsule is None else args.capsule
        return sweep_film(model, outputs, image, capsule, args.dim, args.reach, size, steps=args.steps)
    result = morph(model, image, other, args.steps)
    a, b = result.digits
    return morph_film(result, size, f"{name} ({a}) → {Path(args.to).name} ({b})")
