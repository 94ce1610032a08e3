"""Running under ``torchrun``: process group, rank and world size.

Without torchrun's environment everything degrades to one process, so the
same ``train_model.py`` serves both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Topology:
    """This process's place in the run."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Only the main process logs and writes files."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def is_main_process() -> bool:
    """True in a single-process run and in torchrun's rank 0, before any process group exists."""
    return int(os.environ.get("RANK", "0")) == 0


def init_topology(device_type: str) -> Topology:
    """Join the process group torchrun set up (gloo on CPU, NCCL on CUDA)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Topology()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device_type == "cuda" else "gloo")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device_type == "cuda":
        torch.cuda.set_device(local)
    return Topology(rank=dist.get_rank(), world_size=dist.get_world_size(), local_rank=local)


def all_reduce_sum(values: torch.Tensor, topology: Topology) -> torch.Tensor:
    """Sum a tensor over all processes (identity on one process)."""
    if topology.distributed:
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def barrier(topology: Topology) -> None:
    if topology.distributed:
        dist.barrier()


def shutdown(topology: Topology) -> None:
    if topology.distributed and dist.is_initialized():
        dist.destroy_process_group()
