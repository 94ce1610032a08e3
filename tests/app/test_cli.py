"""The ``capsviz`` command: app start-up, ``--screenshot`` and ``predict``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtWidgets import QApplication

from capsviz.cli import main
from capsviz.model.weights import save_weights


@pytest.fixture
def digit_files(tmp_path, mnist_test):
    """A 7 as MNIST stores it, a 2 as dark ink on white paper, and a file that is no image."""
    images, labels = mnist_test
    seven = tmp_path / "seven.png"
    Image.fromarray(images[0]).save(seven)
    two = tmp_path / "two on paper.jpg"
    index = int(np.flatnonzero(labels == 2)[1])
    Image.fromarray(255 - np.kron(images[index], np.ones((5, 5), np.uint8))).convert("RGB").save(two)
    bad = tmp_path / "notes.png"
    bad.write_text("shopping list")
    return seven, two, bad


def test_predict_prints_digit_and_ten_lengths(digit_files, capsys):
    seven, two, _ = digit_files
    assert main(["predict", str(seven), str(two)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{seven}: 7 (length ")
    assert lines[1].startswith(f"{two}: 2 (length ")
    assert len(lines[0].split("lengths:")[1].split()) == 10


def test_predict_json_and_bad_files(digit_files, capsys, tmp_path):
    seven, _, bad = digit_files
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(blank)
    status = main(["predict", "--json", str(seven), str(bad), str(blank), str(tmp_path / "missing.png")])
    captured = capsys.readouterr()
    assert status == 1
    records = json.loads(captured.out)
    assert [r["prediction"] for r in records] == [7] and len(records[0]["lengths"]) == 10
    errors = captured.err.splitlines()
    assert len(errors) == 3 and all(line.startswith("capsviz: error: ") for line in errors)
    assert "not an image" in errors[0] and "blank" in errors[1] and "no such file" in errors[2]


def test_predict_uses_weights_and_iterations_options(digit_files, capsys, tmp_path, pretrained):
    seven, _, _ = digit_files
    weights = save_weights(pretrained, tmp_path / "mine.safetensors")
    assert main(["--weights", str(weights), "predict", "--iterations", "1", str(seven)]) == 0
    assert capsys.readouterr().out.startswith(f"{seven}: ")
    assert main(["predict", "--weights", str(tmp_path / "none.safetensors"), str(seven)]) == 1
    assert "weights file not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["predict", "--iterations", "11", str(seven)])


def test_main_opens_the_window(qtbot, monkeypatch, pretrained, in_process_app):
    shown = []

    def fake_exec(*_args) -> int:
        for widget in QApplication.topLevelWidgets():
            if widget.objectName() == "capsvizWindow" and widget.isVisible():
                shown.append(widget.windowTitle())
                widget.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert main([]) == 0
    assert shown == ["capsviz — inside a Capsule Network"]


def test_screenshot_writes_the_window_as_png(tmp_path, qtbot, capsys, in_process_app):
    target = tmp_path / "shots" / "main.png"
    assert main(["--screenshot", str(target)]) == 0
    picture = Image.open(target)
    assert picture.size == (1400, 900)
    pixels = np.asarray(picture.convert("L"), np.float32)
    assert pixels.std() > 20, "a real picture, not an empty frame"
    assert f"wrote {target}" in capsys.readouterr().out


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("command", [[], ["predict", "x.png"], ["perturb", "x.png"]])
def test_an_explicit_missing_gpu_is_the_same_one_line_error_for_window_and_commands(command, capsys):
    assert main(["--device", "cuda", *command]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no CUDA GPU" in err[0]


def test_help_lists_commands_and_options(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for word in ("predict", "perturb", "--screenshot", "--weights", "--device"):
        assert word in out


@pytest.mark.parametrize("height", ["2", "0", "tall"])
def test_a_drawn_height_outside_the_canvas_is_refused(height, capsys):
    with pytest.raises(SystemExit) as done:
        main(["--screenshot", "x.png", "--drawn", height])
    assert done.value.code == 2
    assert "expected a fraction of the canvas from 0.05 to 1" in capsys.readouterr().err


@pytest.mark.slow
def test_python_dash_m_renders_the_whole_app_headless(tmp_path):
    """The real entry point in a fresh process, analysis panels included, with no display."""
    target = tmp_path / "full.png"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run(
        [sys.executable, "-m", "capsviz", "--screenshot", str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert Image.open(target).size == (1400, 900)
    assert "propagateSizeHints" not in done.stderr, done.stderr


def test_auto_warns_once_and_runs_on_the_cpu_when_the_gpu_is_unusable(monkeypatch, capsys):
    from capsviz.model import device

    monkeypatch.setattr(device.torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(device, "cuda_problem", lambda: "CUDA driver version is insufficient")
    device._auto_device.cache_clear()
    try:
        assert device.resolve_device("auto").type in ("cpu", "mps")
        assert device.resolve_device("auto").type in ("cpu", "mps")
    finally:
        device._auto_device.cache_clear()
    err = capsys.readouterr().err.strip().splitlines()
    reason = "CUDA driver version is insufficient"
    assert err == [f"capsviz: warning: the GPU cannot be used ({reason}); running on the CPU"]


def test_qt_messages_of_headless_platforms_are_hidden_and_real_warnings_kept(capsys):
    from PySide6.QtCore import QtMsgType

    from capsviz.app.launch import qt_message_handler

    qt_message_handler(QtMsgType.QtWarningMsg, None, "This plugin does not support propagateSizeHints()")
    qt_message_handler(QtMsgType.QtWarningMsg, None, "QPainter::begin: Paint device returned engine == 0")
    assert capsys.readouterr().err.splitlines() == ["QPainter::begin: Paint device returned engine == 0"]
