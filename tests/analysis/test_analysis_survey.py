"""The cached test-set pass, the per-dimension statistics and the gallery of surprises."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from capsviz.analysis import cache
from capsviz.analysis.dimensions import dimension_stats
from capsviz.analysis.gallery import gallery
from capsviz.analysis.inference import as_batch
from capsviz.analysis.survey import Survey, SurveyCancelled, load_or_run_survey, survey_path

SURVEY_SIZE = 80  # as in conftest.small_survey


def test_survey_matches_the_network(pretrained, mnist_test, small_survey):
    images, labels = mnist_test
    with torch.no_grad():
        out = pretrained(as_batch(images[:20], pretrained))
    np.testing.assert_allclose(small_survey.lengths[:20], out.lengths.numpy(), atol=1e-5)
    np.testing.assert_allclose(small_survey.poses[:20], out.poses.numpy(), atol=1e-5)
    np.testing.assert_array_equal(small_survey.labels, labels[:SURVEY_SIZE])
    assert len(small_survey) == SURVEY_SIZE


def test_cached_survey_is_read_without_running_the_network(pretrained, mnist_test, small_survey, survey_dir):
    images, labels = mnist_test
    assert survey_path(pretrained, images, survey_dir).is_file()
    again = load_or_run_survey(pretrained, images, labels, 50, folder=survey_dir, should_stop=lambda: True)
    np.testing.assert_array_equal(again.lengths, small_survey.lengths[:50])


def test_survey_grows_and_a_cancelled_pass_keeps_its_part(pretrained, mnist_test, tmp_path):
    images, labels = mnist_test[0][:100], mnist_test[1][:100]
    seen = []
    first = load_or_run_survey(
        pretrained, images, labels, 20, folder=tmp_path, batch_size=10, progress=lambda d, t: seen.append(d)
    )
    assert seen == [10, 20]
    calls = iter([False, True])
    with pytest.raises(SurveyCancelled):
        load_or_run_survey(
            pretrained, images, labels, 60, folder=tmp_path, batch_size=10, should_stop=lambda: next(calls)
        )
    stored = cache.load_arrays(survey_path(pretrained, images, tmp_path))
    assert len(stored["lengths"]) == 30
    np.testing.assert_array_equal(stored["lengths"][:20], first.lengths)
    grown = load_or_run_survey(pretrained, images, labels, 40, folder=tmp_path, batch_size=10)
    np.testing.assert_array_equal(grown.lengths[:30], stored["lengths"])
    assert len(grown) == 40


def test_dimension_stats_are_finite_and_ordered(small_survey):
    stats = dimension_stats(small_survey, bins=12)
    assert stats.mean.shape == (10, 16) and stats.counts.shape == (10, 16, 12)
    assert np.isfinite(stats.mean).all() and np.isfinite(stats.std).all()
    assert (stats.low <= stats.mean).all() and (stats.mean <= stats.high).all()
    for digit in (1, 7):
        rows = small_survey.correct & (small_survey.labels == digit)
        poses = small_survey.poses[rows, digit]
        np.testing.assert_allclose(stats.mean[digit], poses.mean(axis=0), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(stats.std[digit], poses.std(axis=0), rtol=1e-4, atol=1e-6)
        assert stats.samples[digit] == rows.sum()
        assert (stats.counts[digit].sum(axis=1) == rows.sum()).all()
    centres, density = stats.density(7, 3)
    assert density.max() == pytest.approx(1.0) and len(centres) == 12
    low, high = stats.slider_range(7, 3, pose_value=float(stats.mean[7, 3]))
    assert low == pytest.approx(-2 * stats.std[7, 3], abs=1e-6) and high == pytest.approx(
        2 * stats.std[7, 3], abs=1e-6
    )
    assert stats.slider_range(7, 3, 0.0, "paper") == (-0.25, 0.25)


def test_gallery_lists_exactly_the_misclassified_digits(pretrained, mnist_test, small_survey):
    images, labels = mnist_test
    found = gallery(small_survey, unsure_count=10)
    listed = sorted(entry.index for entry in found.mistakes)
    assert listed == np.flatnonzero(small_survey.predictions != labels[:SURVEY_SIZE]).tolist()
    checked = np.array(listed + [entry.index for entry in found.unsure], dtype=np.int64)
    with torch.no_grad():
        predicted = pretrained(as_batch(images[checked], pretrained)).lengths.argmax(1).numpy()
    np.testing.assert_array_equal(predicted[: len(listed)] != labels[checked[: len(listed)]], True)
    np.testing.assert_array_equal(predicted[len(listed) :], labels[checked[len(listed) :]])
    by_index = dict(zip(checked.tolist(), predicted.tolist(), strict=True))
    assert all(entry.prediction == by_index[entry.index] for entry in found.mistakes)
    assert len(found.unsure) == 10 and not any(entry.wrong for entry in found.unsure)
    assert found.surveyed == SURVEY_SIZE


def test_gallery_orders_by_margin():
    lengths = np.array(
        [
            [0.9, 0.1, 0, 0, 0, 0, 0, 0, 0, 0],  # right, sure
            [0.5, 0.45, 0, 0, 0, 0, 0, 0, 0, 0],  # right, unsure (margin 0.05)
            [0.2, 0.8, 0, 0, 0, 0, 0, 0, 0, 0],  # wrong, confident (margin 0.6)
            [0.4, 0.3, 0.5, 0, 0, 0, 0, 0, 0, 0],  # wrong, unsure (margin 0.1)
            [0.6, 0.58, 0, 0, 0, 0, 0, 0, 0, 0],  # right, most unsure (margin 0.02)
        ],
        np.float32,
    )
    survey = Survey(np.zeros(5, np.int64), lengths, np.zeros((5, 10, 16), np.float32))
    found = gallery(survey, unsure_count=2)
    assert [e.index for e in found.mistakes] == [2, 3]
    assert [e.index for e in found.unsure] == [4, 1]
    assert found.mistakes[0].caption() == "0→1" and found.unsure[0].caption() == "0 (1?)"
    assert found.unsure[0].margin == pytest.approx(0.02, abs=1e-6)
    assert "true 0, predicted 1" in found.mistakes[0].describe()
