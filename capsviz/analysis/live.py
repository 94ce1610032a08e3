"""The live view's request end to end: preprocessing, the network, and plain arrays the views can draw.

Preprocessing, the routing trace and the decoder run together on the live
lane's thread (:mod:`capsviz.app.jobs`); the GUI thread then only copies numbers into plots. Nothing here
imports Qt, so the same code is testable without a display.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from capsviz.analysis.inference import infer
from capsviz.data.images import ImageError, load_image
from capsviz.data.preprocess import Preprocessed, preprocess_stages
from capsviz.data.strokes import Stroke
from capsviz.model.capsnet import IMAGE_SIZE, CapsNet, RoutingTrace
from capsviz.model.device import DeviceError, native_bfloat16
from capsviz.model.pretrained import load_pretrained, require_input_size
from capsviz.model.weights import WeightsError

CANVAS_PIXELS = 448  # side of the drawing canvas's bitmap; loaded images are fitted to it
CANVAS_BINNING = 4  # canvas pixels averaged per side before preprocessing (448 → 112)


@dataclass(frozen=True)
class Sample:
    """An MNIST test digit: its index in the shipped test set and its true label."""

    index: int
    label: int


@dataclass(frozen=True)
class InferenceRequest:
    """An image to classify and how to route it.

    ``picture`` is an image array or the path of an image file (read in the
    background, so a large photo never blocks the GUI). ``origin`` says what asked
    (``canvas``, ``file``, ``paste``, ``sample``, ``insight`` or ``rerun``) and
    ``source`` where the input came from, in words, for the history and
    exports ("MNIST test #3 (a 5)", "drawing", a file name); ``preview`` asks
    for the input fitted to the canvas, to show loaded images there.
    ``strokes`` are the drawing's strokes in the source's pixel coordinates
    (None: a picture); ``normalise_width`` brings the stroke width to MNIST's.
    ``binning`` > 1 averages that many canvas pixels per side first (a drawing's
    448 px bitmap, binned off the GUI thread).
    ``event_time`` is the ``time.perf_counter()`` of the user action;
    ``first_event_time`` the oldest action merged into this request when newer
    requests replaced older ones (for latency logging).
    """

    picture: np.ndarray | str
    iterations: int
    origin: str = "canvas"
    source: str = "drawing"
    sample: Sample | None = None
    preview: bool = False
    strokes: tuple[Stroke, ...] | None = None
    normalise_width: bool = True
    binning: int = 1
    event_time: float = field(default_factory=time.perf_counter)
    first_event_time: float | None = None

    @property
    def oldest_event_time(self) -> float:
        """The earliest user action this request answers."""
        return self.event_time if self.first_event_time is None else self.first_event_time


@dataclass(frozen=True)
class Outputs:
    """What the network made of one image, every routing iteration included.

    Attributes
    ----------
    lengths : np.ndarray
        ``[10]`` final digit-capsule lengths.
    poses : np.ndarray
        ``[10, 16]`` final digit capsules.
    coupling : np.ndarray
        ``[T, 1152, 10]`` c_ij used in each iteration (t = 0 is uniform).
    iteration_lengths : np.ndarray
        ``[T, 10]`` lengths after each iteration.
    primary_lengths : np.ndarray
        ``[1152]`` activation of each primary capsule.
    reconstruction : np.ndarray
        ``[28, 28]`` decoded from the winning capsule.
    trace : RoutingTrace or None
        The full routing trace (batch of one), so the analysis panels reuse it
        instead of routing the same image again.
    """

    lengths: np.ndarray
    poses: np.ndarray
    coupling: np.ndarray
    iteration_lengths: np.ndarray
    primary_lengths: np.ndarray
    reconstruction: np.ndarray
    trace: RoutingTrace | None = field(default=None, repr=False, compare=False)

    @property
    def prediction(self) -> int:
        """Index of the longest digit capsule."""
        return int(np.argmax(self.lengths))

    @property
    def confidence(self) -> float:
        """Length of the winning capsule, in [0, 1)."""
        return float(self.lengths[self.prediction])

    @property
    def iterations(self) -> int:
        """Number of routing iterations T."""
        return int(self.coupling.shape[0])


@dataclass(frozen=True)
class InferenceResult:
    """A finished request.

    ``array`` is the decoded input (kept so routing can be re-run with other
    settings), ``stages`` its preprocessing, ``outputs`` the network's answer
    (None when there is no ink or no model), ``preview`` the input fitted to
    the canvas as uint8 when the request asked for it.
    """

    generation: int
    request: InferenceRequest
    array: np.ndarray
    stages: Preprocessed
    outputs: Outputs | None
    preview: np.ndarray | None
    seconds: float


@torch.no_grad()
def run_network(model: CapsNet, image: np.ndarray, iterations: int) -> Outputs:
    """Route one preprocessed ``[28, 28]`` image and decode its winner."""
    trace, output = infer(model, np.ascontiguousarray(image, dtype=np.float32), iterations)
    reconstruction = output.reconstruction[0, 0]
    return Outputs(
        lengths=output.lengths[0].float().cpu().numpy(),
        poses=output.poses[0].float().cpu().numpy(),
        coupling=trace.coupling[0].float().cpu().numpy(),
        iteration_lengths=trace.lengths[0].float().cpu().numpy(),
        primary_lengths=trace.primary_lengths[0].float().cpu().numpy(),
        reconstruction=reconstruction.float().cpu().numpy(),
        trace=trace,
    )


def for_live_view(model: CapsNet) -> CapsNet:
    """The model as the app runs it: bfloat16 PrimaryCaps weights where the hardware has bfloat16.

    The PrimaryCaps product streams 21 MB of weights per image, so halving them
    makes a stroke's answer about 1.5× faster; none of the 10,000 MNIST test
    predictions of the shipped weights changes (``python -m capsviz.bench --accuracy``).
    """
    return model.optimize_for_inference() if native_bfloat16(model.device) else model


def warm_up(model: CapsNet) -> None:
    """Run the network once on a plain stroke, so the person's first stroke is answered at full speed.

    The first call lays the weights out for batch-1 inference and lets the
    math libraries pick their kernels (a few hundred milliseconds). A failure
    here is left for the first real request to report.
    """
    stroke = np.zeros((28, 28), np.float32)
    stroke[4:24, 13:15] = 1.0
    try:
        run_network(model, stroke, model.iterations)
    except Exception:  # reported by the first real request instead
        return


def load_one_digit_model(device: str, weights: str | None = None) -> CapsNet:
    """The shipped MNIST model or ``weights``, as the live view runs it; a file of another input size is
    refused (:class:`WeightsError`, one line), since the window reads one digit on 28×28."""
    model = load_pretrained(device=device, weights=weights)
    if weights is not None:
        require_input_size(model, IMAGE_SIZE, Path(weights).name, "the drawing window")
    return for_live_view(model)


def load_live_model(path: str, device: str) -> CapsNet:
    """A weights file as the live view runs it, warmed up (raises as :func:`load_one_digit_model` does)."""
    model = load_one_digit_model(device, path)
    warm_up(model)
    return model


def load_failure(path: str, exc: Exception) -> str:
    """Why a weights file was refused, in one line."""
    if isinstance(exc, (WeightsError, DeviceError)):
        return str(exc)
    return f"{Path(path).name}: {exc}".splitlines()[0]


def inference_failure(exc: Exception) -> str:
    """Why a request could not be answered, in one line (a refused picture says so itself)."""
    if isinstance(exc, ImageError):
        return str(exc)
    return f"inference failed: {exc}".splitlines()[0]


def answer(model: CapsNet | None, request: InferenceRequest, generation: int = 0) -> InferenceResult:
    """Read and preprocess the request's image and, if it holds ink and a model is loaded, run the network.

    Raises :class:`capsviz.data.images.ImageError` for an unreadable file.
    """
    start = time.perf_counter()
    picture = request.picture
    array = load_image(picture) if isinstance(picture, str) else np.asarray(picture)
    if request.binning > 1:
        array = bin_canvas(array, request.binning)
    stages = preprocess_stages(array, request.strokes, request.normalise_width)
    outputs = None
    if model is not None and not stages.empty:
        outputs = run_network(model, stages.image, request.iterations)
    preview = fit_to_square(stages.ink, CANVAS_PIXELS) if request.preview else None
    return InferenceResult(generation, request, array, stages, outputs, preview, time.perf_counter() - start)


def bin_strokes(
    strokes: tuple[Stroke, ...] | None, factor: int = CANVAS_BINNING
) -> tuple[Stroke, ...] | None:
    """The canvas's strokes in the coordinates of :func:`bin_canvas`'s picture."""
    if strokes is None:
        return None
    return tuple(Stroke(s.points / factor, s.width / factor, s.erase) for s in strokes)


def bin_canvas(pixels: np.ndarray, factor: int = CANVAS_BINNING) -> np.ndarray:
    """Average ``factor``×``factor`` blocks of uint8 canvas pixels into floats in [0, 1].

    112 px is still four times the network's 28 px, so the preprocessed input
    is practically the same, while preprocessing does 16 times less work.
    """
    rows, columns = pixels.shape[0] // factor, pixels.shape[1] // factor
    blocks = pixels[: rows * factor, : columns * factor].reshape(rows, factor, columns, factor)
    return blocks.sum(axis=(1, 3), dtype=np.uint32).astype(np.float32) / np.float32(255 * factor * factor)


def field_on_canvas(
    stages: Preprocessed, size: int = CANVAS_PIXELS
) -> tuple[float, float, float, float] | None:
    """Where the network's 28×28 input lies on the canvas: ``(top, left, height, width)`` in canvas pixels.

    The canvas shows its input fitted to a ``size`` square, centred (a drawing
    at 4× its binned size, a loaded image as :func:`fit_to_square` placed it).
    """
    field = stages.field_in_input()
    if field is None:
        return None
    factor, _, (top, left) = _square_fit(*stages.gray.shape, size)
    field_top, field_left, field_height, field_width = field
    return top + field_top * factor, left + field_left * factor, field_height * factor, field_width * factor


def digit_on_canvas(digit: np.ndarray, shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    """A ``[28, 28]`` MNIST digit enlarged to the canvas (uint8 ``[448, 448]``), moved ``shift`` = (dx, dy)
    MNIST pixels (what falls off the canvas is lost)."""
    scale = CANVAS_PIXELS // 28
    picture = np.asarray(
        Image.fromarray(np.asarray(digit, np.uint8)).resize((CANVAS_PIXELS,) * 2, Image.BILINEAR)
    )
    dx, dy = (int(v) * scale for v in shift)
    moved = np.zeros_like(picture)
    height, width = picture.shape
    moved[max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = picture[
        max(-dy, 0) : height - max(dy, 0), max(-dx, 0) : width - max(dx, 0)
    ]
    return moved


def fit_to_square(ink: np.ndarray, size: int) -> np.ndarray:
    """Scale ``ink`` (values in [0, 1]) to fit a ``size``×``size`` uint8 square, centred, aspect kept."""
    out = np.zeros((size, size), np.uint8)
    height, width = ink.shape
    if height == 0 or width == 0:
        return out
    factor, shape, (top, left) = _square_fit(height, width, size)
    tensor = torch.from_numpy(np.ascontiguousarray(ink, dtype=np.float32))[None, None]
    scaled = F.interpolate(tensor, size=shape, mode="bilinear", antialias=factor < 1, align_corners=False)
    pixels = (scaled[0, 0].clamp_(0.0, 1.0) * 255.0).round_().to(torch.uint8).numpy()
    out[top : top + shape[0], left : left + shape[1]] = pixels
    return out


def _square_fit(height: int, width: int, size: int) -> tuple[float, tuple[int, int], tuple[int, int]]:
    """Scale factor, scaled shape and top-left corner of an image fitted centred into a ``size`` square."""
    factor = size / max(height, width)
    shape = (max(1, round(height * factor)), max(1, round(width * factor)))
    return factor, shape, ((size - shape[0]) // 2, (size - shape[1]) // 2)
