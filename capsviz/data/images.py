"""Opening image files safely for prediction: clear refusals instead of tracebacks.

Only well-known raster formats are decoded (never PostScript, which Pillow hands
to Ghostscript), the pixel count is checked from the header before anything is
decoded, and very large pictures are reduced right after decoding: the network
sees 28×28 pixels, so a 12-megapixel photo only costs time and memory.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # larger images are refused before they are decoded
WORK_SIDE = 2048  # longer sides are reduced (box filter) to at most this after decoding
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "TGA", "ICO")
FORMAT_NAMES = "PNG, JPEG, GIF, BMP, TIFF, WebP, PNM, TGA or ICO"


class ImageError(ValueError):
    """An image that cannot be used; the message is one line for people."""


def image_to_array(image: Image.Image) -> np.ndarray:
    """A decoded PIL image as H×W (grey) or H×W×4 (colour with transparency) array."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(image.convert("I"), dtype=np.int64).clip(0, 65535).astype(np.uint16)
    if image.mode == "I":  # 32-bit integers have no usual white level: preprocessing uses their range
        return np.asarray(image, dtype=np.int32)
    if image.mode == "F":
        return np.asarray(image, dtype=np.float32)
    if image.mode in ("1", "L"):
        return np.asarray(image.convert("L"))
    has_alpha = image.mode in ("LA", "RGBA", "PA", "RGBa") or "transparency" in image.info
    return np.asarray(image.convert("RGBA" if has_alpha else "RGB"))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _decode(image: Image.Image) -> Image.Image:
    """The first frame, upright (EXIF orientation) and no larger than needed."""
    width, height = image.size
    factor = math.ceil(max(width, height) / WORK_SIDE)
    if factor > 1 and image.format in ("JPEG", "MPO"):
        image.draft(image.mode, (width // factor, height // factor))  # decode at reduced scale
    image.load()
    factor = math.ceil(max(image.size) / WORK_SIDE)
    if factor > 1:
        image = image.reduce(factor)
    return ImageOps.exif_transpose(image)


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file into an array that :func:`capsviz.data.preprocess.preprocess` takes.

    The first frame of an animation is used; pictures with a side longer than
    ``WORK_SIDE`` are reduced to that size. Any failure is an :class:`ImageError`
    whose message names the file and the reason in one line.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except OSError as exc:  # a name too long, a folder that cannot be searched, ...
        raise ImageError(f"{path}: {exc.strerror or _first_line(exc)}") from None
    if path.is_dir():
        raise ImageError(f"{path}: is a folder, not an image")
    if size == 0:
        raise ImageError(f"{path}: file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's notes on damaged files; the outcome says enough
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ImageError(
                        f"{path}: {width}×{height} pixels is too large (limit {MAX_PIXELS:,} pixels)"
                    )
                if width == 0 or height == 0:
                    raise ImageError(f"{path}: image has no pixels ({width}×{height})")
                return image_to_array(_decode(image))
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{path}: image is too large (limit {MAX_PIXELS:,} pixels)") from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image capsviz can read (use {FORMAT_NAMES})") from None
    except PermissionError:
        raise ImageError(f"{path}: permission denied") from None
    except Exception as exc:  # decoders fail in many ways on damaged files; all mean "unreadable"
        raise ImageError(f"{path}: damaged or unreadable image ({_first_line(exc)})") from None
