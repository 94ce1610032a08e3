"""A ``.capsviz`` session: what the window shows, as a small JSON file that reopens elsewhere.

Qt-free, so ``capsviz --session FILE`` checks a file before any window opens.
The input travels with the file (a drawing as its strokes, any other picture
as PNG pixels, a test digit as its index), so the same view reopens on another
machine; the weights are named and hashed, so a different network is noticed
rather than silently explained.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from capsviz.app.panel_ids import PANEL_IDS, ROUTING_PANEL
from capsviz.app.zoom import ZOOMS
from capsviz.data.preprocess import to_gray
from capsviz.data.strokes import Stroke
from capsviz.model.capsnet import DIGIT_DIM, MAX_ITERATIONS, N_DIGITS
from capsviz.model.weights import atomic_write_bytes

FORMAT = "capsviz-session"
VERSION = 1
SUFFIX = ".capsviz"
MAX_FILE_BYTES = 16 * 1024 * 1024  # a 4096² PNG fits; a session is normally a few kB
MAX_PICTURE_SIDE = 4096
MAX_STROKES = 2000
MAX_POINTS = 200_000  # over all strokes
INPUT_KINDS = ("none", "sample", "strokes", "picture")


class SessionError(ValueError):
    """A session file that cannot be used; the message is one line for people."""


@dataclass(frozen=True, eq=False)
class SessionInput:
    """What was on the canvas: nothing, test digit ``index``, ``strokes``, or a ``picture`` (uint8: grey,
    grey + alpha, RGB or RGBA).

    ``source`` says where it came from, in words ("MNIST test #3 (a 5)", a file name).
    """

    kind: str = "none"
    index: int | None = None
    strokes: tuple[Stroke, ...] = ()
    picture: np.ndarray | None = None
    source: str = ""


@dataclass(frozen=True)
class WeightsRef:
    """The weights file a session was saved with: its name and SHA-256."""

    name: str
    sha256: str


@dataclass(frozen=True, eq=False)
class Session:
    """The view to reopen: input, steered capsule and offsets, routing, tab, toggles, zoom."""

    input: SessionInput = field(default_factory=SessionInput)
    capsule: int | None = None  # None: follow the winner
    offsets: tuple[float, ...] = (0.0,) * DIGIT_DIM
    iterations: int = 3
    routing_iteration: int = 2
    panel: str = ROUTING_PANEL
    normalise_width: bool = True
    where: bool = False
    cnn: bool = False
    data_ranges: bool = False
    weights: WeightsRef | None = None
    zoom: float = 1.0  # the fonts' scale (View → Zoom)
    enlarged: bool = False  # the tab fills the window


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# writing ---------------------------------------------------------------
CHANNEL_MODES = {2: "LA", 3: "RGB", 4: "RGBA"}  # what a PNG keeps exactly, besides plain grey ("L")


def _png_base64(picture: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(picture)).save(buffer, "PNG", optimize=True)  # mode from the shape
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def storable_picture(array: np.ndarray) -> np.ndarray:
    """A picture as a PNG keeps it exactly: uint8 grey, grey + alpha, RGB or RGBA as given; any other
    array (the canvas's binned floats, 16-bit scans) as preprocessing reads it, in 8 bits."""
    values = np.asarray(array)
    if values.dtype == np.uint8 and (
        values.ndim == 2 or (values.ndim == 3 and values.shape[2] in CHANNEL_MODES)
    ):
        return values
    grey, alpha = to_gray(values)
    planes = grey if alpha is None else np.stack([grey, alpha], axis=-1)
    return np.round(np.clip(planes, 0.0, 1.0) * 255.0).astype(np.uint8)


def session_to_dict(session: Session) -> dict[str, Any]:
    """The JSON object of a session file."""
    source = session.input
    shown: dict[str, Any] = {"kind": source.kind, "source": source.source}
    if source.kind == "sample":
        shown["index"] = source.index
    elif source.kind == "strokes":
        shown["strokes"] = [
            {
                "points": s.points.tolist(),  # exact: the re-rendered input depends on every digit
                "width": float(s.width),
                "erase": bool(s.erase),
            }
            for s in source.strokes
        ]
    elif source.kind == "picture" and source.picture is not None:
        shown["shape"] = list(source.picture.shape)
        shown["png"] = _png_base64(source.picture)
    return {
        "format": FORMAT,
        "version": VERSION,
        "input": shown,
        "capsule": session.capsule,
        "offsets": [round(float(v), 6) for v in session.offsets],
        "iterations": session.iterations,
        "routing_iteration": session.routing_iteration,
        "panel": session.panel,
        "normalise_width": session.normalise_width,
        "where": session.where,
        "cnn": session.cnn,
        "slider_ranges": "data" if session.data_ranges else "paper",
        "zoom": session.zoom,
        "enlarged": session.enlarged,
        "weights": None
        if session.weights is None
        else {"name": session.weights.name, "sha256": session.weights.sha256},
    }


def write_session(session: Session, path: str | Path) -> Path:
    """Write ``session`` to ``path`` (``.capsviz`` added when missing) atomically; returns the path."""
    target = Path(path)
    if target.suffix != SUFFIX:
        target = target.with_name(target.name + SUFFIX)
    text = json.dumps(session_to_dict(session), indent=1)
    atomic_write_bytes(target, text.encode("utf-8"))
    return target


# reading ---------------------------------------------------------------
def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    if key not in data:
        return default
    value = data[key]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise SessionError(f"“{key}” has the wrong type ({type(value).__name__})")
    return value


def _ranged_int(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SessionError(f"“{key}” must be a whole number from {low} to {high}, got {value!r}")
    return value


def _stroke(entry: Any) -> Stroke:
    if not isinstance(entry, dict):
        raise SessionError("a stroke must be an object with points, width and erase")
    points = np.asarray(_field(entry, "points", list, []), dtype=object)
    try:
        points = np.asarray(points.tolist(), np.float64)
    except (TypeError, ValueError):
        raise SessionError("a stroke's points must be [x, y] numbers") from None
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0 or not np.isfinite(points).all():
        raise SessionError("a stroke's points must be a non-empty list of finite [x, y] pairs")
    width = _field(entry, "width", (int, float))
    if isinstance(width, bool) or width is None or not (math.isfinite(width) and 0.5 <= width <= 500):
        raise SessionError(f"a stroke's width must be from 0.5 to 500 px, got {width!r}")
    return Stroke(points, float(width), bool(_field(entry, "erase", bool, False)))


def _picture(shown: dict[str, Any]) -> np.ndarray:
    encoded = _field(shown, "png", str)
    if not encoded:
        raise SessionError("the picture is missing")
    try:
        data = base64.b64decode(encoded, validate=True)
        with Image.open(io.BytesIO(data), formats=("PNG",)) as image:
            if max(image.size) > MAX_PICTURE_SIDE:
                raise SessionError(f"the picture is larger than {MAX_PICTURE_SIDE} px a side")
            kept = image.mode in ("L", *CHANNEL_MODES.values())
            picture = np.asarray(image if kept else image.convert("RGBA"))
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError) as exc:
        if isinstance(exc, SessionError):
            raise
        raise SessionError("the picture is damaged") from None
    return picture


def _input(shown: Any) -> SessionInput:
    if not isinstance(shown, dict):
        raise SessionError("“input” must be an object")
    kind = _field(shown, "kind", str, "none")
    if kind not in INPUT_KINDS:
        raise SessionError(f"unknown input kind {kind!r} (expected one of {', '.join(INPUT_KINDS)})")
    source = _field(shown, "source", str, "")[:200]
    if kind == "sample":
        index = _field(shown, "index", int)
        return SessionInput("sample", index=_ranged_int(index, "input.index", 0, 10**7), source=source)
    if kind == "strokes":
        entries = _field(shown, "strokes", list, [])
        if not entries or len(entries) > MAX_STROKES:
            raise SessionError(f"a drawing needs 1 to {MAX_STROKES} strokes, got {len(entries)}")
        strokes = tuple(_stroke(entry) for entry in entries)
        if sum(len(s.points) for s in strokes) > MAX_POINTS:
            raise SessionError(f"the drawing has more than {MAX_POINTS} points")
        return SessionInput("strokes", strokes=strokes, source=source or "drawing")
    if kind == "picture":
        return SessionInput("picture", picture=_picture(shown), source=source)
    return SessionInput()


def _offsets(values: Any) -> tuple[float, ...]:
    if not isinstance(values, list) or len(values) != DIGIT_DIM:
        raise SessionError(f"“offsets” must be {DIGIT_DIM} numbers")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in values):
        raise SessionError(f"“offsets” must be {DIGIT_DIM} finite numbers")
    return tuple(float(v) for v in values)


def _weights(entry: Any) -> WeightsRef | None:
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise SessionError("“weights” must be an object with name and sha256")
    name, digest = _field(entry, "name", str, ""), _field(entry, "sha256", str, "")
    if not name or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise SessionError("“weights” needs a file name and a 64-digit SHA-256")
    return WeightsRef(Path(name).name, digest)


def session_from_dict(data: Any) -> Session:
    """Check a session file's JSON object and build the session; :class:`SessionError` says what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SessionError("not a capsviz session (no “format”: “capsviz-session”)")
    version = data.get("version")
    if version != VERSION:
        raise SessionError(f"session version {version!r} is not supported (this capsviz reads {VERSION})")
    capsule = _field(data, "capsule", (int, type(None)))
    if capsule is not None:
        capsule = _ranged_int(capsule, "capsule", 0, N_DIGITS - 1)
    iterations = _ranged_int(_field(data, "iterations", int, 3), "iterations", 1, MAX_ITERATIONS)
    shown = _ranged_int(
        _field(data, "routing_iteration", int, iterations - 1), "routing_iteration", 0, iterations - 1
    )
    panel = _field(data, "panel", str, ROUTING_PANEL)
    if panel not in PANEL_IDS:
        raise SessionError(f"unknown panel {panel!r} (expected one of {', '.join(PANEL_IDS)})")
    zoom = _field(data, "zoom", (int, float), 1.0)
    if isinstance(zoom, bool) or not (math.isfinite(zoom) and ZOOMS[0] <= zoom <= ZOOMS[-1]):
        raise SessionError(f"“zoom” must be from {ZOOMS[0]} to {ZOOMS[-1]}, got {zoom!r}")
    ranges = _field(data, "slider_ranges", str, "paper")
    if ranges not in ("paper", "data"):
        raise SessionError(f"“slider_ranges” must be “paper” or “data”, got {ranges!r}")
    return Session(
        input=_input(data.get("input", {"kind": "none"})),
        capsule=capsule,
        offsets=_offsets(data.get("offsets", [0.0] * DIGIT_DIM)),
        iterations=iterations,
        routing_iteration=shown,
        panel=panel,
        normalise_width=_field(data, "normalise_width", bool, True),
        where=_field(data, "where", bool, False),
        cnn=_field(data, "cnn", bool, False),
        data_ranges=ranges == "data",
        weights=_weights(data.get("weights")),
        zoom=float(zoom),
        enlarged=_field(data, "enlarged", bool, False),
    )


def read_session(path: str | Path) -> Session:
    """Read and check a ``.capsviz`` file; any problem is a :class:`SessionError` naming the file."""
    name = Path(path).name
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise SessionError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        text = Path(path).read_text(encoding="utf-8")
        return session_from_dict(json.loads(text))
    except FileNotFoundError:
        raise SessionError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise SessionError(f"{name}: is a folder, not a session") from None
    except OSError as exc:
        raise SessionError(f"{name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SessionError(f"{name}: not a capsviz session (not text)") from None
    except json.JSONDecodeError as exc:
        raise SessionError(f"{name}: damaged (not JSON: {exc.msg} at line {exc.lineno})") from None
    except SessionError as exc:
        raise SessionError(f"{name}: {exc}") from None
