"""Bad picture files shared by the file-loading and the in-app tests."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that declares ``width``×``height`` pixels but holds no pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IEND", b""))
    return path


def missing(tmp: Path) -> Path:
    return tmp / "missing.png"


def empty(tmp: Path) -> Path:
    (tmp / "empty.png").write_bytes(b"")
    return tmp / "empty.png"


def folder(tmp: Path) -> Path:
    (tmp / "folder.png").mkdir()
    return tmp / "folder.png"


def random_bytes(tmp: Path) -> Path:
    (tmp / "noise.png").write_bytes(np.random.default_rng(1).bytes(4096))
    return tmp / "noise.png"


def text_renamed(tmp: Path) -> Path:
    (tmp / "notes.png").write_text("this is a shopping list, not a picture\n")
    return tmp / "notes.png"
