"""How far the dimension names can be trusted: ``python -m capsviz.analysis.labels_report``.

The names of the 160 (capsule, dimension) pairs are computed twice, from two
disjoint sets of starting digits (the first and the second 32 right answers of
each class in the shipped test set). The report gives how often the two agree,
how the names are distributed, and how confident they are. (That decoders
whose dimensions apply known changes get the right names is checked by
``tests/analysis/test_label_evidence.py``.)
"""

from __future__ import annotations

import argparse
import collections
import sys
from dataclasses import dataclass

import numpy as np

from capsviz.analysis.autolabel import SAMPLES_PER_DIGIT, auto_labels
from capsviz.analysis.dimension_labels import CONFIDENT, DimensionLabels
from capsviz.analysis.survey import load_or_run_survey
from capsviz.model.capsnet import CapsNet

SURVEYED = 2000  # test digits surveyed for starting poses: well over 64 right answers of every class


@dataclass(frozen=True)
class LabelsReport:
    """Split-half agreement, the names' distribution and confidence."""

    agreement: float
    counts: dict[str, int]
    mean_confidence: float
    confident_share: float
    first: DimensionLabels
    second: DimensionLabels


def labels_report(model: CapsNet, images: np.ndarray, labels: np.ndarray) -> LabelsReport:
    """Name the dimensions from two disjoint sets of starting digits and compare."""
    survey = load_or_run_survey(model, images, labels, min(SURVEYED, len(images)))
    first = auto_labels(model, survey, SAMPLES_PER_DIGIT, skip=0)
    second = auto_labels(model, survey, SAMPLES_PER_DIGIT, skip=SAMPLES_PER_DIGIT)
    counts = collections.Counter(first.names.ravel().tolist())
    return LabelsReport(
        agreement=float((first.names == second.names).mean()),
        counts=dict(counts.most_common()),
        mean_confidence=float(first.confidence.mean()),
        confident_share=float((first.confidence >= CONFIDENT).mean()),
        first=first,
        second=second,
    )


def format_report(report: LabelsReport) -> str:
    names = ", ".join(f"{name or '(no visible change)'} {count}" for name, count in report.counts.items())
    halves = f"first vs second {SAMPLES_PER_DIGIT} right answers"
    return "\n".join(
        [
            f"names of the 160 (capsule, dimension) pairs, {SAMPLES_PER_DIGIT} starting digits per class:",
            f"  {names}",
            f"split-half agreement ({halves}): {report.agreement:.1%}",
            "confidence (share of starting digits whose own sweep agrees): "
            f"mean {report.mean_confidence:.0%}, "
            f"{report.confident_share:.0%} of the names at {CONFIDENT:.0%} or more",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m capsviz.analysis.labels_report", description=__doc__)
    parser.add_argument("--weights", help="a weights file (default: the shipped CapsNet)")
    args = parser.parse_args(argv)
    from capsviz.data.mnist import load_shipped_test_set
    from capsviz.model.pretrained import load_pretrained
    from capsviz.model.weights import WeightsError

    try:
        model = load_pretrained(weights=args.weights)
    except WeightsError as exc:
        print(f"capsviz: {exc}", file=sys.stderr)
        return 1
    print(format_report(labels_report(model, *load_shipped_test_set())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
