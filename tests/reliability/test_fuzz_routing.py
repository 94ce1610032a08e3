"""Property: routing by agreement stays a distribution with lengths in [0, 1) for any finite votes."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from capsviz.model.capsnet import CapsNet
from capsviz.model.routing import route

FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def votes(draw: st.DrawFn) -> np.ndarray:
    """û_j|i of shape [B, I, J, D] with moderate magnitude (|value| ≤ 5)."""
    shape = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 48)),
        draw(st.integers(1, 12)),
        draw(st.integers(1, 16)),
    )
    values = st.floats(-5.0, 5.0, width=32, allow_subnormal=False)
    return draw(hnp.arrays(np.float32, shape, elements=values))


def check_routing(coupling: torch.Tensor, lengths: torch.Tensor, *others: torch.Tensor) -> None:
    for tensor in (coupling, lengths, *others):
        assert torch.isfinite(tensor).all()
    sums = coupling.sum(dim=-1)
    assert torch.allclose(sums, torch.ones_like(sums), atol=1e-5)
    assert coupling.min() >= 0.0 and coupling.max() <= 1.0
    assert lengths.min() >= 0.0 and lengths.max() < 1.0


@FUZZ
@given(votes(), st.integers(1, 5))
@example(np.zeros((1, 4, 3, 2), np.float32), 3)
@example(np.full((2, 48, 12, 16), 5.0, np.float32), 5)
def test_routing_any_finite_votes(u_hat: np.ndarray, iterations: int) -> None:
    result = route(torch.from_numpy(u_hat), iterations, record=True)
    assert result.coupling.shape == (u_hat.shape[0], iterations, u_hat.shape[1], u_hat.shape[2])
    lengths = result.iteration_poses.norm(dim=-1)
    check_routing(result.coupling, lengths, result.agreement, result.poses)
    assert torch.allclose(result.coupling[:, 0], torch.full_like(result.coupling[:, 0], 1 / u_hat.shape[2]))


@st.composite
def pictures(draw: st.DrawFn) -> np.ndarray:
    batch = draw(st.integers(1, 2))
    values = st.floats(0.0, 1.0, width=32) | st.sampled_from([0.0, 1.0])
    return draw(hnp.arrays(np.float32, (batch, 1, 28, 28), elements=values, fill=st.sampled_from([0.0, 1.0])))


_MODEL = CapsNet()


@settings(max_examples=12, deadline=None, database=None)
@given(pictures(), st.integers(1, 4), st.integers(0, 2**16), st.floats(0.5, 20.0))
@example(np.zeros((1, 1, 28, 28), np.float32), 3, 0, 1.0)
@example(np.ones((1, 1, 28, 28), np.float32), 3, 1, 20.0)
def test_capsnet_routing_on_random_pictures_and_weights(
    images: np.ndarray, iterations: int, seed: int, scale: float
) -> None:
    torch.manual_seed(seed)
    model = _MODEL
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.05)
        model.W.mul_(scale)
    model.eval()
    with torch.no_grad():
        trace = model.route(torch.from_numpy(images), iterations=iterations)
        out = model(torch.from_numpy(images), iterations=iterations)
    assert trace.coupling.shape == (images.shape[0], iterations, 1152, 10)
    check_routing(trace.coupling, trace.lengths, trace.agreement, trace.poses, out.reconstruction)
    assert torch.allclose(trace.lengths[:, -1], out.lengths, atol=1e-5)
    assert out.reconstruction.min() >= 0.0 and out.reconstruction.max() <= 1.0
