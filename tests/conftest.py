"""Shared test setup: headless Qt, one torch thread, and small fixtures."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app remembers window and brush in the user's config folder; tests keep theirs apart.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="capsviz-tests-config-")

import numpy as np
import pytest
import torch
from hypothesis import settings

atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_HOME"], True)

# The same fuzzing examples on every run, so a red suite always means a real change;
# HYPOTHESIS_PROFILE=explore searches new ones.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# Parallel test processes share the cores out: more torch threads than cores wait on each other.
WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
torch.set_num_threads(max(1, min(2, (os.cpu_count() or 1) // WORKERS)))


@pytest.fixture(scope="session", autouse=True)
def _clipboard_emptied_before_exit():
    """Free mime data that tests put on the clipboard while Python still runs.

    The clipboard owns it; left there, Qt frees it in its exit handlers, after
    Python has shut down, and the process dies with a segmentation fault.
    """
    yield
    if "PySide6.QtGui" in sys.modules:
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.instance() is not None:
            QGuiApplication.clipboard().clear()


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


@pytest.fixture(scope="session")
def tiny_mnist_dir(tmp_path_factory, mnist_test) -> str:
    """A torchvision-layout MNIST folder built from 512 shipped test digits (train) and 128 (test)."""
    from capsviz.data.mnist import RAW_FILES, raw_dir, write_idx

    root = tmp_path_factory.mktemp("mnist")
    folder = raw_dir(root)
    folder.mkdir(parents=True)
    images, labels = mnist_test
    splits = {"train": (images[:512], labels[:512]), "test": (images[512:640], labels[512:640])}
    for split, (x, y) in splits.items():
        image_name, label_name = RAW_FILES[split]
        write_idx(folder / image_name, x)
        write_idx(folder / label_name, y.astype("uint8"))
    return str(root)


@pytest.fixture
def window(qtbot, pretrained, monkeypatch):
    """The main window on the shipped model, shown offscreen at its normal size.

    The analysis panels have their own tests; the full window is exercised by the
    ``python -m capsviz --screenshot`` test in tests/app/test_cli.py. No latency
    log is written, whatever the environment says.
    """
    from capsviz.app import create_window

    monkeypatch.delenv("CAPSVIZ_LATENCY_LOG", raising=False)
    win = create_window(model=pretrained, insight=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


@pytest.fixture
def full_window(qtbot, pretrained):
    """The whole window on the shipped model, analysis panels included, shown offscreen at 1400×900."""
    from capsviz.app import create_window

    win = create_window(model=pretrained)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
