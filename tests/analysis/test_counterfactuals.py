"""Decoding through other capsules and feeding pictures back."""

from __future__ import annotations

import numpy as np
import torch

from capsviz.analysis.counterfactual import counterfactuals, decode_as, feed_back
from capsviz.analysis.inference import as_batch
from capsviz.data.preprocess import preprocess


def test_decode_as_equals_model_decode(pretrained, routed):
    _, output = routed
    pose = output.poses[0, 7].numpy()
    with torch.no_grad():
        as_three = pretrained.decode(torch.from_numpy(pose)[None], 3)[0, 0].numpy()
    np.testing.assert_allclose(decode_as(pretrained, pose, 3), as_three, atol=1e-6)
    np.testing.assert_allclose(decode_as(pretrained, pose, np.array([5, 3]))[1], as_three, atol=1e-6)


def test_counterfactuals_decode_every_digit_and_classify_it(pretrained, routed):
    _, output = routed
    pose = output.poses[0, 7].numpy() + np.eye(16, dtype=np.float32)[2] * 0.1
    result = counterfactuals(pretrained, pose, 7)
    assert result.images.shape == (10, 28, 28) and result.lengths.shape == (10, 10)
    with torch.no_grad():
        as_four = pretrained.decode(torch.from_numpy(pose)[None], 4)[0, 0].numpy()
        fed = np.stack([preprocess(image) for image in result.images])
        lengths = pretrained(as_batch(fed, pretrained)).lengths.numpy()
    np.testing.assert_allclose(result.images[4], as_four, atol=1e-6)
    np.testing.assert_allclose(result.inputs, fed, atol=1e-6)
    np.testing.assert_allclose(result.lengths, lengths, atol=1e-5)
    np.testing.assert_array_equal(result.kept, lengths.argmax(1) == np.arange(10))
    assert result.kept[7], "the digit's own reconstruction keeps its identity"


def test_raw_pictures_can_be_fed_back_unchanged(pretrained, monkeypatch, routed):
    import capsviz.analysis.counterfactual as module

    seen = []
    monkeypatch.setattr(module, "feed_back", lambda model, images: seen.append(images) or np.zeros((10, 10)))
    raw = counterfactuals(pretrained, routed[1].poses[0, 7].numpy(), 7, normalise=False)
    np.testing.assert_array_equal(seen[0], raw.images)
    assert raw.inputs is raw.images


def test_feed_back_of_one_picture(pretrained, digit):
    lengths = feed_back(pretrained, digit[0])
    assert lengths.shape == (10,) and lengths.argmax() == digit[1]
