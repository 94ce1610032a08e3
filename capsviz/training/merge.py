"""Average the weights of several runs of one model into one file: ``python -m capsviz.training.merge``.

Two runs that start from the same weights and train apart for a while end in
one basin, on opposite sides of it; the mean of their weights (a "model soup",
Wortsman et al. 2022) often reads better than either, where no more training
at the same rate moves one run past its own scatter. The merged file is
evaluated on the held-out set before it is written, so its ``test_accuracy``
is measured, not inherited.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from capsviz.data.mnist import load_shipped_test_set
from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import WeightsError, load_weights, save_weights
from capsviz.training.datasets import DATASETS, MnistTask, make_task
from capsviz.training.evaluate import PairedDifference, held_out_hits, paired_difference
from capsviz.training.loop import percent

STORAGE = {"float32": torch.float32, "bfloat16": torch.bfloat16}
# Set by save_weights or measured here; everything else comes from the source trained longest.
NOT_INHERITED = ("format", "architecture", "input_size", "iterations", "date", "test_accuracy", "stored_as")


def average_models(models: Sequence[CapsNet]) -> CapsNet:
    """The first of ``models`` holding the mean of all their parameters (float32), in eval mode."""
    if len(models) < 2:
        raise WeightsError("averaging needs at least two weights files")
    first = models[0]
    for other in models[1:]:
        if (other.input_size, other.iterations) != (first.input_size, first.iterations):
            raise WeightsError(
                f"cannot average a {first.input_size}×{first.input_size} model with "
                f"{first.iterations} routing iterations and a {other.input_size}×{other.input_size} one "
                f"with {other.iterations}"
            )
    states = [model.state_dict() for model in models]
    mean = {name: torch.stack([state[name].float() for state in states]).mean(dim=0) for name in states[0]}
    first.load_state_dict(mean)
    return first.eval()


def stored(model: CapsNet, storage: torch.dtype) -> CapsNet:
    """``model`` with its parameters rounded as ``storage`` keeps them (what a reader of the file gets)."""
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.copy_(tensor.to(storage).float())
    return model


def held_out_task(dataset: str, limit: int | None = None) -> MnistTask:
    """The run's held-out set, built once for every file measured on it."""
    empty = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
    return make_task(dataset, empty, load_shipped_test_set(), limit_test=limit)


def read_held_out(model: CapsNet, task: MnistTask, quiet: bool = False) -> torch.Tensor:
    """Which held-out items the model reads right by the run's own measure (MultiMNIST: both digits)."""
    count = len(task.test_y)
    with tqdm(total=count, desc="evaluating", unit=task.unit, disable=quiet, file=sys.stderr) as bar:
        return held_out_hits(model, task, torch.arange(count), model.device, bar)


@dataclass(frozen=True)
class Merged:
    """What a merge wrote: its accuracy on ``measured`` held-out items of ``dataset``, and, where asked, how
    it compares item by item with another file."""

    accuracy: float
    dataset: str
    measured: int
    against: PairedDifference | None = None


def merge_files(
    paths: Sequence[str | Path],
    out: str | Path,
    storage: str = "float32",
    limit_test: int | None = None,
    quiet: bool = False,
    against: str | Path | None = None,
) -> Merged:
    """Average the weights files ``paths``, measure the result, write it to ``out``.

    The metadata (dataset, history, epochs) is that of the source trained the
    most epochs, plus ``averaged_from``: each source's name, epochs and stated
    accuracy. With ``against`` (say, the weights the mean would replace) that
    file is measured on the same held-out items and the two are compared item by
    item, the fair test of whether the mean is better.
    """
    models = [load_weights(path) for path in paths]
    reference = load_weights(against) if against is not None else None
    sources = [dict(model.metadata) for model in models]
    dataset = sources[0].get("dataset", "mnist")
    others = sources + ([dict(reference.metadata)] if reference is not None else [])
    if dataset not in DATASETS or any(source.get("dataset", "mnist") != dataset for source in others):
        raise WeightsError("the weights files were not all trained on the same dataset")
    if reference is not None and reference.input_size != models[0].input_size:
        raise WeightsError(
            f"cannot compare a {models[0].input_size}×{models[0].input_size} model with the "
            f"{reference.input_size}×{reference.input_size} one in {Path(against).name}"
        )
    longest = max(sources, key=lambda source: int(source.get("epochs", "0")))
    merged = stored(average_models(models), STORAGE[storage])
    task = held_out_task(dataset, limit_test)
    hits = read_held_out(merged, task, quiet)
    comparison = None
    if reference is not None:
        comparison = paired_difference(hits, read_held_out(reference.eval(), task, quiet))
    accuracy, measured = float(hits.float().mean()) if len(hits) else 0.0, len(hits)
    inherited = {key: value for key, value in longest.items() if key not in NOT_INHERITED}
    inherited["test_images"] = str(measured)
    averaged_from = [
        {
            "file": Path(path).name,
            "epochs": source.get("epochs"),
            "test_accuracy": source.get("test_accuracy"),
        }
        for path, source in zip(paths, sources, strict=True)
    ]
    save_weights(
        merged,
        out,
        STORAGE[storage],
        **inherited,
        test_accuracy=f"{accuracy:.4f}",
        averaged_from=json.dumps(averaged_from),
        **({"stored_as": storage} if storage != "float32" else {}),
    )
    return Merged(accuracy, dataset, measured, comparison)


def describe_comparison(merged: Merged, against: str) -> str:
    """``paired against REF on the same 10000 pairs: …``, in words and standard deviations."""
    difference, unit = merged.against, "pairs" if merged.dataset == "multimnist" else "digits"
    return (
        f"paired against {against} on the same {merged.measured} {unit}: the mean reads "
        f"{difference.only_first} that {Path(against).name} misses, {Path(against).name} reads "
        f"{difference.only_second} that the mean misses ({difference.z:+.1f} standard deviations)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m capsviz.training.merge",
        description="Average the weights of runs of one model (e.g. two continuations of one file) and "
        "write the mean, measured on the held-out set, as a capsviz weights file.",
    )
    parser.add_argument("weights", nargs="+", help="two or more .safetensors weights files of one model")
    parser.add_argument("--out", required=True, help="the merged weights file to write")
    parser.add_argument(
        "--storage", choices=tuple(STORAGE), default="float32", help="bfloat16 halves the file"
    )
    parser.add_argument("--limit-test", type=int, metavar="N", help="measure on the first N held-out items")
    parser.add_argument(
        "--against",
        metavar="WEIGHTS",
        help="also measure this file on the same held-out items and compare the two item by item "
        "(e.g. the weights the mean would replace)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        merged = merge_files(
            args.weights, args.out, args.storage, args.limit_test, args.quiet, against=args.against
        )
    except (WeightsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    what = "both digits read in" if merged.dataset == "multimnist" else "test accuracy"
    print(f"wrote {args.out}: the mean of {len(args.weights)} files, {what} {percent(merged.accuracy)}")
    if merged.against is not None:
        print(describe_comparison(merged, args.against))
    return 0


if __name__ == "__main__":
    sys.exit(main())
