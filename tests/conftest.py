"""Shared test setup: headless Qt, one torch thread, and small fixtures."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
import torch

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(scope="session")
def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    """The shipped 10k MNIST test set: uint8 images [N, 28, 28] and labels [N]."""
    from capsviz.data.mnist import load_shipped_test_set

    return load_shipped_test_set()


@pytest.fixture(scope="session")
def pretrained():
    """The shipped, trained CapsNet on the CPU."""
    import capsviz

    return capsviz.load_pretrained()
