"""Agreement, departure from uniform and routing-off lengths against direct computations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from capsviz.analysis import why
from capsviz.analysis.inference import as_batch


def test_departure_from_uniform_by_hand():
    coupling = np.full((2, 3, 10), 0.1)
    coupling[1, 0] = [0.55] + [0.05] * 9
    abs_dev, kl = why.departure_from_uniform(coupling)
    assert abs_dev[0] == pytest.approx(0.0, abs=1e-7) and kl[0] == pytest.approx(0.0, abs=1e-7)
    row_kl = 0.55 * np.log(5.5) + 9 * 0.05 * np.log(0.5)
    assert kl[1] == pytest.approx(row_kl / 3, rel=1e-5)
    assert abs_dev[1] == pytest.approx((0.45 + 9 * 0.05) / 30, rel=1e-5)


def test_why_analysis_matches_the_trace(routed):
    trace, _ = routed
    analysis = why.why_analysis(trace, bins=25)
    agreement = trace.agreement[0].numpy()
    np.testing.assert_allclose(analysis.mean_agreement, agreement.mean(axis=1), rtol=1e-5)
    assert analysis.histograms.shape == (trace.iterations, 10, 25)
    assert (analysis.histograms.sum(axis=2) == 1152).all()
    counts = np.histogram(agreement[1, :, 7], bins=analysis.edges)[0]
    np.testing.assert_array_equal(analysis.histograms[1, 7], counts)
    assert analysis.kl_from_uniform[0] == pytest.approx(0.0, abs=1e-6)
    assert analysis.kl_from_uniform[-1] > 0


def test_routing_off_equals_a_one_iteration_network(pretrained, routed, digit):
    analysis = why.why_analysis(routed[0])
    with torch.no_grad():
        one = pretrained(as_batch(digit[0], pretrained), iterations=1).lengths[0].numpy()
        three = pretrained(as_batch(digit[0], pretrained), iterations=3).lengths[0].numpy()
    np.testing.assert_allclose(analysis.lengths_without_routing, one, atol=1e-5)
    np.testing.assert_allclose(analysis.lengths_with_routing, three, atol=1e-5)
