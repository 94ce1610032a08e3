"""Property: a damaged image file is either read or refused with ImageError, never anything else."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from capsviz.data.images import ImageError, load_image
from capsviz.data.preprocess import preprocess


def _encode(array: np.ndarray, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **options)
    return buffer.getvalue()


def _seeds() -> dict[str, bytes]:
    rng = np.random.default_rng(5)
    grey = np.zeros((24, 20), np.uint8)
    grey[4:20, 8:12] = 255
    rgba = np.dstack([np.stack([255 - grey] * 3, axis=-1), grey])
    noisy = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    return {
        "grey.png": _encode(grey, "PNG"),
        "rgba.png": _encode(rgba, "PNG"),
        "palette.png": _encode(np.asarray(Image.fromarray(noisy).convert("P")), "PNG"),
        "grey16.png": _encode(grey.astype(np.uint16) * 257, "PNG"),
        "photo.jpg": _encode(noisy, "JPEG", quality=90),
        "anim.gif": _encode(grey, "GIF"),
        "grey.bmp": _encode(grey, "BMP"),
        "rgb.tiff": _encode(noisy, "TIFF"),
        "rgb.webp": _encode(noisy, "WEBP", lossless=True),
        "grey.pgm": _encode(grey, "PPM"),
    }


SEEDS = _seeds()


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(0, 6))):
        spot = draw(st.integers(0, len(data) - 1))
        data[spot] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, len(data)))]
    return name, bytes(data)


@pytest.mark.filterwarnings("error")
@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_files_are_read_or_refused_cleanly(tmp_path_factory: pytest.TempPathFactory, case) -> None:
    name, data = case
    path: Path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    try:
        array = load_image(path)
    except ImageError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: ") and "\n" not in message
        return
    image = preprocess(array)
    assert image.shape == (28, 28) and np.isfinite(image).all()
    assert image.min() >= 0.0 and image.max() <= 1.0
