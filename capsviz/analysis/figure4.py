"""What (b): the paper's Figure 4 — every dimension of a capsule swept from −0.25 to +0.25.

Row d shows the capsule decoded with dimension d moved by each offset while the
other 15 stay put; the centre column (offset 0) is the unperturbed
reconstruction. The grid is one batched decode of 16 × 11 poses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from capsviz.model.capsnet import DIGIT_DIM, IMAGE_SIZE, CapsNet

PAPER_OFFSETS = np.round(np.linspace(-0.25, 0.25, 11), 2).astype(np.float32)


@dataclass
class Figure4:
    """A decoded perturbation grid.

    Attributes
    ----------
    images : np.ndarray
        ``[16, S, 28, 28]`` decodes, row = dimension, column = offset.
    offsets : np.ndarray
        ``[S]`` offsets added to the dimension (the paper's −0.25 … +0.25).
    digit : int
        The capsule the pose was decoded through.
    pose : np.ndarray
        ``[16]`` the unperturbed pose.
    """

    images: np.ndarray
    offsets: np.ndarray
    digit: int
    pose: np.ndarray

    def mosaic(self) -> np.ndarray:
        """``[16·28, S·28]`` all decodes tiled into one image."""
        rows, cols = self.images.shape[:2]
        return self.images.transpose(0, 2, 1, 3).reshape(rows * IMAGE_SIZE, cols * IMAGE_SIZE)

    @property
    def centre_column(self) -> int:
        """Index of the zero offset."""
        return int(np.argmin(np.abs(self.offsets)))


@torch.no_grad()
def figure4(model: CapsNet, pose: np.ndarray, digit: int, offsets: np.ndarray = PAPER_OFFSETS) -> Figure4:
    """Decode ``pose`` (``[16]``) through capsule ``digit`` with each dimension swept over ``offsets``."""
    pose = np.asarray(pose, np.float32).reshape(DIGIT_DIM)
    offsets = np.asarray(offsets, np.float32)
    grid = np.repeat(pose[None, None, :], DIGIT_DIM, axis=0).repeat(len(offsets), axis=1)  # [16, S, 16]
    dims = np.arange(DIGIT_DIM)
    grid[dims, :, dims] += offsets[None, :]
    flat = torch.from_numpy(grid.reshape(-1, DIGIT_DIM)).to(model.device)
    images = model.decode(flat, int(digit)).float().cpu().numpy()
    return Figure4(images.reshape(DIGIT_DIM, len(offsets), IMAGE_SIZE, IMAGE_SIZE), offsets, int(digit), pose)


CELL = 3  # screen pixels per image pixel in the PNG
GAP = 2
FONT_SIZE = 15


ASCII_FALLBACK = str.maketrans({"≈": "~", "−": "-", "±": "+/-", "→": "->"})


def caption_font(size: int = FONT_SIZE) -> ImageFont.ImageFont:
    """DejaVu Sans where installed (it has ≈ and −), else Pillow's built-in font."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def printable(font: ImageFont.ImageFont, text: str) -> str:
    """``text``, spelled in ASCII when the font is Pillow's built-in one (no ≈ or − glyphs)."""
    return text if "DejaVu" in str(getattr(font, "path", "")) else text.translate(ASCII_FALLBACK)


def _row_names(rows: int, labels: list[str] | None) -> list[str]:
    return [f"d{d}" + (f"  {labels[d]}" if labels and labels[d] else "") for d in range(rows)]


def grid_origin(grid: Figure4, labels: list[str] | None = None, title: str | None = None) -> tuple[int, int]:
    """``(x, y)`` of the top-left tile in :func:`render_figure4`'s picture."""
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    small = caption_font(FONT_SIZE - 2)
    names = _row_names(grid.images.shape[0], labels)
    return 16 + max(
        int(probe.textlength(printable(small, name), font=small)) for name in names
    ), 80 if title else 52


def render_figure4(
    grid: Figure4, labels: list[str] | None = None, title: str | None = None, cell: int = CELL
) -> Image.Image:
    """A labelled picture of the grid: offsets along the top, dimensions (and labels) down the left."""
    rows, cols = grid.images.shape[:2]
    tile = IMAGE_SIZE * cell
    font, small = caption_font(), caption_font(FONT_SIZE - 2)
    left, top = grid_origin(grid, labels, title)
    width = left + cols * (tile + GAP) + 12
    height = top + rows * (tile + GAP) + 36
    canvas = Image.new("RGB", (width, height), (250, 250, 250))
    draw = ImageDraw.Draw(canvas)
    if title:
        draw.text((left, 12), printable(font, title), fill=(20, 20, 20), font=font)
    draw.text((left, top - 44), "offset added to the dimension", fill=(90, 90, 90), font=small)
    for c, offset in enumerate(grid.offsets):
        x = left + c * (tile + GAP) + tile // 2
        draw.text(
            (x, top - 8),
            printable(small, f"{offset:+.2f}".replace("-", "−") if offset else "0"),
            fill=(20, 20, 20),
            font=small,
            anchor="ms",
        )
    for r, name in enumerate(_row_names(rows, labels)):
        y = top + r * (tile + GAP)
        draw.text(
            (left - 8, y + tile // 2), printable(small, name), fill=(20, 20, 20), font=small, anchor="rm"
        )
        for c in range(cols):
            pixels = (np.clip(grid.images[r, c], 0, 1) * 255).astype(np.uint8)
            block = Image.fromarray(pixels, "L").resize((tile, tile), Image.Resampling.NEAREST)
            canvas.paste(block.convert("RGB"), (left + c * (tile + GAP), y))
    centre = left + grid.centre_column * (tile + GAP)
    bottom = top + rows * (tile + GAP) - GAP
    draw.rectangle((centre - 2, top - 2, centre + tile + 1, bottom + 1), outline=(220, 60, 40), width=2)
    draw.text((left, height - 24), "red frame: the unperturbed reconstruction", fill=(90, 90, 90), font=small)
    return canvas
