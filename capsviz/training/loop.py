"""The training loop: Adam + exponential decay, ±2 px shifts, margin + 0.0005·SSE.

Resumable bit for bit (checkpoints hold the position inside the epoch), safe to
kill at any moment (checkpoints are atomic), and the same code runs as one
process or under ``torchrun`` with DistributedDataParallel.
"""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler
from tqdm import tqdm

from capsviz.model.capsnet import CapsNet
from capsviz.model.device import describe_device, resolve_device
from capsviz.model.losses import capsule_loss
from capsviz.model.weights import save_weights
from capsviz.training.augment import batch_seed, random_shift, to_float
from capsviz.training.checkpoint import TrainingState, load_checkpoint, save_checkpoint
from capsviz.training.distributed import all_reduce_sum, barrier, init_topology, shutdown

EVAL_BATCH = 250  # test images per evaluation step: small enough for a bar that moves every few seconds


def percent(fraction: float) -> str:
    """``0.0876`` → ``"8.76 %"``: accuracies as people write them."""
    return f"{100 * fraction:.2f} %"


def epochs_text(count: int) -> str:
    """``1`` → ``"1 epoch"``, ``3`` → ``"3 epochs"``."""
    return f"{count} epoch" if count == 1 else f"{count} epochs"


class TrainingStopped(RuntimeError):
    """The run ended early (interrupted, diverged, out of memory); the message says why."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class TrainConfig:
    """Everything that defines a run (what ``train_model.py`` parses)."""

    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3
    lr_decay: float = 0.95
    routing_iterations: int = 3
    device: str = "auto"
    data_dir: str = "data"
    out: str = "capsnet.safetensors"
    resume: str | None = None
    seed: int = 0
    limit_train: int | None = None
    limit_test: int | None = None
    checkpoint_every: int = 100
    precision: str = "auto"
    compile: bool = False
    quiet: bool = False

    @property
    def checkpoint_path(self) -> Path:
        out = Path(self.out)
        return out.with_name(out.stem + ".checkpoint.safetensors")


def autocast_for(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """bf16 autocast for the convolutions where asked (``auto`` = on CUDA only)."""
    use_bf16 = precision == "bf16" or (precision == "auto" and device.type == "cuda")
    if not use_bf16:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


class Trainer:
    """One training run over in-memory uint8 images."""

    def __init__(
        self,
        config: TrainConfig,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
    ) -> None:
        self.config = config
        self.device = resolve_device(config.device)
        self.topology = init_topology(self.device.type)
        if not self.topology.is_main:
            config.quiet = True  # one voice per run: the command line reads this flag too
        if self.topology.distributed and self.device.type == "cuda":
            self.device = torch.device("cuda", self.topology.local_rank)
        if config.batch_size % self.topology.world_size:
            raise TrainingStopped("--batch-size must be divisible by the number of processes", 2)
        limit = config.limit_train
        self.train_x = torch.from_numpy(np.array(train[0][:limit]))
        self.train_y = torch.as_tensor(train[1][:limit]).long()
        self.test_x = torch.from_numpy(np.array(test[0][: config.limit_test]))
        self.test_y = torch.as_tensor(test[1][: config.limit_test]).long()
        torch.manual_seed(config.seed)
        self.model = CapsNet(iterations=config.routing_iterations).to(self.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True
            self.model = self.model.to(memory_format=torch.channels_last)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.state = TrainingState(config=asdict(config))
        if config.resume:
            self.state = load_checkpoint(Path(config.resume), self.model, self.optimizer)
            self.state.config = asdict(config)
        self.net: torch.nn.Module = self.model
        if self.topology.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = DistributedDataParallel(self.model, device_ids=ids, gradient_as_bucket_view=True)
        if config.compile:
            self.net = torch.compile(self.net)
        self.sampler = DistributedSampler(
            range(len(self.train_x)),
            num_replicas=self.topology.world_size,
            rank=self.topology.rank,
            shuffle=True,
            seed=config.seed,
            drop_last=True,
        )
        self.local_batch = config.batch_size // self.topology.world_size

    @property
    def batches_per_epoch(self) -> int:
        return max(1, len(self.sampler) // self.local_batch)

    def _progress_bar(self, total: int, desc: str, unit: str, initial: int = 0) -> tqdm:
        """A tqdm bar on stderr for the main process; redrawn every 30 s when stderr is a log file."""
        return tqdm(
            total=total,
            initial=initial,
            desc=desc,
            unit=unit,
            disable=not self.topology.is_main or self.config.quiet,
            mininterval=0.5 if sys.stderr.isatty() else 30.0,
            file=sys.stderr,
        )

    def log(self, message: str) -> None:
        if self.topology.is_main and not self.config.quiet:
            print(message, file=sys.stderr, flush=True)

    def run(self) -> list[dict]:
        """Train until ``epochs`` are done; returns the per-epoch history."""
        try:
            self.log(
                f"training on {describe_device(self.device)} ×{self.topology.world_size}, "
                f"{len(self.train_x)} images, batch {self.config.batch_size}, "
                f"from epoch {self.state.epoch + 1}"
            )
            while self.state.epoch < self.config.epochs:
                self._train_epoch()
            return self.state.history
        finally:
            shutdown(self.topology)

    def _checkpoint(self) -> None:
        if self.topology.is_main:
            save_checkpoint(self.config.checkpoint_path, self.model, self.optimizer, self.state)
        barrier(self.topology)

    def _train_epoch(self) -> None:
        cfg, epoch = self.config, self.state.epoch
        for group in self.optimizer.param_groups:
            group["lr"] = cfg.lr * cfg.lr_decay**epoch
        self.sampler.set_epoch(epoch)
        order = torch.tensor(list(iter(self.sampler)), dtype=torch.long)
        self.model.train()
        started, seen, loss_sum, correct = time.perf_counter(), 0, 0.0, 0
        bar = self._progress_bar(
            self.batches_per_epoch, f"epoch {epoch + 1}/{cfg.epochs}", "batch", self.state.batch
        )
        try:
            for index in range(self.state.batch, self.batches_per_epoch):
                chosen = order[index * self.local_batch : (index + 1) * self.local_batch]
                loss, hits = self._step(chosen, batch_seed(cfg.seed, epoch, index))
                seen += len(chosen)
                loss_sum += loss * len(chosen)
                correct += hits
                self.state.batch = index + 1
                elapsed = time.perf_counter() - started
                bar.set_postfix(
                    loss=f"{loss_sum / seen:.4f}",
                    acc=f"{correct / seen:.4f}",
                    img_s=f"{seen * self.topology.world_size / elapsed:.0f}",
                    refresh=False,
                )
                bar.update(1)
                if cfg.checkpoint_every and self.state.batch % cfg.checkpoint_every == 0:
                    self._checkpoint()
        except KeyboardInterrupt:
            bar.close()
            self._checkpoint()
            raise TrainingStopped(
                f"interrupted; saved {cfg.checkpoint_path} at epoch {epoch + 1}, "
                f"batch {self.state.batch} (continue with --resume {cfg.checkpoint_path})",
                130,
            ) from None
        except torch.cuda.OutOfMemoryError:
            raise TrainingStopped(
                f"out of GPU memory at batch size {cfg.batch_size}; "
                f"try --batch-size {max(1, cfg.batch_size // 2)}",
                3,
            ) from None
        bar.close()
        self._end_epoch(epoch, time.perf_counter() - started, seen, loss_sum, correct)

    def _step(self, chosen: torch.Tensor, seed: int) -> tuple[float, int]:
        rank, world = self.topology.rank, self.topology.world_size
        images = random_shift(to_float(self.train_x[chosen]), seed, rank=rank, world_size=world)
        images = images.to(self.device)
        labels = self.train_y[chosen].to(self.device)
        with autocast_for(self.device, self.config.precision):
            out = self.net(images, labels)
        loss = capsule_loss(out.lengths, out.reconstruction.float(), images, labels)
        if not torch.isfinite(loss):
            raise TrainingStopped(
                f"loss became {loss.item()} at epoch {self.state.epoch + 1}, batch "
                f"{self.state.batch + 1}; stopped, last good checkpoint kept at "
                f"{self.config.checkpoint_path} (try a smaller --lr)",
                4,
            )
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        hits = int((out.lengths.detach().argmax(dim=1) == labels).sum())
        return float(loss.detach()), hits

    @torch.no_grad()
    def evaluate(self) -> float:
        """Test accuracy, each process scoring its share of the test set."""
        self.model.eval()
        share = torch.arange(self.topology.rank, len(self.test_x), self.topology.world_size)
        correct = torch.zeros(2, dtype=torch.float64)
        # The test set takes 35-100 s on two CPU cores: a bar of its own, so the run never looks hung.
        with self._progress_bar(len(share), "evaluating on the test set", "img") as bar:
            for start in range(0, len(share), EVAL_BATCH):
                idx = share[start : start + EVAL_BATCH]
                images = to_float(self.test_x[idx]).to(self.device)
                with autocast_for(self.device, self.config.precision):
                    pred = self.model(images).lengths.argmax(dim=1).cpu()
                correct += torch.tensor([float((pred == self.test_y[idx]).sum()), float(len(idx))])
                bar.update(len(idx))
        totals = all_reduce_sum(correct.to(self.device), self.topology).cpu()
        self.model.train()
        return float(totals[0] / max(totals[1], 1.0))

    def _end_epoch(self, epoch: int, seconds: float, seen: int, loss_sum: float, correct: int) -> None:
        totals = torch.tensor([float(seen), loss_sum, float(correct)], dtype=torch.float64)
        seen, loss_sum, correct = all_reduce_sum(totals.to(self.device), self.topology).cpu().tolist()
        test_acc = self.evaluate()
        record = {
            "epoch": epoch + 1,
            "loss": loss_sum / max(seen, 1),
            "train_accuracy": correct / max(seen, 1),
            "test_accuracy": test_acc,
            "seconds": round(seconds, 1),
            "images_per_second": round(seen / max(seconds, 1e-9), 1),
            "lr": self.optimizer.param_groups[0]["lr"],
        }
        self.state.history.append(record)
        self.state.epoch, self.state.batch = epoch + 1, 0
        self.log(
            f"epoch {epoch + 1}: loss {record['loss']:.4f}, train {record['train_accuracy']:.4f}, "
            f"test {percent(test_acc)}, {record['images_per_second']:.0f} img/s"
        )
        if self.topology.is_main:
            save_weights(
                self.model,
                self.config.out,
                test_accuracy=f"{test_acc:.4f}",
                test_images=str(len(self.test_x)),
                epochs=str(epoch + 1),
                device=describe_device(self.device),
                precision=self.config.precision,
                history=self.state.history,
            )
        self._checkpoint()
