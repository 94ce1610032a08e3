"""Animations to take away: frames drawn by the window's views, GIF written, bad requests refused."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
from PIL import Image, ImageSequence

from capsviz.analysis.live import run_network
from capsviz.analysis.morph import morph
from capsviz.app.animation import morph_film, parse_size, routing_film, sweep_film, sweep_values
from capsviz.app.animation_dialog import AnimationRequest, ExportAnimationDialog, export_film
from capsviz.app.animation_file import AnimationError, Film, check_target, write_film
from capsviz.app.views.routing import RoutingView
from tests.app.app_helpers import SEVEN, WAIT_MS

SIZE = (480, 360)


def gif_frames(path) -> list[np.ndarray]:
    with Image.open(path) as picture:
        return [np.asarray(frame.convert("RGB"), np.int16) for frame in ImageSequence.Iterator(picture)]


@pytest.fixture(scope="module")
def seven(mnist_test):
    return mnist_test[0][SEVEN].astype(np.float32) / 255.0


def test_routing_is_one_frame_per_iteration_and_shows_what_the_routing_view_shows(
    qtbot, pretrained, seven, tmp_path
):
    outputs = run_network(pretrained, seven, 3)
    film = routing_film(outputs, seven, SIZE, source="a 7")
    assert len(film.frames) == 3 and all(f.shape == (360, 480, 3) for f in film.frames)
    written = write_film(film, tmp_path / "routing.gif")
    frames = gif_frames(written)
    assert len(frames) == 3
    first, last = frames[0], frames[-1]
    assert np.abs(first - last).mean() > 1.0, "iteration 1 (uniform c_ij) differs from iteration 3"
    # The window's routing view at the same iterations differs the same way: c_ij sharpen, the 7 wins.
    view = RoutingView()
    qtbot.addWidget(view)
    view.show_routing(outputs, 0)
    uniform = view.shown_coupling()
    view.show_routing(outputs, 2)
    assert np.abs(view.shown_coupling() - uniform).max() > 0.1
    assert outputs.prediction == 7
    with Image.open(written) as picture:
        assert picture.info["loop"] == 0 and picture.info["duration"] > 0


def test_tween_frames_morph_between_iterations(qtbot, pretrained, seven):
    outputs = run_network(pretrained, seven, 3)
    film = routing_film(outputs, seven, SIZE, tween=2)
    assert len(film.frames) == 3 + 2 * 2
    assert sum(film.durations_ms) > 3 * 900


def test_a_sweep_moves_one_dimension_across_its_reach_and_back(qtbot, pretrained, seven, tmp_path):
    values = sweep_values(-0.25, 0.25, 21)
    assert values[0] == 0 and values[-1] == 0 and values.max() == pytest.approx(0.25)
    assert values.min() == pytest.approx(-0.25)
    outputs = run_network(pretrained, seven, 3)
    film = sweep_film(pretrained, outputs, seven, 7, 5, (-0.25, 0.25), SIZE, steps=21)
    assert len(film.frames) == len(values)
    frames = gif_frames(write_film(film, tmp_path / "sweep.gif"))
    assert len(frames) == len(values)
    top = int(np.argmax(values))
    assert np.abs(frames[top] - frames[0]).mean() > 0.5, "the decoded digit changes along the sweep"
    assert np.abs(frames[-1] - frames[0]).mean() < 0.5, "and comes back to where it started"
    with pytest.raises(ValueError, match="dimension 16"):
        sweep_film(pretrained, outputs, seven, 7, 16)


def test_a_morph_film_shows_each_frame_and_its_reading(qtbot, pretrained, mnist_test):
    images = mnist_test[0].astype(np.float32) / 255.0
    result = morph(pretrained, images[SEVEN], images[2], 9)  # a 7 into a 1
    film = morph_film(result, SIZE)
    assert len(film.frames) == 9
    assert film.durations_ms[0] > film.durations_ms[4], "the ends are held"
    assert np.abs(film.frames[0].astype(int) - film.frames[-1]).mean() > 1.0


def test_bad_targets_and_sizes_are_one_line(tmp_path, monkeypatch):
    with pytest.raises(AnimationError, match=r"write a \.gif"):
        check_target(tmp_path / "film.avi")
    monkeypatch.setattr("capsviz.app.animation_file.shutil.which", lambda name: None)
    with pytest.raises(AnimationError, match="MP4 needs ffmpeg"):
        check_target(tmp_path / "film.mp4")
    assert parse_size("640x480") == (640, 480) and parse_size("800×600") == (800, 600)
    for text in ("big", "10x10", "640"):
        with pytest.raises(ValueError, match="size"):
            parse_size(text)


def test_mp4_goes_through_ffmpeg_when_it_is_installed(tmp_path, monkeypatch):
    """A stand-in ffmpeg that stores what it was given: the frames reach it at their size and duration."""
    fake = tmp_path / "ffmpeg"
    fake.write_text('#!/bin/sh\nfor last; do :; done\ncat > "$last"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    frames = [np.full((61, 80, 3), value, np.uint8) for value in (0, 255)]
    target = write_film(Film(frames, [200, 400]), tmp_path / "out" / "film.mp4")
    raw = target.read_bytes()
    assert len(raw) == (5 + 10) * 60 * 80 * 3, "25 fps: 200 ms → 5 frames, 400 ms → 10, even sides"
    assert not list((tmp_path / "out").glob(".*partial*"))


def test_the_window_exports_routing_and_a_sweep_and_says_so(window, qtbot, tmp_path):
    window.controller.show_sample(SEVEN)
    qtbot.waitUntil(lambda: window.state.outputs is not None and window.controller.answered, timeout=WAIT_MS)
    assert export_film(window, AnimationRequest("routing", size=SIZE), str(tmp_path / "r.gif"))
    assert len(gif_frames(tmp_path / "r.gif")) == window.state.iterations
    assert "Saved" in window.status.currentMessage() and "3 frames" in window.status.currentMessage()
    assert export_film(window, AnimationRequest("sweep", dimension=3, size=SIZE), str(tmp_path / "s.gif"))
    assert len(gif_frames(tmp_path / "s.gif")) == 21
    assert not export_film(window, AnimationRequest("morph", size=SIZE), str(tmp_path / "m.gif"))
    assert "no morph" in window.status.currentMessage() and not (tmp_path / "m.gif").exists()


def test_exporting_before_any_digit_says_what_to_do(window, tmp_path):
    assert not export_film(window, AnimationRequest("routing"), str(tmp_path / "r.gif"))
    assert "draw or open a digit first" in window.status.currentMessage()


def test_the_dialog_offers_the_morph_only_when_there_is_one(qtbot):
    dialog = ExportAnimationDialog(None, ["≈ width"] + [""] * 15, has_morph=False)
    qtbot.addWidget(dialog)
    assert not dialog.kind.model().item(2).isEnabled()
    assert not dialog.dimension.isEnabled(), "a dimension only matters for a sweep"
    dialog.kind.setCurrentIndex(1)
    dialog.dimension.setCurrentIndex(4)
    dialog.size.setCurrentIndex(0)
    assert dialog.dimension.isEnabled() and not dialog.tween.isEnabled()
    assert dialog.request() == AnimationRequest("sweep", 4, (640, 480), 0)
    assert dialog.dimension.itemText(0) == "0 · ≈ width"


def test_the_command_line_writes_each_kind(tmp_path, capsys, mnist_test):
    from capsviz.cli import main

    images = mnist_test[0]
    seven, one = tmp_path / "seven.png", tmp_path / "one.png"
    Image.fromarray(images[SEVEN]).save(seven)
    Image.fromarray(images[2]).save(one)
    out = tmp_path / "films"
    assert main(["animate", str(seven), "--out", str(out / "routing.gif"), "--size", "480x360"]) == 0
    assert len(gif_frames(out / "routing.gif")) == 3
    assert "3 frames" in capsys.readouterr().out
    sweep = ["animate", str(seven), "--what", "sweep", "--dim", "2", "--steps", "9", "--size", "480x360"]
    assert main([*sweep, "--out", str(out / "sweep.gif")]) == 0
    assert len(gif_frames(out / "sweep.gif")) == len(sweep_values(-0.25, 0.25, 9))
    morphing = ["animate", str(seven), "--what", "morph", "--to", str(one), "--steps", "5"]
    assert main([*morphing, "--size", "480x360", "--out", str(out / "morph.gif")]) == 0
    assert len(gif_frames(out / "morph.gif")) == 5
    capsys.readouterr()
    for bad, said in (
        (["--what", "morph"], "--to"),
        (["--dim", "16", "--what", "sweep"], "--dim 16"),
        (["--out", str(out / "x.avi")], "x.avi"),
        (["--size", "9x9"], "size"),
    ):
        assert main(["animate", str(seven), *bad]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and said in err[0], err
    assert main(["animate", str(tmp_path / "missing.png")]) == 1
    assert "no such file" in capsys.readouterr().err
