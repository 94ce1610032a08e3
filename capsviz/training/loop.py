"""The training loop: Adam + exponential decay, ±2 px shifts, margin + 0.0005·SSE.

Resumable bit for bit (checkpoints hold the position inside the epoch), safe to
kill at any moment (checkpoints are atomic), and the same code runs as one
process or under ``torchrun`` with DistributedDataParallel.
"""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler
from tqdm import tqdm

from capsviz.model.baseline import BaselineCNN, save_baseline
from capsviz.model.capsnet import CapsNet
from capsviz.model.device import describe_device, resolve_device
from capsviz.model.losses import RECONSTRUCTION_WEIGHT, capsule_loss
from capsviz.model.transfer import warm_start
from capsviz.model.weights import load_weights, save_weights
from capsviz.training.augment import batch_seed
from capsviz.training.averaging import WeightAverage
from capsviz.training.checkpoint import TrainingState, load_checkpoint, save_checkpoint
from capsviz.training.config import TrainConfig, TrainingStopped
from capsviz.training.datasets import make_task
from capsviz.training.distributed import all_reduce_sum, barrier, init_topology, shutdown
from capsviz.training.evaluate import held_out_hits
from capsviz.training.kernels import autocast_for, channels_last_convolutions

# Adam with fresh moments takes full-size steps at once; on weights that are already trained
# (a warm start, or a resume from weights alone) the learning rate ramps up over this many batches.
WARMUP_BATCHES = 200


def percent(fraction: float) -> str:
    """``0.0876`` → ``"8.76 %"``: accuracies as people write them."""
    return f"{100 * fraction:.2f} %"


def epochs_text(count: int) -> str:
    """``1`` → ``"1 epoch"``, ``3`` → ``"3 epochs"``."""
    return f"{count} epoch" if count == 1 else f"{count} epochs"


class Trainer:
    """One training run over in-memory uint8 digits (MNIST, or MultiMNIST pairs made from them)."""

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
        self.task = make_task(config.dataset, train, test, config.limit_train, config.limit_test)
        torch.manual_seed(config.seed)
        self.model = self._build_model()
        self.warmup_left = 0
        if config.warm_start:
            warm_start(self.model, load_weights(config.warm_start))
            self.warmup_left = WARMUP_BATCHES
        self.model = self.model.to(self.device)
        if config.freeze_conv1:
            self.model.conv1.requires_grad_(False)
        if config.route_gradients:
            self.model.route_gradients = True
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True
            channels_last_convolutions(self.model)
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.Adam(trainable, lr=config.lr)
        self.state = TrainingState(config=asdict(config))
        if config.resume:
            self.state = load_checkpoint(Path(config.resume), self.model, self.optimizer)
            self.state.config = asdict(config)
            if not self.topology.is_main:
                self.state.tally = [0.0, 0.0, 0.0]  # the checkpoint holds the whole run's tally, for main
            self.warmup_left = WARMUP_BATCHES if self.state.fresh_optimizer else 0
        self.average = self._weight_average()
        self.net: torch.nn.Module = self.model
        if self.topology.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = DistributedDataParallel(self.model, device_ids=ids, gradient_as_bucket_view=True)
        if config.compile:
            self.net = torch.compile(self.net)
        self.sampler = DistributedSampler(
            range(len(self.task.train_x)),
            num_replicas=self.topology.world_size,
            rank=self.topology.rank,
            shuffle=True,
            seed=config.seed,
            drop_last=True,
        )
        self.local_batch = config.batch_size // self.topology.world_size

    def _weight_average(self) -> WeightAverage | None:
        """The ``--ema`` average, continued from the checkpoint's when it has one."""
        kept, self.state.average = self.state.average, {}
        if not self.config.ema:
            if kept:
                self.log("the checkpoint's weight average ends here (no --ema): the weights go on alone")
            return None
        try:
            average = WeightAverage(self.model, self.config.ema)
        except ValueError as exc:
            raise TrainingStopped(f"--ema: {exc} (e.g. 0.999)", 2) from None
        if kept:
            try:
                average.load({k: v.to(self.device) for k, v in kept.items()})
            except KeyError as exc:
                message = f"{self.config.resume}: its weight average does not fit this model ({exc})"
                raise TrainingStopped(message, 2) from None
        return average

    def _build_model(self) -> CapsNet | BaselineCNN:
        cfg = self.config
        if cfg.arch == "capsnet":
            return CapsNet(iterations=cfg.routing_iterations, input_size=self.task.input_size)
        capsule_only = cfg.warm_start or cfg.freeze_conv1 or cfg.route_gradients
        if cfg.dataset == "multimnist" or capsule_only or cfg.reconstruction_weight != RECONSTRUCTION_WEIGHT:
            raise TrainingStopped(
                "--arch cnn trains on --dataset mnist or translated, without --warm-start, "
                "--freeze-conv1, --route-gradients or --reconstruction-weight",
                2,
            )
        return BaselineCNN(input_size=self.task.input_size)

    def _scores(
        self, images: torch.Tensor, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, object]:
        """Class scores (capsule lengths or logits) and, in training, the model's full output."""
        if isinstance(self.model, BaselineCNN):
            logits = self.net(images)
            return logits, logits
        out = self.net(images, labels)
        return out.lengths, out

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
                f"{self.config.dataset}: {len(self.task.train_x)} {self.task.unit} per epoch, "
                f"batch {self.config.batch_size}, "
                f"from epoch {self.state.epoch + 1}"
            )
            while self.state.epoch < self.config.epochs:
                self._train_epoch()
            return self.state.history
        finally:
            shutdown(self.topology)

    def _summed(self, values: list[float]) -> list[float]:
        """Each value summed over the processes; one process keeps them on the CPU (MPS has no float64)."""
        if not self.topology.distributed:
            return list(values)
        totals = torch.tensor(values, dtype=torch.float64, device=self.device)
        return all_reduce_sum(totals, self.topology).cpu().tolist()

    def _checkpoint(self) -> None:
        """Save the run; the epoch's tally saved is every process's summed, so a resume reports all of it."""
        state = replace(self.state, tally=self._summed(self.state.tally))
        if self.topology.is_main:
            average = self.average.tensors if self.average else None
            save_checkpoint(self.config.checkpoint_path, self.model, self.optimizer, state, average)
        barrier(self.topology)

    def _train_epoch(self) -> None:
        cfg, epoch = self.config, self.state.epoch
        self._set_lr()
        self.sampler.set_epoch(epoch)
        order = torch.tensor(list(iter(self.sampler)), dtype=torch.long)
        self.model.train()
        started, trained = time.perf_counter(), 0
        seen, loss_sum, correct = self.state.tally
        bar = self._progress_bar(
            self.batches_per_epoch, f"epoch {epoch + 1}/{cfg.epochs}", "batch", self.state.batch
        )
        try:
            for index in range(self.state.batch, self.batches_per_epoch):
                chosen = order[index * self.local_batch : (index + 1) * self.local_batch]
                loss, hits = self._step(chosen, batch_seed(cfg.seed, epoch, index))
                trained += len(chosen)
                seen += len(chosen)
                loss_sum += loss * len(chosen)
                correct += hits
                self.state.batch, self.state.tally = index + 1, [seen, loss_sum, correct]
                elapsed = time.perf_counter() - started
                bar.set_postfix(
                    loss=f"{loss_sum / seen:.4f}",
                    acc=f"{correct / seen:.4f}",
                    img_s=f"{trained * self.topology.world_size / elapsed:.0f}",
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
        try:
            self._end_epoch(epoch, time.perf_counter() - started, trained)
        except KeyboardInterrupt:
            self._checkpoint()
            raise TrainingStopped(
                f"interrupted while evaluating epoch {epoch + 1}; saved {cfg.checkpoint_path} "
                f"(continue with --resume {cfg.checkpoint_path}: the evaluation runs again)",
                130,
            ) from None

    def _set_lr(self) -> None:
        """The epoch's decayed rate, scaled down while a warm-up is under way."""
        cfg = self.config
        ramp = 1.0 - self.warmup_left / WARMUP_BATCHES
        for group in self.optimizer.param_groups:
            group["lr"] = cfg.lr * cfg.lr_decay**self.state.epoch * ramp

    def _step(self, chosen: torch.Tensor, seed: int) -> tuple[float, int]:
        if self.warmup_left:
            self.warmup_left -= 1
            self._set_lr()
        batch = self.task.batch(chosen, seed, self.topology.rank, self.topology.world_size).to(self.device)
        # Dropout draws from the global generator: seeded per batch, a resumed run draws the same masks.
        torch.manual_seed(seed + 1 + self.topology.rank)
        with autocast_for(self.device, self.config.precision):
            scores, out = self._scores(batch.images, batch.labels)
        if isinstance(self.model, BaselineCNN):
            loss = torch.nn.functional.cross_entropy(scores.float(), batch.labels)
        else:
            loss = capsule_loss(
                out.lengths,
                out.reconstruction.float(),
                batch.targets,
                batch.labels,
                self.config.reconstruction_weight,
            )
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
        if self.average:
            self.average.update()
        hits = int(self.task.hits(scores.detach().float(), batch.labels).sum())
        return float(loss.detach()), hits

    @torch.no_grad()
    def evaluate(self) -> float:
        """Test accuracy, each process scoring its share of the test set."""
        self.model.eval()
        task = self.task
        share = torch.arange(self.topology.rank, len(task.test_x), self.topology.world_size)
        # The test set takes 35-100 s on two CPU cores: a bar of its own, so the run never looks hung.
        with self._progress_bar(len(share), "evaluating on the test set", task.unit) as bar:
            hits = held_out_hits(self.model, task, share, self.device, bar, self.config.precision)
        hits_total, scored = self._summed([int(hits.sum()), len(share)])
        self.model.train()
        return hits_total / max(scored, 1.0)

    def _end_epoch(self, epoch: int, seconds: float, trained: int) -> None:
        """Evaluate, record and write the epoch; ``trained`` images this process trained since it started."""
        seen, loss_sum, correct, trained = self._summed([*self.state.tally, float(trained)])
        raw_acc = self.evaluate() if self.average else None
        with self.average.swapped_in() if self.average else contextlib.nullcontext():
            self._write_weights(epoch, seconds, (seen, loss_sum, correct, trained), raw_acc)
        self._checkpoint()

    def _write_weights(
        self, epoch: int, seconds: float, totals: tuple[float, float, float, float], raw_acc: float | None
    ) -> None:
        """Evaluate the weights the run hands out (with ``--ema``: the average), record and write them."""
        test_acc = self.evaluate()
        seen, loss_sum, correct, trained = totals
        record = {
            "epoch": epoch + 1,
            "loss": loss_sum / max(seen, 1),
            "train_accuracy": correct / max(seen, 1),
            "test_accuracy": test_acc,
            "seconds": round(seconds, 1),
            "images_per_second": round(trained / max(seconds, 1e-9), 1),
            "lr": self.optimizer.param_groups[0]["lr"],
        }
        if raw_acc is not None:
            record["raw_test_accuracy"] = raw_acc
        self.state.history.append(record)
        self.state.epoch, self.state.batch, self.state.tally = epoch + 1, 0, [0.0, 0.0, 0.0]
        self.log(
            f"epoch {epoch + 1}: loss {record['loss']:.4f}, train {record['train_accuracy']:.4f}, "
            f"test {percent(test_acc)}"
            + (f" (the average; the weights themselves {percent(raw_acc)})" if raw_acc is not None else "")
            + f", {record['images_per_second']:.0f} {self.task.unit}/s"
        )
        if self.topology.is_main:
            save = save_baseline if isinstance(self.model, BaselineCNN) else save_weights
            save(
                self.model,
                self.config.out,
                test_accuracy=f"{test_acc:.4f}",
                dataset=self.config.dataset,
                test_images=str(len(self.task.test_x)),
                epochs=str(epoch + 1),
                device=describe_device(self.device),
                precision=self.config.precision,
                history=self.state.history,
            )
