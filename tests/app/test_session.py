"""Sessions: save what the window shows, reopen it elsewhere, refuse damaged files in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QSplitter

from capsviz.app.session import capture_session, open_session, save_session
from capsviz.app.session_file import SUFFIX, read_session
from tests.app.app_helpers import SEVEN, WAIT_MS, draw_stroke, prediction


def another_window(qtbot, pretrained):
    """A second window, as on another machine: nothing shared but the weights."""
    from capsviz.app import create_window

    win = create_window(model=pretrained, insight=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def settled(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.controller.answered and window.state.outputs is not None, timeout=WAIT_MS)
    qtbot.wait(50)


def showing(window, index: int) -> bool:
    return window.state.sample is not None and window.state.sample.index == index


def choose_file(monkeypatch, path, dialog: str) -> None:
    monkeypatch.setattr(f"capsviz.app.window.QFileDialog.{dialog}", lambda *a, **k: (str(path), ""))


def test_a_drawing_with_its_capsule_sliders_and_step_reopens_the_same(
    window, qtbot, pretrained, tmp_path, monkeypatch
):
    draw_stroke(window.canvas, [(0.3, 0.2), (0.7, 0.2), (0.45, 0.85)])  # a 7
    settled(qtbot, window)
    window.controller.select_capsule(1)
    window.pose_sliders.findChild(type(window.brush_slider), "poseSlider5").setValue(15)
    window.controller.seek_routing(1)
    window.network_input.where_toggle.setChecked(True)
    choose_file(monkeypatch, tmp_path / "lecture", "getSaveFileName")
    window.actions_by_name["save-session"].trigger()
    saved = tmp_path / f"lecture{SUFFIX}"
    assert saved.exists() and "Saved session" in window.status.currentMessage()
    assert json.loads(saved.read_text())["input"]["kind"] == "strokes"

    other = another_window(qtbot, pretrained)
    choose_file(monkeypatch, saved, "getOpenFileName")
    other.actions_by_name["open-session"].trigger()
    settled(qtbot, other)
    qtbot.waitUntil(lambda: other.state.routing_iteration == 1, timeout=WAIT_MS)
    assert other.state.selected_capsule == 1
    assert other.state.pose_offsets[5] == pytest.approx(0.15)
    assert other.network_input.where_toggle.isChecked()
    assert prediction(other) == prediction(window)
    assert len(other.canvas.strokes()) == 1
    np.testing.assert_array_equal(other.canvas.pixels(), window.canvas.pixels())  # the same strokes again
    np.testing.assert_array_equal(other.state.input_image, window.state.input_image)
    original, perturbed = other.state.reconstructions
    assert not np.allclose(original, perturbed), "the steered capsule is steered again"
    np.testing.assert_allclose(perturbed, window.state.reconstructions[1], atol=1e-5)
    assert other.routing_view.grab().toImage() == window.routing_view.grab().toImage()
    # The same picture of the window, but for the canvas's screen copy (drawn at screen resolution while
    # the pen moved, scaled from the identical bitmap when reopened).
    columns = window.findChild(QSplitter, "columnSplitter"), other.findChild(QSplitter, "columnSplitter")
    for name in ("network_input", "prediction"):
        assert getattr(window, name).grab().toImage() == getattr(other, name).grab().toImage(), name
    for index in (1, 2):
        assert columns[0].widget(index).grab().toImage() == columns[1].widget(index).grab().toImage(), index


def test_a_test_digit_and_an_opened_picture_reopen_without_their_files(
    window, qtbot, pretrained, tmp_path, mnist_test
):
    window.controller.show_sample(SEVEN)
    settled(qtbot, window)
    window.controller.set_iterations(5)
    settled(qtbot, window)
    window.controller.seek_routing(0)
    sample = save_session(window, tmp_path / "seven")
    assert read_session(sample).input.index == SEVEN and read_session(sample).iterations == 5

    images, _ = mnist_test
    picture = tmp_path / "three.png"
    Image.fromarray(255 - np.kron(images[18], np.ones((4, 4), np.uint8))).save(picture)  # dark on light
    window.controller.open_image(picture)
    settled(qtbot, window)
    window.controller.select_capsule(8)
    opened = save_session(window, tmp_path / "three")
    picture.unlink()  # another machine: only the session file travels

    other = another_window(qtbot, pretrained)
    assert open_session(other, sample)
    settled(qtbot, other)
    qtbot.waitUntil(lambda: other.state.routing_iteration == 0, timeout=WAIT_MS)
    assert other.state.sample.index == SEVEN and other.state.iterations == 5
    assert prediction(other).startswith("7")
    assert open_session(other, opened)
    settled(qtbot, other)
    qtbot.waitUntil(lambda: other.state.sample is None, timeout=WAIT_MS)
    assert prediction(other) == prediction(window) and other.state.selected_capsule == 8
    np.testing.assert_allclose(other.state.input_image, window.state.input_image, atol=2 / 255)
    assert "three.png" in other.controller.shown_result.request.source


def damaged(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{not json", "damaged (not JSON"),
        ('{"format": "something-else"}', "not a capsviz session"),
        ('{"format": "capsviz-session", "version": 99}', "version 99 is not supported"),
        ('{"format": "capsviz-session", "version": 1, "offsets": [1, 2]}', "offsets"),
        ('{"format": "capsviz-session", "version": 1, "capsule": 12}', "capsule"),
        ('{"format": "capsviz-session", "version": 1, "panel": "nowhere"}', "unknown panel"),
        ('{"format": "capsviz-session", "version": 1, "iterations": 0}', "iterations"),
        (
            '{"format": "capsviz-session", "version": 1, "input": {"kind": "picture", "png": "AAAA"}}',
            "picture is damaged",
        ),
        (
            '{"format": "capsviz-session", "version": 1, "input": {"kind": "strokes", '
            '"strokes": [{"points": [[1, "x"]], "width": 3}]}}',
            "points",
        ),
        ("", "not JSON"),
    ],
)
def test_a_damaged_session_is_one_line_and_nothing_changes(window, qtbot, tmp_path, text, said):
    window.controller.show_sample(SEVEN)
    settled(qtbot, window)
    before = (window.state.sample, window.state.selected_capsule, window.state.iterations)
    assert not open_session(window, damaged(tmp_path, f"bad{SUFFIX}", text))
    message = window.status.currentMessage()
    assert said in message and f"bad{SUFFIX}" in message and "\n" not in message
    assert (window.state.sample, window.state.selected_capsule, window.state.iterations) == before
    assert not open_session(window, tmp_path / "missing.capsviz")
    assert "no such file" in window.status.currentMessage()


def test_other_weights_are_named_and_the_session_still_opens(window, qtbot, tmp_path):
    window.controller.show_sample(SEVEN)
    settled(qtbot, window)
    path = save_session(window, tmp_path / "s")
    data = json.loads(path.read_text())
    data["weights"] = {"name": "my-run.safetensors", "sha256": "ab" * 32}
    data["input"] = {"kind": "sample", "index": 1}
    path.write_text(json.dumps(data))
    assert open_session(window, path)
    assert "my-run.safetensors" in window.status.currentMessage()
    assert "not here" in window.status.currentMessage()
    qtbot.waitUntil(
        lambda: window.state.sample is not None and window.state.sample.index == 1, timeout=WAIT_MS
    )


def test_a_session_file_dropped_on_the_window_opens(window, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    window.controller.show_sample(3)
    settled(qtbot, window)
    path = save_session(window, tmp_path / "three")
    window.controller.show_sample(SEVEN)
    settled(qtbot, window)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    window.dropEvent(QDropEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime, buttons, keys))
    qtbot.waitUntil(
        lambda: window.state.sample is not None and window.state.sample.index == 3, timeout=WAIT_MS
    )


def test_capture_of_an_empty_canvas_is_no_input(window):
    assert capture_session(window).input.kind == "none"


def test_the_command_line_renders_a_session_and_refuses_a_damaged_one(
    window, qtbot, tmp_path, capsys, in_process_app
):
    from capsviz.cli import main

    window.controller.show_sample(3)
    settled(qtbot, window)
    window.controller.select_capsule(5)
    window.controller.seek_routing(0)
    path = save_session(window, tmp_path / "figure")
    window.close()
    shot = tmp_path / "figure.png"
    assert main(["--session", str(path), "--screenshot", str(shot)]) == 0
    assert Image.open(shot).size == (1400, 900)
    assert f"wrote {shot}" in capsys.readouterr().out
    reference = tmp_path / "reference.png"
    assert main(["--screenshot", str(reference), "--sample", "3"]) == 0
    differs = np.asarray(Image.open(shot).convert("L"), np.int16) - np.asarray(
        Image.open(reference).convert("L"), np.int16
    )
    assert np.abs(differs).mean() > 0.1, "capsule 5 and the first routing step are on show, not the defaults"

    bad = damaged(tmp_path, "bad.capsviz", '{"format": "capsviz-session", "version": 1, "capsule": "five"}')
    assert main(["--session", str(bad), "--screenshot", str(shot)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.capsviz" in err[0] and "capsule" in err[0]


def test_the_file_keeps_strokes_exactly_and_pictures_losslessly(tmp_path):
    from capsviz.app.session_file import Session, SessionInput, WeightsRef, write_session
    from capsviz.data.strokes import Stroke

    rng = np.random.default_rng(0)
    strokes = (Stroke(rng.uniform(0, 448, (40, 2)), 17.25), Stroke(rng.uniform(0, 448, (3, 2)), 9.0, True))
    drawn = Session(
        SessionInput("strokes", strokes=strokes), capsule=4, offsets=tuple(np.linspace(-0.2, 0.2, 16))
    )
    back = read_session(write_session(drawn, tmp_path / "drawn"))
    for saved, read in zip(strokes, back.input.strokes, strict=True):
        np.testing.assert_array_equal(read.points, saved.points)
        assert (read.width, read.erase) == (saved.width, saved.erase)
    assert back.capsule == 4 and back.offsets == pytest.approx(drawn.offsets, abs=1e-6)
    picture = rng.integers(0, 256, (61, 47), dtype=np.uint8)
    weights = WeightsRef("capsnet.safetensors", "0" * 64)
    shown = Session(SessionInput("picture", picture=picture, source="scan.jpg"), weights=weights, panel="why")
    back = read_session(write_session(shown, tmp_path / "picture.capsviz"))
    np.testing.assert_array_equal(back.input.picture, picture)
    assert (back.input.source, back.weights, back.panel) == ("scan.jpg", weights, "why")


def test_zoom_and_an_enlarged_tab_come_back_too(window, qtbot, pretrained, tmp_path):
    window.controller.show_sample(SEVEN)
    settled(qtbot, window)
    window.presentation.set_zoom(1.5)
    window.presentation.toggle_enlarged(window.panel_pages["routing"])
    path = save_session(window, tmp_path / "slide")
    other = another_window(qtbot, pretrained)
    assert open_session(other, path)
    settled(qtbot, other)
    assert other.presentation.zoom == 1.5
    assert other.presentation.enlarged is other.panel_pages["routing"] and not other.draw_panel.isVisible()
    data = json.loads(path.read_text())
    data["zoom"] = 9
    path.write_text(json.dumps(data))
    assert not open_session(other, path) and "zoom" in other.status.currentMessage()


def test_a_colour_picture_with_transparency_is_kept_as_it_was_given(tmp_path):
    from capsviz.app.session_file import Session, SessionInput, storable_picture, write_session

    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, (30, 40, 4), dtype=np.uint8)
    kept = storable_picture(rgba)
    assert kept is rgba
    back = read_session(write_session(Session(SessionInput("picture", picture=kept)), tmp_path / "rgba"))
    np.testing.assert_array_equal(back.input.picture, rgba)
    binned = rng.random((112, 112)).astype(np.float32)  # the canvas's binned floats in [0, 1]
    np.testing.assert_allclose(storable_picture(binned) / 255.0, binned, atol=0.5 / 255 + 1e-6)
