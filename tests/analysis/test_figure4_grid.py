"""The Figure-4 grid and ``capsviz perturb``."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch
from PIL import Image

from capsviz.analysis.figure4 import CELL, GAP, PAPER_OFFSETS, figure4, grid_origin, render_figure4
from capsviz.analysis.inference import infer
from capsviz.commands import perturb
from capsviz.data.images import load_image
from capsviz.data.preprocess import preprocess


@pytest.fixture(scope="module")
def grid(pretrained, routed):
    _, output = routed
    digit = int(output.prediction[0])
    return figure4(pretrained, output.poses[0, digit].numpy(), digit)


def test_offsets_are_the_papers():
    np.testing.assert_allclose(PAPER_OFFSETS, np.arange(-0.25, 0.26, 0.05), atol=1e-6)


def test_grid_shape_and_centre_column_is_the_reconstruction(grid, routed):
    _, output = routed
    assert grid.images.shape == (16, 11, 28, 28)
    mosaic = grid.mosaic()
    assert mosaic.shape == (16 * 28, 11 * 28)
    centre = grid.centre_column
    assert centre == 5
    reconstruction = output.reconstruction[0, 0].numpy()
    for row in range(16):
        np.testing.assert_allclose(
            mosaic[row * 28 : (row + 1) * 28, centre * 28 : (centre + 1) * 28], reconstruction, atol=1e-5
        )


def test_each_tile_decodes_the_pose_moved_along_one_dimension(pretrained, grid):
    pose = grid.pose.copy()
    pose[9] += PAPER_OFFSETS[2]
    with torch.no_grad():
        expected = pretrained.decode(torch.from_numpy(pose)[None], grid.digit)[0, 0].numpy()
    np.testing.assert_allclose(grid.mosaic()[9 * 28 : 10 * 28, 2 * 28 : 3 * 28], expected, atol=1e-5)


def test_rendered_picture_holds_the_tiles(grid):
    labels = [""] * 15 + ["≈ slant"]
    picture = render_figure4(grid, labels, title="test")
    x0, y0 = grid_origin(grid, labels, title="test")
    tile = 28 * CELL
    pixels = np.asarray(picture.convert("L"), np.float32) / 255
    r, c = 4, 7
    y, x = y0 + r * (tile + GAP), x0 + c * (tile + GAP)
    block = pixels[y : y + tile : CELL, x : x + tile : CELL]
    np.testing.assert_allclose(block, grid.images[r, c], atol=1 / 255 + 1e-6)
    assert picture.size[0] > x0 + 11 * tile and picture.size[1] > y0 + 16 * tile


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="capsviz")
    perturb.register(parser.add_subparsers())
    return parser.parse_args(argv)


@pytest.fixture
def digit_png(tmp_path, digit):
    path = tmp_path / "seven.png"
    Image.fromarray((255 - digit[0] * 255).astype(np.uint8)).resize((112, 112)).save(path)
    return path


def test_perturb_writes_a_labelled_png_grid(pretrained, digit_png, tmp_path, capsys):
    out = tmp_path / "grid.png"
    args = _parse(["perturb", str(digit_png), "--out", str(out), "--device", "cpu"])
    assert args.handler(args) == 0
    with Image.open(out) as picture:
        picture.load()
        assert picture.format == "PNG"
        pixels = np.asarray(picture.convert("L"), np.float32) / 255
    _, output = infer(pretrained, preprocess(load_image(digit_png)))
    digit = int(output.prediction[0])
    expected = figure4(pretrained, output.poses[0, digit].numpy(), digit)
    assert pixels.shape[::-1] == render_figure4(expected, None, "title").size
    x0, y0 = grid_origin(expected, None, "title")
    tile = 28 * CELL
    y, x = y0 + 15 * (tile + GAP), x0 + 10 * (tile + GAP)
    np.testing.assert_allclose(
        pixels[y : y + tile : CELL, x : x + tile : CELL], expected.images[15, 10], atol=0.01
    )
    assert f"capsule {digit}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"this is not a picture"), "not an image"),
        (lambda p: Image.new("L", (40, 40), 255).save(p, format="PNG"), "no digit"),
        (lambda p: None, "no such file"),
    ],
)
def test_perturb_refuses_bad_input_with_one_line(tmp_path, capsys, make, message):
    bad = tmp_path / "bad.png"
    make(bad)
    out = tmp_path / "grid.png"
    args = _parse(["perturb", str(bad), "--out", str(out), "--device", "cpu"])
    assert args.handler(args) != 0
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and err.startswith("capsviz: error:")
    assert not out.exists()


def test_perturb_refuses_a_non_png_output(digit_png, tmp_path, capsys):
    args = _parse(["perturb", str(digit_png), "--out", str(tmp_path / "grid.jpg")])
    assert args.handler(args) == 1
    assert "PNG" in capsys.readouterr().err


def test_capsviz_command_line_runs_perturb(digit_png, tmp_path, capsys):
    from capsviz.cli import main

    out = tmp_path / "from-cli.png"
    assert main(["perturb", str(digit_png), "--out", str(out), "--digit", "3", "--device", "cpu"]) == 0
    assert "capsule 3" in capsys.readouterr().out
    with Image.open(out) as picture:
        assert picture.format == "PNG"
    assert main(["perturb", str(tmp_path / "nothing.png"), "--out", str(out)]) != 0
    assert capsys.readouterr().err.count("\n") == 1


def test_perturb_creates_a_missing_output_folder_and_says_so(digit_png, tmp_path, capsys):
    out = tmp_path / "new" / "deeper" / "g.png"
    args = _parse(["perturb", str(digit_png), "--out", str(out), "--device", "cpu"])
    assert args.handler(args) == 0
    assert out.is_file()
    assert f"created folder {out.parent}" in capsys.readouterr().err
    assert args.handler(args) == 0
    assert "created folder" not in capsys.readouterr().err, "an existing folder is not announced"


def test_perturb_into_a_folder_that_cannot_exist_is_one_line(digit_png, tmp_path, capsys):
    blocker = tmp_path / "a file"
    blocker.write_text("in the way")
    args = _parse(["perturb", str(digit_png), "--out", str(blocker / "g.png"), "--device", "cpu"])
    assert args.handler(args) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("capsviz: error: cannot write") and "\n" not in err
