"""The one held-out scoring loop behind a run's evaluation and the weights merge."""

from __future__ import annotations

import io
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from tqdm import tqdm

from capsviz.training.datasets import make_task
from capsviz.training.evaluate import HELD_OUT_BATCH, held_out_hits, paired_difference

PAIRS = 2 * HELD_OUT_BATCH + 37  # three batches, the last one short
NO_TRAINING = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))


class ScriptedModel:
    """Answers the items in ``share`` with ``scores``, in order; as capsules (``.lengths``) or as logits."""

    def __init__(self, scores: torch.Tensor, share: torch.Tensor, capsules: bool) -> None:
        self.answers, self.capsules, self.seen = scores[share], capsules, 0

    def __call__(self, images: torch.Tensor):
        batch = self.answers[self.seen : self.seen + len(images)]
        self.seen += len(images)
        return SimpleNamespace(lengths=batch) if self.capsules else batch


def scores_reading(labels: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """Lengths ``[N, 10]``: the two digits present longest where ``right``, else one of them and a stray."""
    scores = torch.full((len(labels), 10), 0.05)
    rows = torch.arange(len(labels))
    scores[rows, labels[:, 0]] = 0.9
    stray = (labels[:, 0] + 1) % 10
    stray = torch.where(stray == labels[:, 1], (stray + 1) % 10, stray)
    second = torch.where(right, labels[:, 1], stray)
    scores[rows, second] = 0.8
    return scores


def test_pairs_are_scored_by_both_digits_and_shares_add_up(mnist_test) -> None:
    digits, labels = mnist_test
    task = make_task("multimnist", NO_TRAINING, (digits[:PAIRS], labels[:PAIRS]))
    right = torch.arange(PAIRS) % 3 != 0
    scores = scores_reading(task.test_y, right)
    counted = []
    for share in (torch.arange(PAIRS), torch.arange(0, PAIRS, 2), torch.arange(1, PAIRS, 2)):
        with tqdm(total=len(share), file=io.StringIO()) as bar:
            model = ScriptedModel(scores, share, capsules=True)
            hits = held_out_hits(model, task, share, torch.device("cpu"), bar)
        assert bar.n == len(share) and model.seen == len(share)
        assert torch.equal(hits, right[share])
        counted.append(int(hits.sum()))
    assert counted[0] == counted[1] + counted[2]


def test_single_digits_are_scored_by_the_longest_and_plain_logits_are_read_too(mnist_test) -> None:
    digits, labels = mnist_test
    task = make_task("mnist", NO_TRAINING, (digits[:PAIRS], labels[:PAIRS]))
    logits = torch.nn.functional.one_hot(task.test_y, 10).float()
    logits[::4] = logits[::4].roll(1, dims=1)  # every fourth digit read as the next class
    share = torch.arange(PAIRS)
    with tqdm(total=PAIRS, file=io.StringIO()) as bar:
        model = ScriptedModel(logits, share, capsules=False)
        hits = held_out_hits(model, task, share, torch.device("cpu"), bar)
    assert torch.equal(hits, torch.arange(PAIRS) % 4 != 0)


def test_a_paired_difference_counts_only_the_items_the_two_disagree_on() -> None:
    first = torch.tensor([True, True, True, False, False, True, True, False])
    second = torch.tensor([True, False, False, True, False, True, False, False])
    difference = paired_difference(first, second)
    assert (difference.only_first, difference.only_second) == (3, 1)
    assert difference.z == pytest.approx((3 - 1) / math.sqrt(4))
    assert paired_difference(second, first).z == pytest.approx(-1.0)
    assert paired_difference(first, first).z == 0.0
    with pytest.raises(ValueError, match="cannot be paired"):
        paired_difference(first, second[:5])
