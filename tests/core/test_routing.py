"""Routing by agreement against a plain loop written straight from the paper's equations."""

from __future__ import annotations

import math

import torch

from capsviz.model.capsnet import CapsNet
from capsviz.model.routing import route, squash
from tests.perf.test_fast_paths import plain_route


def paper_routing(u_hat: torch.Tensor, iterations: int) -> tuple[list, list]:
    """Procedure 1 of Sabour et al. for ONE image, with Python loops over i and j.

    Returns the coupling c_ij used in each iteration and v_j after each iteration.
    """
    n_in, n_out, dim = u_hat.shape
    b = [[0.0] * n_out for _ in range(n_in)]
    couplings, outputs = [], []
    for r in range(iterations):
        c = []
        for i in range(n_in):
            exps = [math.exp(b[i][j]) for j in range(n_out)]
            total = sum(exps)
            c.append([e / total for e in exps])
        v = []
        for j in range(n_out):
            s = [sum(c[i][j] * float(u_hat[i, j, d]) for i in range(n_in)) for d in range(dim)]
            norm2 = sum(x * x for x in s)
            scale = norm2 / (1 + norm2) / math.sqrt(norm2) if norm2 > 0 else 0.0
            v.append([scale * x for x in s])
        couplings.append(c)
        outputs.append(v)
        if r < iterations - 1:
            for i in range(n_in):
                for j in range(n_out):
                    b[i][j] += sum(float(u_hat[i, j, d]) * v[j][d] for d in range(dim))
    return couplings, outputs


def test_vectorised_routing_equals_paper_loop() -> None:
    torch.manual_seed(1)
    u_hat = torch.randn(3, 12, 4, 5, dtype=torch.float64) * 0.7
    result = route(u_hat, iterations=3, record=True)
    for b in range(3):
        couplings, outputs = paper_routing(u_hat[b], 3)
        assert torch.allclose(result.coupling[b], torch.tensor(couplings, dtype=torch.float64), atol=1e-6)
        assert torch.allclose(
            result.iteration_poses[b], torch.tensor(outputs, dtype=torch.float64), atol=1e-6
        )
    assert torch.allclose(result.poses, result.iteration_poses[:, -1])


def test_first_coupling_is_uniform_and_rows_sum_to_one() -> None:
    torch.manual_seed(2)
    result = route(torch.randn(2, 1152, 10, 16), iterations=4, record=True)
    assert torch.allclose(result.coupling[:, 0], torch.full((2, 1152, 10), 0.1))
    assert torch.allclose(result.coupling.sum(dim=-1), torch.ones(2, 4, 1152), atol=1e-5)
    # routing moves the coupling away from uniform after the first iteration
    assert (result.coupling[:, -1] - 0.1).abs().max() > 0.01


def test_image_alone_equals_image_in_batch() -> None:
    torch.manual_seed(3)
    model = CapsNet().eval()
    images = torch.rand(5, 1, 28, 28)
    with torch.no_grad():
        batch = model(images).lengths
        alone = torch.cat([model(images[k : k + 1]).lengths for k in range(5)])
    assert torch.allclose(batch, alone, atol=1e-5)


def test_trace_matches_forward_and_records_every_iteration() -> None:
    torch.manual_seed(4)
    model = CapsNet().eval()
    images = torch.rand(2, 1, 28, 28)
    trace = model.route(images, iterations=5)
    assert trace.coupling.shape == (2, 5, 1152, 10)
    assert trace.lengths.shape == (2, 5, 10)
    assert trace.poses.shape == (2, 5, 10, 16)
    assert trace.agreement.shape == (2, 5, 1152, 10)
    with torch.no_grad():
        out = model(images, iterations=5)
    assert torch.allclose(trace.lengths[:, -1], out.lengths, atol=1e-6)
    assert torch.allclose(trace.poses[:, -1], out.poses, atol=1e-6)


def test_squash_is_finite_at_zero_in_value_and_gradient() -> None:
    s = torch.zeros(4, 16, requires_grad=True)
    v = squash(s)
    v.norm(dim=-1).sum().backward()
    assert torch.equal(v.detach(), torch.zeros(4, 16))
    assert torch.isfinite(s.grad).all()


def test_squash_length_formula() -> None:
    s = torch.tensor([[3.0, 4.0]])
    assert torch.allclose(squash(s).norm(), torch.tensor(25.0 / 26.0), atol=1e-6)


def test_empty_image_gives_finite_outputs_and_gradients() -> None:
    torch.manual_seed(5)
    model = CapsNet()
    images = torch.zeros(1, 1, 28, 28, requires_grad=True)
    out = model(images)
    out.lengths.sum().backward()
    assert torch.isfinite(out.lengths).all() and torch.isfinite(out.reconstruction).all()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_routing_needs_an_iteration() -> None:
    import pytest

    with pytest.raises(ValueError, match="at least 1"):
        route(torch.zeros(1, 2, 2, 2), iterations=0)


def test_route_gradients_back_propagate_through_every_iteration() -> None:
    torch.manual_seed(0)
    model = CapsNet(input_size=36)
    model.W.data.mul_(30.0)  # long votes: the couplings then move, and what they pass on matters
    images = torch.rand(2, 1, 36, 36)
    primary = model.primary_capsules(images).detach()
    votes = torch.einsum("ijdk,bik->bijd", model.W, primary)
    lengths = plain_route(votes, 3, detach_inner=False).norm(dim=-1)
    (expected,) = torch.autograd.grad(lengths.sum(), model.W)

    def w_gradient(route_gradients: bool) -> torch.Tensor:
        model.route_gradients = route_gradients
        model.zero_grad()
        out = model(images, torch.tensor([[1, 2], [3, 4]]))
        out.lengths.sum().backward()
        return model.W.grad.clone()

    assert torch.allclose(w_gradient(True), expected, rtol=1e-3, atol=1e-6)
    assert not torch.allclose(w_gradient(False), expected, rtol=1e-2, atol=1e-6)
