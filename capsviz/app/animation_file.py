"""Writing frames as an animated GIF (Pillow) or an MP4 (ffmpeg, when it is installed).

Qt-free: frames are RGB arrays, so the writer is tested without a window and
``capsviz animate`` reports a missing encoder before it renders anything.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from capsviz.model.weights import atomic_write_bytes

FORMATS = (".gif", ".mp4")
MP4_FPS = 25
FFMPEG_TIMEOUT_S = 300


class AnimationError(ValueError):
    """An animation that cannot be written; the message is one line for people."""


@dataclass(frozen=True, eq=False)
class Film:
    """Frames (``[H, W, 3]`` uint8 RGB, all the same size) and how long each is on screen."""

    frames: list[np.ndarray]
    durations_ms: list[int]

    def __post_init__(self) -> None:
        if not self.frames or len(self.frames) != len(self.durations_ms):
            raise ValueError("a film needs frames, each with its duration")


def mp4_encoder() -> str | None:
    """The ffmpeg program that writes MP4 here, or None."""
    return shutil.which("ffmpeg")


def check_target(path: str | Path) -> Path:
    """``path`` if capsviz can write that kind of animation here; else a one-line :class:`AnimationError`."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise AnimationError(f"{target.name}: write a .gif (or an .mp4, with ffmpeg installed)")
    if suffix == ".mp4" and mp4_encoder() is None:
        raise AnimationError(f"{target.name}: MP4 needs ffmpeg, which is not installed here; write a .gif")
    return target


def gif_bytes(film: Film) -> bytes:
    """The film as a looping GIF, each frame with its own duration."""
    pictures = [Image.fromarray(frame, "RGB") for frame in film.frames]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=list(film.durations_ms),
        loop=0,
        disposal=1,
    )
    return buffer.getvalue()


def _mp4_frames(film: Film) -> list[np.ndarray]:
    """Each frame repeated for its duration at :data:`MP4_FPS` (even sides, as H.264 needs)."""
    frames = []
    for frame, duration in zip(film.frames, film.durations_ms, strict=True):
        height, width = frame.shape[0] // 2 * 2, frame.shape[1] // 2 * 2
        repeats = max(1, round(duration * MP4_FPS / 1000))
        frames.extend([np.ascontiguousarray(frame[:height, :width])] * repeats)
    return frames


def _write_mp4(film: Film, target: Path) -> None:
    """Pipe the frames to ffmpeg (which :func:`check_target` found) and move the file to ``target``."""
    encoder = mp4_encoder() or "ffmpeg"  # gone since: running it fails, and says so
    frames = _mp4_frames(film)
    height, width = frames[0].shape[:2]
    partial = target.with_name(f".{target.name}.partial.mp4")
    command = [
        encoder, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
        "-s", f"{width}x{height}", "-r", str(MP4_FPS), "-i", "-",
        "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(partial),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command,
            input=b"".join(f.tobytes() for f in frames),
            capture_output=True,
            timeout=FFMPEG_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        partial.unlink(missing_ok=True)
        raise AnimationError(f"{target.name}: ffmpeg failed ({exc})") from None
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise AnimationError(f"{target.name}: ffmpeg failed ({reason[-1] if reason else done.returncode})")
    partial.replace(target)


def write_film(film: Film, path: str | Path) -> Path:
    """Write ``film`` as GIF or MP4 (chosen by the suffix), atomically; returns the path written."""
    target = check_target(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".gif":
            atomic_write_bytes(target, gif_bytes(film))
        else:
            _write_mp4(film, target)
    except OSError as exc:
        raise AnimationError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
