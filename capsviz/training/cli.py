"""``train_model.py``'s command line: parse, load MNIST, train, report."""

from __future__ import annotations

import argparse
import signal
import sys

from capsviz.data.mnist import MnistUnavailable, ensure_mnist, load_mnist
from capsviz.model.device import DEVICE_CHOICES, DeviceError
from capsviz.model.losses import AUTHORS_CODE_RECONSTRUCTION_WEIGHT
from capsviz.model.weights import WeightsError
from capsviz.training.checkpoint import CheckpointError
from capsviz.training.config import ARCHS, TrainConfig, TrainingStopped
from capsviz.training.datasets import DATASETS
from capsviz.training.distributed import is_main_process
from capsviz.training.loop import Trainer, epochs_text, percent


def build_parser() -> argparse.ArgumentParser:
    d = TrainConfig()
    p = argparse.ArgumentParser(
        prog="train_model.py",
        description=(
            "Train the CapsNet (or the CNN baseline) on MNIST (28×28), on MNIST placed at random on "
            "40×40 (the affNIST test) or on MultiMNIST pairs of overlapping digits (36×36), and write "
            "safetensors weights for capsviz."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--arch",
        choices=ARCHS,
        default=d.arch,
        help="capsnet: the paper's CapsNet; cnn: the CNN baseline it is compared with (three 5×5 "
        "convolutions, 328 and 192 units, dropout; a quarter of the paper's width)",
    )
    p.add_argument(
        "--dataset",
        choices=DATASETS,
        default=d.dataset,
        help="mnist: one digit per image; translated: one digit placed at random on a 40×40 canvas "
        "(the paper's training set for its affNIST test); multimnist: two overlapping digits of "
        "different classes, one epoch pairing every training digit once",
    )
    p.add_argument("--epochs", type=int, default=d.epochs, help="total epochs")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="global batch size")
    p.add_argument("--lr", type=float, default=d.lr, help="Adam learning rate")
    p.add_argument("--lr-decay", type=float, default=d.lr_decay, help="learning-rate factor per epoch")
    p.add_argument("--routing-iterations", type=int, default=d.routing_iterations, help="routing iterations")
    p.add_argument(
        "--device",
        choices=DEVICE_CHOICES,
        default=d.device,
        help="auto: a GPU if there is one, else the CPU; an explicit cuda or mps that is missing is an error",
    )
    p.add_argument("--data-dir", default=d.data_dir, help="MNIST folder (torchvision layout)")
    p.add_argument("--out", default=d.out, help="weights file to write after every epoch")
    p.add_argument(
        "--resume",
        metavar="FILE",
        help="continue from a checkpoint (<out>.checkpoint.safetensors) or a weights file",
    )
    p.add_argument(
        "--warm-start",
        metavar="WEIGHTS",
        help="start from a trained model's weights, e.g. the MNIST model for --dataset multimnist "
        "(convolutions copied, W from the nearest 6×6 cell, decoder centred)",
    )
    p.add_argument(
        "--freeze-conv1",
        action="store_true",
        default=d.freeze_conv1,
        help="keep Conv1's kernels fixed (with --warm-start: about 1.4× faster on a CPU)",
    )
    p.add_argument(
        "--route-gradients",
        action="store_true",
        default=d.route_gradients,
        help="back-propagate through every routing iteration, as the paper's code does, instead of the "
        "last one only (the usual stabiliser); lets MultiMNIST training shape what routing separates",
    )
    p.add_argument(
        "--ema",
        type=float,
        default=d.ema,
        metavar="DECAY",
        help="also keep an exponential moving average of the weights, blended after every batch "
        "(0.999: about the last 1000 batches); it is evaluated and written to --out while training "
        "goes on from the weights themselves, so a rate high enough to keep improving still gives "
        "a file as good as an annealed one (0: off)",
    )
    p.add_argument(
        "--reconstruction-weight",
        type=float,
        default=d.reconstruction_weight,
        metavar="W",
        help="weight of the decoder's summed squared error against the summed margin loss: 0.0005 as the "
        f"paper's text says; the authors' code weighs it as {AUTHORS_CODE_RECONSTRUCTION_WEIGHT} (it "
        "averages the margin loss over the ten classes and halves it)",
    )
    p.add_argument("--seed", type=int, default=d.seed, help="seed of initialisation, order and shifts")
    p.add_argument("--limit-train", type=int, metavar="N", help="train on the first N images only")
    p.add_argument("--limit-test", type=int, metavar="N", help="evaluate on the first N test images")
    p.add_argument(
        "--checkpoint-every",
        type=int,
        default=d.checkpoint_every,
        metavar="BATCHES",
        help="also checkpoint inside an epoch every this many batches (0: only at epoch ends)",
    )
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16"),
        default=d.precision,
        help="bf16 autocasts the convolutions; auto = bf16 on CUDA, fp32 elsewhere",
    )
    p.add_argument("--compile", action="store_true", default=d.compile, help="torch.compile the network")
    p.add_argument("--quiet", action="store_true", default=d.quiet, help="no progress bar")
    return p


def _sigterm_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = TrainConfig(**{k: v for k, v in vars(args).items()})
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        source = ensure_mnist(config.data_dir)
        if not config.quiet and is_main_process():
            print(f"MNIST: {source}", file=sys.stderr)
        train = load_mnist("train", config.data_dir)
        test = load_mnist("test", config.data_dir)
        history = Trainer(config, train, test).run()
    except (MnistUnavailable, DeviceError, CheckpointError, WeightsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TrainingStopped as exc:
        print(f"stopped: {exc}", file=sys.stderr)
        return exc.exit_code
    if history and not config.quiet:
        best = history[-1]
        accuracy, epochs = percent(best["test_accuracy"]), epochs_text(best["epoch"])
        if config.dataset == "multimnist":
            print(f"wrote {config.out}: both digits read in {accuracy} of held-out pairs after {epochs}")
        else:
            print(f"wrote {config.out}: test accuracy {accuracy} after {epochs}")
    return 0
