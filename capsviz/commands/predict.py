"""``capsviz predict IMAGE...``: the predicted digit and the ten capsule lengths per image."""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from capsviz.commands.common import CommandError, add_model_options, load_model_from_args, report_error
from capsviz.data.images import ImageError, load_image
from capsviz.data.preprocess import preprocess_pair, preprocess_stages

BATCH = 64


def iterations_arg(text: str) -> int:
    """Routing iterations as given on the command line: a whole number from 1 to 10."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 10:
        raise argparse.ArgumentTypeError(f"{value} is outside 1–10")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="classify image files and print the ten digit-capsule lengths",
        description=(
            "Classify each image (any size, light or dark background) after the same preprocessing "
            "the app uses, and print the predicted digit and the ten capsule lengths. With --two, read "
            "two overlapping digits with the MultiMNIST model: the two longest capsules."
        ),
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, …)")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of text")
    parser.add_argument(
        "--two",
        action="store_true",
        help="each image holds two overlapping digits of different classes (MultiMNIST model)",
    )
    parser.add_argument(
        "--iterations",
        type=iterations_arg,
        metavar="N",
        help="routing iterations, 1–10 (default: the model's)",
    )
    add_model_options(parser)
    parser.set_defaults(handler=run)


def _network_input(array: np.ndarray, two: bool) -> np.ndarray | None:
    """The 28×28 (or, for two digits, 36×36) input; None when there is no ink."""
    if two:
        pair = preprocess_pair(array)
        return pair if pair.any() else None
    stages = preprocess_stages(array)
    return None if stages.empty else stages.image


def _read(paths: list[str], two: bool = False) -> tuple[list[tuple[str, np.ndarray]], list[str]]:
    """Preprocessed inputs of the readable images, and a one-line reason per unusable one."""
    good, bad = [], []
    for path in paths:
        try:
            image = _network_input(load_image(path), two)
        except ImageError as exc:
            bad.append(str(exc))
            continue
        except ValueError as exc:
            bad.append(f"{path}: {exc}")
            continue
        if image is None:
            bad.append(f"{path}: no digit found (the image is blank)")
        else:
            good.append((path, image))
    return good, bad


@torch.no_grad()
def _lengths(model: torch.nn.Module, images: list[np.ndarray], iterations: int | None) -> np.ndarray:
    rows = []
    for start in range(0, len(images), BATCH):
        batch = torch.from_numpy(np.stack(images[start : start + BATCH]))[:, None].to(model.device)
        rows.append(model(batch, iterations=iterations).lengths.float().cpu().numpy())
    return np.concatenate(rows) if rows else np.zeros((0, 10), np.float32)


def _record(path: str, row: np.ndarray, two: bool) -> dict:
    lengths = [round(float(v), 4) for v in row]
    if two:
        first, second = (int(d) for d in np.argsort(row)[::-1][:2])
        return {"file": path, "digits": [first, second], "lengths": lengths}
    return {
        "file": path,
        "prediction": int(row.argmax()),
        "length": round(float(row.max()), 4),
        "lengths": lengths,
    }


def _line(record: dict) -> str:
    values = " ".join(f"{v:.3f}" for v in record["lengths"])
    if "digits" in record:
        first, second = record["digits"]
        found = (
            f"{first} and {second} (lengths {record['lengths'][first]:.3f}, {record['lengths'][second]:.3f})"
        )
        return f"{record['file']}: {found}  lengths: {values}"
    return f"{record['file']}: {record['prediction']} (length {record['length']:.3f})  lengths: {values}"


def run(args: argparse.Namespace) -> int:
    two = bool(getattr(args, "two", False))
    good, bad = _read(args.images, two)
    for message in bad:
        report_error(message)
    if good:
        try:
            model = load_model_from_args(args, "multimnist" if two else "mnist")
        except CommandError as exc:
            report_error(str(exc))
            return 1
        lengths = _lengths(model, [image for _, image in good], args.iterations)
        records = [_record(path, row, two) for (path, _), row in zip(good, lengths, strict=True)]
        if args.json:
            print(json.dumps(records, indent=2))
        else:
            for record in records:
                print(_line(record))
    elif args.json:
        print("[]")
    return 1 if bad else 0
