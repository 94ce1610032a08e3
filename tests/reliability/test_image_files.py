"""Every kind of image file a person might open is either predicted or refused in one clear line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from bad_files import empty, folder, missing, png_header_only, random_bytes, text_renamed
from PIL import Image

from capsviz.data.images import MAX_PIXELS, WORK_SIDE, ImageError, load_image
from capsviz.data.preprocess import preprocess, preprocess_stages

DIGITS = (0, 1, 2, 3, 4)  # shipped test images: a 7, a 2, a 1, a 0 and a 4


def ink_of(digit: np.ndarray, size: int = 224) -> np.ndarray:
    """An MNIST digit enlarged to ``size`` px: ink strength in [0, 1]."""
    big = Image.fromarray(digit).resize((size, size), Image.BILINEAR)
    return np.asarray(big, np.float32) / 255.0


def to_u8(values: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(values, 0.0, 1.0) * 255).astype(np.uint8)


def paper_photo(ink: np.ndarray, seed: int = 0) -> np.ndarray:
    """Dark ink on unevenly lit, noisy, slightly tinted paper, as a phone photographs it."""
    height, width = ink.shape
    ys, xs = np.mgrid[0:height, 0:width]
    light = 0.78 + 0.2 * (xs / width - 0.5) + 0.15 * (ys / height - 0.5)
    grey = light * (1.0 - 0.85 * ink) + np.random.default_rng(seed).normal(0.0, 0.03, ink.shape)
    return to_u8(np.stack([grey * 1.0, grey * 0.97, grey * 0.9], axis=-1))


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[: image.shape[0], : image.shape[1]]
    return float((image * ys).sum() / image.sum()), float((image * xs).sum() / image.sum())


def assert_mnist_like(out: np.ndarray) -> None:
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0
    assert out.max() == pytest.approx(1.0)
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 1.5 and abs(cx - 14) <= 1.5


# --- files that are refused ---------------------------------------------------------------


def _truncated(fmt: str, suffix: str):
    def make(tmp: Path) -> Path:
        buffer = io.BytesIO()
        rng = np.random.default_rng(2)
        Image.fromarray(rng.integers(0, 256, (120, 120, 3), dtype=np.uint8)).save(buffer, fmt)
        path = tmp / f"cut.{suffix}"
        path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        return path

    return make


def _huge_header(tmp: Path) -> Path:
    return png_header_only(tmp / "bomb.png", 100_000, 100_000)


def _just_over_limit(tmp: Path) -> Path:
    return png_header_only(tmp / "big.png", 8000, MAX_PIXELS // 8000 + 1)


def _postscript(tmp: Path) -> Path:
    path = tmp / "digit.eps"
    path.write_text("%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\nnewpath 0 0 moveto showpage\n")
    return path


REFUSED = {
    "missing": (missing, "no such file"),
    "empty": (empty, "file is empty"),
    "folder": (folder, "is a folder, not an image"),
    "random bytes": (random_bytes, "not an image capsviz can read"),
    "text renamed .png": (text_renamed, "not an image capsviz can read"),
    "truncated PNG": (_truncated("PNG", "png"), "damaged or unreadable image (image file is truncated"),
    "truncated JPEG": (_truncated("JPEG", "jpg"), "damaged or unreadable image (image file is truncated"),
    "truncated GIF": (_truncated("GIF", "gif"), "damaged or unreadable image"),
    "100000×100000 header": (_huge_header, "image is too large (limit 40,000,000 pixels)"),
    "8000×5001 header": (_just_over_limit, "8000×5001 pixels is too large (limit 40,000,000 pixels)"),
    "PostScript": (_postscript, "not an image capsviz can read (use PNG, JPEG"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_files_are_refused_in_one_line_naming_the_file(case: str, tmp_path: Path) -> None:
    make, reason = REFUSED[case]
    path = make(tmp_path)
    with pytest.raises(ImageError) as info:
        load_image(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert reason in message


def test_a_huge_valid_image_is_refused_without_decoding_it(tmp_path: Path) -> None:
    """A real 8000×6000 PNG (48 Mpx) is refused from its header: memory stays where it was."""
    path = tmp_path / "huge.png"
    Image.new("L", (8000, 6000), 255).save(path, compress_level=1)
    code = (
        "import resource, sys\n"
        "from capsviz.data.images import ImageError, load_image\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    load_image(sys.argv[1])\n"
        "except ImageError as exc:\n"
        "    print(exc)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    message, grown_mib = done.stdout.splitlines()
    assert message == f"{path}: 8000×6000 pixels is too large (limit 40,000,000 pixels)"
    assert int(grown_mib) < 20


def test_a_large_photo_is_reduced_so_memory_stays_small(tmp_path: Path, mnist_test) -> None:
    """A 6000×4000 colour photo (under the limit) is decoded, reduced, and preprocessed in little memory."""
    images, _ = mnist_test
    ink = np.zeros((4000, 6000), np.float32)
    ink[500:3500, 1500:4500] = ink_of(images[0], 3000)
    path = tmp_path / "photo.png"
    Image.fromarray(to_u8(np.stack([1.0 - 0.8 * ink] * 3, axis=-1))).save(path, compress_level=1)
    del ink
    code = (
        "import resource, sys\n"
        "from capsviz.data.images import load_image\n"
        "from capsviz.data.preprocess import preprocess\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "array = load_image(sys.argv[1])\n"
        "out = preprocess(array)\n"
        "print(max(array.shape[:2]), array.ndim, float(out.max()))\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    shape, grown_mib = done.stdout.splitlines()
    longest, ndim, peak = shape.split()
    assert int(longest) <= WORK_SIDE and ndim == "3" and float(peak) == 1.0
    assert int(grown_mib) < 300  # the full-size float pipeline took over 1 GiB


# --- files that are predicted ---------------------------------------------------------------


def _save(array: np.ndarray, path: Path, **options) -> Path:
    Image.fromarray(array).save(path, **options)
    return path


def grey_png(ink: np.ndarray, tmp: Path) -> Path:
    return _save(to_u8(ink), tmp / "grey.png")


def grey16_png(ink: np.ndarray, tmp: Path) -> Path:
    path = _save((np.clip(ink, 0, 1) * 65535).astype(np.uint16), tmp / "grey16.png")
    assert Image.open(path).mode == "I;16"
    return path


def grey16_big_endian_tiff(ink: np.ndarray, tmp: Path) -> Path:
    image = Image.frombytes("I;16B", ink.shape[::-1], (np.clip(ink, 0, 1) * 65535).astype(">u2").tobytes())
    image.save(tmp / "grey16be.tiff")
    assert Image.open(tmp / "grey16be.tiff").mode == "I;16B"
    return tmp / "grey16be.tiff"


def int32_tiff(ink: np.ndarray, tmp: Path) -> Path:
    path = _save((ink * 1_000_000).astype(np.int32), tmp / "int32.tiff")  # beyond 16 bits
    assert Image.open(path).mode == "I"
    return path


def dim_int32_tiff(ink: np.ndarray, tmp: Path) -> Path:
    path = _save((ink * 1000).astype(np.int32), tmp / "dim_int32.tiff")  # 1000 of 2**31
    assert Image.open(path).mode == "I"
    return path


def float_tiff(ink: np.ndarray, tmp: Path) -> Path:
    return _save(ink.astype(np.float32), tmp / "float.tiff")


def one_bit_png(ink: np.ndarray, tmp: Path) -> Path:
    return _save(ink > 0.5, tmp / "bits.png")


def palette_png(ink: np.ndarray, tmp: Path) -> Path:
    colour = np.stack([to_u8(1 - ink), to_u8(1 - ink), to_u8(1 - 0.5 * ink)], axis=-1)  # blue ink on white
    Image.fromarray(colour).convert("P", palette=Image.ADAPTIVE, colors=16).save(tmp / "palette.png")
    assert Image.open(tmp / "palette.png").mode == "P"
    return tmp / "palette.png"


def palette_transparent_png(ink: np.ndarray, tmp: Path) -> Path:
    indices = np.where(ink > 0.5, 1, 0).astype(np.uint8)
    image = Image.fromarray(indices, "P")
    image.putpalette([255, 255, 255, 0, 0, 0])  # index 0 (background) white but transparent
    image.save(tmp / "palette_alpha.png", transparency=0)
    return tmp / "palette_alpha.png"


def black_on_transparent_png(ink: np.ndarray, tmp: Path) -> Path:
    rgba = np.zeros((*ink.shape, 4), np.uint8)
    rgba[..., 3] = to_u8(ink)
    return _save(rgba, tmp / "black_on_clear.png")


def white_on_transparent_png(ink: np.ndarray, tmp: Path) -> Path:
    rgba = np.full((*ink.shape, 4), 255, np.uint8)
    rgba[..., 3] = to_u8(ink)
    return _save(rgba, tmp / "white_on_clear.png")


def grey_alpha_png(ink: np.ndarray, tmp: Path) -> Path:
    la = np.stack([np.full(ink.shape, 30, np.uint8), to_u8(ink)], axis=-1)
    return _save(la, tmp / "grey_alpha.png")


def photo_jpeg(ink: np.ndarray, tmp: Path) -> Path:
    return _save(paper_photo(ink), tmp / "photo.jpg", quality=85)


def big_photo_jpeg(ink: np.ndarray, tmp: Path) -> Path:
    big = np.asarray(Image.fromarray(to_u8(ink)).resize((3000, 3000), Image.BILINEAR), np.float32) / 255
    return _save(paper_photo(big), tmp / "big_photo.jpg", quality=80)


def cmyk_jpeg(ink: np.ndarray, tmp: Path) -> Path:
    Image.fromarray(to_u8(1 - ink)).convert("CMYK").save(tmp / "cmyk.jpg")
    assert Image.open(tmp / "cmyk.jpg").mode == "CMYK"
    return tmp / "cmyk.jpg"


def exif_rotated_jpeg(ink: np.ndarray, tmp: Path) -> Path:
    """Stored lying on its side, as a phone held sideways saves it; EXIF says how to stand it up."""
    stored = Image.fromarray(to_u8(1 - ink)).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    stored.save(tmp / "sideways.jpg", exif=exif, quality=95)
    return tmp / "sideways.jpg"


def animated_gif(ink: np.ndarray, tmp: Path) -> Path:
    first = Image.fromarray(to_u8(ink))
    second = Image.fromarray(to_u8(ink[::-1, ::-1]))  # a different picture in frame 2
    first.save(tmp / "anim.gif", save_all=True, append_images=[second, first], duration=100, loop=0)
    assert Image.open(tmp / "anim.gif").n_frames == 3
    return tmp / "anim.gif"


def bmp(ink: np.ndarray, tmp: Path) -> Path:
    return _save(np.stack([to_u8(1 - ink)] * 3, axis=-1), tmp / "digit.bmp")


def webp(ink: np.ndarray, tmp: Path) -> Path:
    return _save(np.stack([to_u8(1 - ink)] * 3, axis=-1), tmp / "digit.webp", lossless=True)


PREDICTED = [
    grey_png,
    grey16_png,
    grey16_big_endian_tiff,
    int32_tiff,
    dim_int32_tiff,
    float_tiff,
    one_bit_png,
    palette_png,
    palette_transparent_png,
    black_on_transparent_png,
    white_on_transparent_png,
    grey_alpha_png,
    photo_jpeg,
    big_photo_jpeg,
    cmyk_jpeg,
    exif_rotated_jpeg,
    animated_gif,
    bmp,
    webp,
]


@pytest.fixture(scope="module")
def digit_files(tmp_path_factory, mnist_test) -> dict[str, tuple[list[Path], np.ndarray]]:
    """Each file kind written for five test digits, with the digits' labels."""
    images, labels = mnist_test
    root = tmp_path_factory.mktemp("digits")
    files: dict[str, tuple[list[Path], np.ndarray]] = {}
    for make in PREDICTED:
        paths = []
        for index in DIGITS:
            folder = root / f"{make.__name__}_{index}"
            folder.mkdir()
            paths.append(make(ink_of(images[index]), folder))
        files[make.__name__] = (paths, labels[list(DIGITS)])
    return files


@pytest.mark.parametrize("kind", [make.__name__ for make in PREDICTED])
def test_image_kinds_give_the_same_mnist_like_input(kind: str, digit_files, mnist_test) -> None:
    images, _ = mnist_test
    paths, _ = digit_files[kind]
    for path, index in zip(paths, DIGITS, strict=True):
        out = preprocess(load_image(path))
        assert_mnist_like(out)
        reference = preprocess(images[index])
        assert np.abs(out - reference).mean() < 0.08, path.name


@pytest.mark.parametrize("kind", [make.__name__ for make in PREDICTED])
def test_image_kinds_are_predicted_correctly(kind: str, digit_files, pretrained) -> None:
    paths, labels = digit_files[kind]
    batch = torch.from_numpy(np.stack([preprocess(load_image(p)) for p in paths]))[:, None]
    with torch.no_grad():
        predicted = pretrained(batch).lengths.argmax(dim=1).numpy()
    assert predicted.tolist() == labels.tolist()


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    stored = Image.fromarray(np.zeros((30, 60), np.uint8))  # stored 60 wide, 30 tall
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view: 30 wide, 60 tall
    stored.save(tmp_path / "portrait.jpg", exif=exif)
    assert load_image(tmp_path / "portrait.jpg").shape == (60, 30)


def test_one_pixel_images_are_blank_not_errors(tmp_path: Path) -> None:
    for value in (0, 255):
        path = _save(np.array([[value]], np.uint8), tmp_path / f"dot{value}.png")
        stages = preprocess_stages(load_image(path))
        assert stages.empty and np.array_equal(stages.image, np.zeros((28, 28), np.float32))


def test_a_very_wide_stroke_is_scaled_to_twenty_pixels(tmp_path: Path) -> None:
    strip = np.zeros((10, 2000), np.uint8)
    strip[3:7, 100:1900] = 255
    out = preprocess(load_image(_save(strip, tmp_path / "wide.png")))
    assert_mnist_like(out)
    columns = np.flatnonzero((out > 0.2).any(axis=0))
    assert columns[-1] - columns[0] + 1 == 20


def test_a_very_tall_white_background_image_is_inverted(tmp_path: Path) -> None:
    strip = np.full((2000, 10), 255, np.uint8)
    strip[100:1900, 3:7] = 0
    stages = preprocess_stages(load_image(_save(strip, tmp_path / "tall.png")))
    assert stages.inverted
    assert_mnist_like(stages.image)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = _save(np.zeros((4, 4), np.uint8), tmp_path / "locked.png")
    path.chmod(0)
    with pytest.raises(ImageError, match="permission denied"):
        load_image(path)


def test_a_name_the_system_refuses_is_one_line(tmp_path) -> None:
    with pytest.raises(ImageError, match="too long") as info:
        load_image(tmp_path / ("x" * 300 + ".png"))
    assert "\n" not in str(info.value)
