"""Fixtures for the analysis tests: one routed test digit and a small cached survey."""

from __future__ import annotations

import numpy as np
import pytest

SURVEY_SIZE = 80


@pytest.fixture(scope="session")
def digit(mnist_test) -> tuple[np.ndarray, int]:
    """Test digit #0 as a float image in [0, 1] with its label."""
    images, labels = mnist_test
    return images[0].astype(np.float32) / 255.0, int(labels[0])


@pytest.fixture(scope="session")
def routed(pretrained, digit):
    """``(trace, output)`` of the test digit."""
    from capsviz.analysis.inference import infer

    return infer(pretrained, digit[0])


@pytest.fixture(scope="session")
def survey_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("survey-cache")


@pytest.fixture(scope="session")
def small_survey(pretrained, mnist_test, survey_dir):
    """The network's answers for the first test digits (cached in a temporary folder)."""
    from capsviz.analysis.survey import load_or_run_survey

    images, labels = mnist_test
    return load_or_run_survey(pretrained, images, labels, SURVEY_SIZE, folder=survey_dir)
