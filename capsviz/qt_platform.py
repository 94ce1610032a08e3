"""Can Qt open a window here? Asked before the QApplication exists, without importing Qt.

On a minimal Linux, Qt's xcb platform plugin often lacks a system library or
two (``libxcb-icccm4``, ``libxcb-keysyms1``, …). Qt then aborts the process with
a message that names ``xcb-cursor0`` whatever is really missing. Reading the
plugin's dependencies with ``ldd`` first lets capsviz name the missing packages
in one line and exit cleanly instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HEADLESS_HINT = "or render headless: capsviz --screenshot shot.png"
# Debian/Ubuntu package names that the plain rule in package_for() gets wrong.
PACKAGE_EXCEPTIONS = {"libglib-2.0.so.0": "libglib2.0-0"}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def needs_offscreen() -> bool:
    """True on Linux without a display, where Qt would otherwise refuse to start."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    return sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def package_for(soname: str) -> str:
    """The Debian/Ubuntu package that ships a shared library: ``libxcb-icccm.so.4`` → ``libxcb-icccm4``.

    Debian names a library package after the library and its major version, with
    a dash between them where the name ends in a digit (``libxkbcommon-x11-0``).
    """
    if soname in PACKAGE_EXCEPTIONS:
        return PACKAGE_EXCEPTIONS[soname]
    stem, _, version = soname.partition(".so.")
    if not version:
        return stem.lower()
    joiner = "-" if stem[-1].isdigit() else ""
    return f"{stem.lower()}{joiner}{version.split('.')[0]}"


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reports as ``not found``, each once, in its order."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def plugin_path(platform: str) -> Path | None:
    """PySide6's plugin file for a Qt platform (``xcb`` → ``…/platforms/libqxcb.so``), if there is one."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "Qt" / "plugins" / "platforms" / f"libq{platform}.so"
        if candidate.is_file():
            return candidate
    return None


def plugin_missing_libraries(platform: str) -> list[str]:
    """System libraries the platform plugin needs and cannot find; empty when unknown (no ldd)."""
    plugin, ldd = plugin_path(platform), shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    try:
        done = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return missing_libraries(done.stdout)


def _platforms_to_try() -> list[str]:
    """The platform plugins Qt will try, in order (``QT_QPA_PLATFORM`` may list several with ``;``)."""
    chosen = os.environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return [name.split(":")[0] for name in chosen.split(";") if name]
    return ["wayland", "xcb"] if os.environ.get("WAYLAND_DISPLAY") else ["xcb"]


def window_problem() -> str | None:
    """One actionable line saying why Qt cannot open a window on this Linux machine, or None.

    Elsewhere (Windows, macOS) Qt ships everything it needs, so the answer is None.
    """
    if not sys.platform.startswith("linux"):
        return None
    platforms = _platforms_to_try()
    if platforms == ["xcb"] and not os.environ.get("DISPLAY"):
        return f"no display to open a window on: start one (for example xvfb-run capsviz), {HEADLESS_HINT}"
    missing: list[str] = []
    for platform in platforms:
        missing = plugin_missing_libraries(platform)
        if not missing:
            return None
    packages = " ".join(dict.fromkeys(package_for(name) for name in missing))
    return (
        f"Qt's {platforms[-1]} plugin cannot load: missing {', '.join(missing)}; "
        f"install them with: sudo apt install {packages} ({HEADLESS_HINT})"
    )
