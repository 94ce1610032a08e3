"""The speed paths compute the same network: matrix-product inference, chunked routing, bf16 opt-in."""

from __future__ import annotations

import pytest
import torch

from capsviz.model.capsnet import CapsNet
from capsviz.model.routing import route, route_by_digit, squash
from capsviz.training.augment import to_float


def plain_route(u_hat: torch.Tensor, iterations: int, detach_inner: bool) -> torch.Tensor:
    """Routing written directly on [B, I, J, D] with einsums, as a cross-check."""
    logits = torch.zeros(u_hat.shape[:3], dtype=u_hat.dtype)
    inner = u_hat.detach() if detach_inner else u_hat
    for t in range(iterations):
        source = u_hat if t == iterations - 1 else inner
        v = squash(torch.einsum("bij,bijd->bjd", torch.softmax(logits, dim=2), source))
        logits = logits + torch.einsum("bijd,bjd->bij", source, v)
    return v


@pytest.fixture(scope="module")
def digits(mnist_test) -> torch.Tensor:
    return to_float(torch.as_tensor(mnist_test[0][:8]))


@pytest.mark.parametrize("detach_inner", [True, False])
def test_routing_values_and_gradients_match_a_plain_formulation(detach_inner: bool) -> None:
    torch.manual_seed(0)
    u_hat = (0.3 * torch.randn(3, 40, 10, 16, dtype=torch.float64)).requires_grad_()
    ours = route(u_hat, 3, detach_inner=detach_inner).poses
    (grad,) = torch.autograd.grad((ours * ours.detach()).sum(), u_hat)
    theirs = plain_route(u_hat, 3, detach_inner)
    (expected,) = torch.autograd.grad((theirs * theirs.detach()).sum(), u_hat)
    assert torch.allclose(ours, theirs, atol=1e-12)
    assert torch.allclose(grad, expected, atol=1e-12)


def test_digit_major_routing_reports_the_documented_layouts() -> None:
    u_hat = torch.randn(2, 1152, 10, 16)
    a = route(u_hat, 3, record=True)
    b = route_by_digit(u_hat.transpose(1, 2).contiguous(), 3, record=True)
    assert a.coupling.shape == b.coupling.shape == (2, 3, 1152, 10)
    assert a.agreement.shape == (2, 3, 1152, 10) and a.coupling.is_contiguous()
    assert torch.equal(a.coupling, b.coupling) and torch.equal(a.poses, b.poses)


def test_inference_paths_equal_the_training_path(pretrained, digits) -> None:
    for batch in (1, 4, 8):
        images = digits[:batch]
        with torch.no_grad():
            fast = pretrained(images)
            trace = pretrained.route(images)
        slow = pretrained(images)  # gradients on: the ordinary convolution modules
        assert torch.allclose(fast.lengths, slow.lengths, atol=1e-5)
        assert torch.allclose(fast.poses, slow.poses, atol=1e-5)
        assert torch.allclose(fast.reconstruction, slow.reconstruction, atol=1e-5)
        assert torch.allclose(trace.lengths[:, -1], slow.lengths, atol=1e-5)
        primary = pretrained.primary_capsules(images)
        assert torch.allclose(trace.primary, primary, atol=1e-5)
        assert torch.allclose(trace.votes, pretrained.votes(primary), atol=1e-5)


def test_chunked_routing_gives_each_image_its_own_result(pretrained, mnist_test) -> None:
    images = to_float(torch.as_tensor(mnist_test[0][:19]))  # three chunks of up to eight
    with torch.inference_mode():
        together = pretrained(images).lengths
        alone = torch.cat([pretrained(images[k : k + 1]).lengths for k in range(len(images))])
    assert torch.allclose(together, alone, atol=1e-5)
    assert torch.equal(together.argmax(1), alone.argmax(1))


def test_new_weights_are_picked_up_by_the_fast_path(pretrained, digits) -> None:
    model = CapsNet().eval()
    with torch.inference_mode():
        before = model(digits[:1]).lengths
    model.load_state_dict(pretrained.state_dict())
    with torch.inference_mode():
        after = model(digits[:1]).lengths
        expected = pretrained(digits[:1]).lengths
    assert not torch.allclose(before, after)
    assert torch.allclose(after, expected, atol=1e-6)


def test_bfloat16_weights_keep_the_predictions(pretrained, mnist_test) -> None:
    fast = CapsNet(pretrained.iterations)
    fast.load_state_dict(pretrained.state_dict())
    assert fast.optimize_for_inference() is fast and not fast.training
    images = to_float(torch.as_tensor(mnist_test[0][:96]))
    with torch.inference_mode():
        exact = pretrained(images).lengths
        single = torch.cat([fast(images[k : k + 1]).lengths for k in range(0, 96, 6)])
        batched = fast(images).lengths
    assert (single - exact[::6]).abs().max() < 1e-2
    assert (batched - exact).abs().max() < 1e-2
    assert (batched.argmax(1) != exact.argmax(1)).sum() <= 1
    fast.optimize_for_inference(bfloat16=False)
    with torch.inference_mode():
        assert torch.allclose(fast(images[:1]).lengths, exact[:1], atol=1e-6)


def test_gradients_and_autocast_take_the_ordinary_modules(pretrained, digits) -> None:
    model = CapsNet(pretrained.iterations)
    model.load_state_dict(pretrained.state_dict())
    model.optimize_for_inference()
    images = digits[:2].clone().requires_grad_()
    model(images).lengths.sum().backward()  # saliency: gradients reach the input
    assert images.grad is not None and images.grad.abs().sum() > 0
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(digits[:2])
    assert out.lengths.dtype == torch.float32
    assert torch.allclose(out.lengths, pretrained(digits[:2]).lengths, atol=2e-2)


def test_without_prepacked_weights_the_plain_matrix_product_gives_the_same(
    pretrained, digits, monkeypatch
) -> None:
    import capsviz.model.capsnet as capsnet

    model = CapsNet(pretrained.iterations)
    model.load_state_dict(pretrained.state_dict())
    with torch.inference_mode():
        packed = model(digits[:2]).lengths
        monkeypatch.setattr(capsnet, "_prepack", lambda weight, bias, rows: None)
        model.load_state_dict(pretrained.state_dict())  # new parameter versions: weights are re-laid out
        plain = model(digits[:2]).lengths
    assert not model._inference_weights.packed
    assert torch.allclose(packed, plain, atol=1e-6)
