"""An exponential moving average of the weights, kept beside the ones Adam updates.

Late in a long run, a rate high enough to keep improving also makes the weights
of any one batch noisy; lowering the rate to read a good number stops the
progress. The average of the recent weights reads like an annealed model while
training goes on at the high rate, so every epoch's file is worth keeping.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

PREFIX = "average."  # the average's tensors in a checkpoint, beside model.* and optim.*


class WeightAverage:
    """``average ← decay · average + (1 − decay) · weights`` after every optimizer step.

    It starts as a copy of the model's parameters (a resumed or warm-started
    run), holds float32 whatever the training precision, and is swapped into
    the model for evaluation and for writing the weights file.
    """

    def __init__(self, model: torch.nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"the average's decay must lie between 0 and 1, got {decay}")
        self.decay = decay
        self._params = dict(model.named_parameters())
        self.tensors = {name: p.detach().clone().float() for name, p in self._params.items()}

    def update(self) -> None:
        """Blend the model's current parameters in (call after each ``optimizer.step()``)."""
        with torch.no_grad():
            averaged = list(self.tensors.values())
            current = [self._params[name].detach().float() for name in self.tensors]
            torch._foreach_lerp_(averaged, current, 1.0 - self.decay)

    def load(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore the average from a checkpoint's ``average.*`` tensors (names without the prefix)."""
        missing = set(self.tensors) - set(tensors)
        if missing:
            raise KeyError(f"no average for {sorted(missing)[0]}")
        for name, value in self.tensors.items():
            value.copy_(tensors[name])

    @contextlib.contextmanager
    def swapped_in(self) -> Iterator[None]:
        """The model holds the average inside the block and its own weights again after it."""
        with torch.no_grad():
            own = {name: p.detach().clone() for name, p in self._params.items()}
            for name, p in self._params.items():
                p.copy_(self.tensors[name])
        try:
            yield
        finally:
            with torch.no_grad():
                for name, p in self._params.items():
                    p.copy_(own[name])
