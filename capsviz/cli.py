"""The ``capsviz`` command: opens the explorer, or runs a sub-command.

Each sub-command lives in ``capsviz/commands/<name>.py`` and exposes
``register(subparsers)`` and ``run(args) -> int``. The window and Qt are only
imported when the app itself is asked for, so ``capsviz predict`` starts fast
and works on machines without a display.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from capsviz import __version__
from capsviz.app.panel_ids import PANEL_IDS, ROUTING_PANEL
from capsviz.app.scene import SCREENSHOT_SAMPLE, ScreenshotScene
from capsviz.app.session_file import SessionError, read_session
from capsviz.app.zoom import ZOOMS
from capsviz.commands import affnist, animate, morph, perturb, predict, robustness
from capsviz.commands.common import CommandError, report_error
from capsviz.model.device import DEVICE_CHOICES, DeviceError, resolve_device
from capsviz.qt_platform import needs_offscreen, window_problem


def _indices(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 3,5,8, got {text!r}") from None


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.05 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction of the canvas from 0.05 to 1, got {text!r}")
    return value


def _zoom(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not ZOOMS[0] <= value <= ZOOMS[-1]:
        raise argparse.ArgumentTypeError(f"expected a zoom from {ZOOMS[0]} to {ZOOMS[-1]}, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="capsviz",
        description=(
            "Look inside a Capsule Network: draw a digit, watch routing by agreement, "
            "steer the winning capsule through the decoder. Without a command, opens the explorer."
        ),
        epilog="Run 'capsviz COMMAND --help' for the options of a command.",
    )
    parser.add_argument(
        "--weights", dest="app_weights", metavar="FILE", help="weights file (default: shipped)"
    )
    parser.add_argument(
        "--device", dest="app_device", choices=DEVICE_CHOICES, default="auto", help="where the network runs"
    )
    parser.add_argument(
        "--zoom",
        type=_zoom,
        default=1.0,
        metavar="F",
        help="scale every font of the window (0.8–2, e.g. 1.5 for a projector; View → Zoom in the window)",
    )
    parser.add_argument(
        "--session",
        metavar="FILE",
        help="open a saved session (.capsviz): its input, capsule, sliders, routing step and tab; "
        "with --screenshot, render it instead of the scene options below",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        help="render the window headless with a sample digit, save it as PNG and exit",
    )
    shot = parser.add_argument_group("screenshot scene (with --screenshot)")
    shot.add_argument("--sample", type=int, default=SCREENSHOT_SAMPLE, help="MNIST test digit to show")
    shot.add_argument(
        "--panel", choices=PANEL_IDS, default=ROUTING_PANEL, help="tab of the right-hand column"
    )
    shot.add_argument("--where", action="store_true", help="tint input and canvas where the capsule looks")
    shot.add_argument(
        "--data-ranges", action="store_true", help="pose sliders reach mean ± 2σ of the test set"
    )
    shot.add_argument(
        "--keep", type=_indices, default=(), metavar="I,J,…", help="test digits to keep in the history first"
    )
    shot.add_argument("--panel-only", action="store_true", help="save the chosen panel alone")
    shot.add_argument(
        "--drawn",
        type=_fraction,
        metavar="HEIGHT",
        help="draw the digit on the canvas as pen strokes this tall (a fraction of the canvas, e.g. 0.3) "
        "with the default brush, instead of showing the stored picture",
    )
    shot.add_argument(
        "--as-drawn", action="store_true", help="the network input as drawn, without MNIST's stroke width"
    )
    shot.add_argument(
        "--draw-only", action="store_true", help="save the Draw panel (canvas, network input, answer) alone"
    )
    shot.add_argument(
        "--cnn", action="store_true", help="the CNN baseline's probabilities beside the capsule lengths"
    )
    shot.add_argument(
        "--pair", type=int, metavar="N", help="show held-out MultiMNIST pair N (two overlapping test digits)"
    )
    shot.add_argument("--enlarge", action="store_true", help="the chosen panel fills the window")
    parser.add_argument("--version", action="version", version=f"capsviz {__version__}")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for command in (predict, perturb, morph, animate, robustness, affnist):
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``capsviz`` and ``python -m capsviz``; returns the exit status."""
    args = build_parser().parse_args(None if argv is None else list(argv))
    handler = getattr(args, "handler", None)
    try:
        if handler is not None:
            # Options given before the command name apply to it too.
            if getattr(args, "weights", None) is None:
                args.weights = args.app_weights
            if getattr(args, "device", "auto") == "auto":
                args.device = args.app_device
            resolve_device(args.device)  # a missing GPU is the same one-line error everywhere
            return int(handler(args))
        resolve_device(args.app_device)  # reported before Qt starts
        if args.session:
            read_session(args.session)  # a damaged file is one line, before any window
        if not (args.screenshot and needs_offscreen()) and (problem := window_problem()):
            raise CommandError(problem)
        from capsviz.app.launch import run_app

        scene = ScreenshotScene(
            args.sample,
            args.panel,
            args.where,
            args.data_ranges,
            args.keep,
            args.panel_only,
            args.drawn,
            args.as_drawn,
            args.draw_only,
            args.cnn,
            args.pair,
            args.enlarge,
        )
        return run_app(args.app_weights, args.app_device, args.screenshot, scene, args.session, args.zoom)
    except (CommandError, DeviceError, SessionError) as exc:
        report_error(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
