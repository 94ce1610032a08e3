"""The live view's request end to end (Qt-free): what the live lane computes for one request."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from capsviz.analysis.counterfactual import decode_as
from capsviz.analysis.live import (
    CANVAS_PIXELS,
    InferenceRequest,
    answer,
    bin_canvas,
    fit_to_square,
)
from capsviz.data.images import ImageError


def test_outputs_match_the_model_and_hold_every_iteration(pretrained, mnist_test):
    images, labels = mnist_test
    result = answer(pretrained, InferenceRequest(images[0], 4), generation=5)
    outputs = result.outputs
    assert result.generation == 5 and result.seconds > 0
    batch = torch.from_numpy(result.stages.image)[None, None]
    with torch.no_grad():
        expected = pretrained(batch, iterations=4)
    np.testing.assert_allclose(outputs.lengths, expected.lengths[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(outputs.reconstruction, expected.reconstruction[0, 0].numpy(), atol=1e-5)
    assert outputs.prediction == labels[0] == 7
    assert outputs.coupling.shape == (4, 1152, 10) and outputs.iteration_lengths.shape == (4, 10)
    np.testing.assert_allclose(outputs.coupling[0], 0.1, atol=1e-6)
    np.testing.assert_allclose(outputs.coupling.sum(axis=2), 1.0, atol=1e-5)
    np.testing.assert_allclose(outputs.iteration_lengths[-1], outputs.lengths, atol=1e-6)
    assert outputs.primary_lengths.shape == (1152,) and outputs.confidence == pytest.approx(
        outputs.lengths[7]
    )
    assert result.preview is None


def test_decoding_a_pose_matches_the_models_reconstruction(pretrained, mnist_test):
    outputs = answer(pretrained, InferenceRequest(mnist_test[0][0], 3)).outputs
    np.testing.assert_allclose(decode_as(pretrained, outputs.poses[7], 7), outputs.reconstruction, atol=1e-5)


def test_blank_input_and_no_model_give_no_outputs(pretrained, mnist_test):
    blank = answer(pretrained, InferenceRequest(np.zeros((CANVAS_PIXELS, CANVAS_PIXELS), np.uint8), 3))
    assert blank.stages.empty and blank.outputs is None
    unloaded = answer(None, InferenceRequest(mnist_test[0][0], 3))
    assert unloaded.outputs is None and unloaded.stages.image.max() == pytest.approx(1.0)


def test_files_are_read_off_the_gui_thread(tmp_path, pretrained):
    from PIL import Image

    picture = np.full((90, 60), 255, np.uint8)
    picture[15:75, 28:34] = 0  # a dark "1" on white paper
    path = tmp_path / "one.png"
    Image.fromarray(picture).save(path)
    result = answer(pretrained, InferenceRequest(str(path), 3, origin="file", preview=True))
    assert result.stages.inverted and result.array.shape == (90, 60)
    assert result.preview.shape == (CANVAS_PIXELS, CANVAS_PIXELS) and result.preview.dtype == np.uint8
    with pytest.raises(ImageError, match="no such file"):
        answer(pretrained, InferenceRequest(str(tmp_path / "missing.png"), 3))


def test_fit_to_square_keeps_aspect_and_centres():
    ink = np.zeros((30, 10), np.float32)
    ink[:, 4:6] = 1.0
    square = fit_to_square(ink, 60)
    assert square.shape == (60, 60)
    columns = np.flatnonzero(square.max(axis=0) > 128)
    assert columns.min() >= 20 and columns.max() < 40, "a tall image is fitted by height, centred"
    assert fit_to_square(np.zeros((0, 5), np.float32), 8).max() == 0


def test_bin_canvas_averages_blocks():
    pixels = np.zeros((CANVAS_PIXELS, CANVAS_PIXELS), np.uint8)
    pixels[:4, :4] = 255
    pixels[4:8, :2] = 255
    binned = bin_canvas(pixels)
    assert binned.shape == (112, 112) and binned.dtype == np.float32
    assert binned[0, 0] == 1.0 and binned[1, 0] == 0.5 and binned[2:, :].max() == 0.0


def test_the_live_view_uses_bfloat16_only_where_the_hardware_has_it(mnist_test):
    """Faster answers while drawing, and the same digits as float32 on the test set's first 300."""
    import capsviz
    from capsviz.analysis.live import for_live_view, run_network
    from capsviz.model.device import native_bfloat16

    model = for_live_view(capsviz.load_pretrained())
    native = native_bfloat16(model.device)
    assert (model.inference_dtype == torch.bfloat16) == native
    if not native:
        return
    reference = capsviz.load_pretrained()
    images = mnist_test[0][:300].astype(np.float32) / 255.0
    live = [run_network(model, image, 3) for image in images]
    plain = [run_network(reference, image, 3) for image in images]
    assert [out.prediction for out in live] == [out.prediction for out in plain]
    assert max(np.abs(a.lengths - b.lengths).max() for a, b in zip(live, plain, strict=True)) < 2e-3
