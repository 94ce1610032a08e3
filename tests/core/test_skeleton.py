"""Digits turned back into pen strokes: thinning to one pixel and tracing into polylines."""

from __future__ import annotations

import numpy as np

from capsviz.data.skeleton import digit_strokes, erosion_depth, open_blobs, trace_strokes, zhang_suen


def test_a_thick_bar_thins_to_a_one_pixel_line_along_its_middle() -> None:
    bar = np.zeros((40, 60), bool)
    bar[15:24, 5:55] = True
    skeleton = zhang_suen(bar)
    rows, cols = np.nonzero(skeleton)
    assert set(rows.tolist()) <= {18, 19, 20} and cols.min() <= 10 and cols.max() >= 49
    assert (skeleton.sum(axis=0)[10:50] == 1).all(), "one pixel wide"


def test_a_ring_thins_to_a_closed_loop_traced_as_one_stroke() -> None:
    ys, xs = np.mgrid[:60, :60]
    radius = np.hypot(ys - 30, xs - 30)
    ring = (radius > 15) & (radius < 21)
    strokes = trace_strokes(zhang_suen(ring))
    assert len(strokes) == 1
    distance = np.hypot(strokes[0][:, 0] - 30, strokes[0][:, 1] - 30)
    assert np.all(np.abs(distance - 18) < 2.5)
    assert np.linalg.norm(strokes[0][0] - strokes[0][-1]) < 3, "the walk goes all the way round"


def test_every_skeleton_pixel_lies_on_one_stroke() -> None:
    cross = np.zeros((50, 50), bool)
    cross[23:28, 5:45] = True
    cross[5:45, 23:28] = True
    skeleton = zhang_suen(cross)
    strokes = trace_strokes(skeleton)
    covered = {(int(y - 0.5), int(x - 0.5)) for stroke in strokes for x, y in stroke}
    assert len(covered) == sum(len(s) for s in strokes), "no pixel twice"
    assert len(covered) >= skeleton.sum() - 4  # only spurs shorter than 3 px may be dropped


def test_erosion_depth_is_the_chessboard_distance_to_the_background() -> None:
    square = np.zeros((9, 9), bool)
    square[1:8, 1:8] = True
    depth = erosion_depth(square)
    assert depth[4, 4] == 4 and depth[1, 1] == 1 and depth[2, 4] == 2 and depth[0, 0] == 0


def test_a_filled_blob_on_a_stroke_is_hollowed_into_a_loop_the_stroke_unchanged() -> None:
    """A 9 whose loop the pen filled in: a disc on a stem; drawn, it is a loop on a stem."""
    ys, xs = np.mgrid[:80, :80]
    nine = np.hypot(ys - 25, xs - 40) < 16
    nine[25:75, 52:58] = True  # the stem, 6 px wide
    opened = open_blobs(nine)
    assert not opened[25, 40], "the blob's middle is removed"
    assert opened[60, 52:58].all(), "the stem is left as it is"
    points = np.concatenate(trace_strokes(zhang_suen(opened)))
    dx, dy = points[:, 0] - 40, points[:, 1] - 25
    around = (np.hypot(dx, dy) > 6) & (np.hypot(dx, dy) < 17)
    sectors = np.unique((np.degrees(np.arctan2(dy[around], dx[around])) // 30).astype(int))
    assert len(sectors) == 12, "the strokes go all the way round the blob instead of stopping in it"


def test_strokes_and_their_crossings_are_not_blobs() -> None:
    cross = np.zeros((50, 50), bool)
    cross[22:28, 5:45] = True
    cross[5:45, 22:28] = True
    assert (open_blobs(cross) == cross).all()


def test_mnist_digits_become_a_few_strokes_inside_the_digit(mnist_test) -> None:
    images = mnist_test[0][:30]
    for image in images:
        strokes = digit_strokes(image)
        assert 1 <= len(strokes) <= 6
        points = np.concatenate(strokes)
        cols, rows = points[:, 0].astype(int), points[:, 1].astype(int)
        assert (image[rows, cols] > 60).mean() > 0.9, "strokes run through the ink"
