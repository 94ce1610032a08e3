"""Before Qt starts: a missing system library or display is named in one line, not a Qt abort."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from capsviz import qt_platform
from capsviz.cli import main

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libEGL.so.1", "libegl1"),
        ("libdbus-1.so.3", "libdbus-1-3"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
    ],
)
def test_each_library_is_named_by_its_debian_package(soname, package):
    assert qt_platform.package_for(soname) == package


def test_ldd_output_gives_each_missing_library_once():
    assert qt_platform.missing_libraries(LDD_OUTPUT) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


def test_missing_plugin_libraries_become_one_apt_line(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(qt_platform, "plugin_missing_libraries", lambda _p: ["libxcb-icccm.so.4"])
    problem = qt_platform.window_problem()
    assert "sudo apt install libxcb-icccm4" in problem and "\n" not in problem
    assert "xcb-cursor" not in problem


def test_no_display_is_named_with_the_ways_out(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    problem = qt_platform.window_problem()
    assert "no display" in problem and "xvfb-run" in problem and "--screenshot" in problem


def test_the_offscreen_plugin_the_tests_use_has_everything():
    assert qt_platform.plugin_path("offscreen") is not None
    assert qt_platform.plugin_missing_libraries("offscreen") == []


def test_main_reports_the_problem_in_one_line_and_exits_1(monkeypatch, capsys):
    monkeypatch.setattr("capsviz.cli.window_problem", lambda: "Qt's xcb plugin cannot load: missing libx")
    assert main([]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["capsviz: error: Qt's xcb plugin cannot load: missing libx"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux displays")
def test_starting_the_window_without_a_display_exits_1_instead_of_aborting():
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run(
        [sys.executable, "-m", "capsviz"], capture_output=True, text=True, timeout=120, env=env
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1
    assert len(lines) == 1 and lines[0].startswith("capsviz: error: no display"), lines
