"""The on-disk cache: where it lives, what it is keyed by, and that a broken file is ignored."""

from __future__ import annotations

import numpy as np
import torch

from capsviz.analysis import cache
from capsviz.model.capsnet import CapsNet


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "here"))
    assert cache.cache_dir() == tmp_path / "here"
    monkeypatch.delenv(cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "capsviz"


def test_model_key_changes_with_the_weights():
    torch.manual_seed(0)
    model = CapsNet()
    key = cache.model_key(model)
    assert key == cache.model_key(model) and len(key) == 16
    with torch.no_grad():
        model.decoder[0].bias[0] += 1.0
    assert cache.model_key(model) != key
    model.iterations = 5
    assert cache.model_key(model) not in (key,)


def test_arrays_round_trip_and_damaged_files_read_as_missing(tmp_path):
    path = tmp_path / "x.npz"
    cache.save_arrays(path, {"a": np.arange(5), "names": np.array(["slant", ""])})
    back = cache.load_arrays(path)
    np.testing.assert_array_equal(back["a"], np.arange(5))
    assert back["names"].tolist() == ["slant", ""]
    path.write_bytes(b"not a zip")
    assert cache.load_arrays(path) is None
    assert cache.load_arrays(tmp_path / "missing.npz") is None
    assert cache.array_key(np.zeros(3)) != cache.array_key(np.zeros(4))
