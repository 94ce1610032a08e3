"""Translated MNIST on 40×40: the placement, the 40×40 CapsNet and CNN, their weights and their training."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file, save_file

from capsviz.data import translated as tr
from capsviz.model.baseline import BaselineCNN, load_baseline, save_baseline
from capsviz.model.capsnet import CapsNet
from capsviz.model.transfer import warm_start
from capsviz.model.weights import WeightsError, load_weights, save_weights
from capsviz.training.cli import main as train_main
from capsviz.training.datasets import make_task
from tests.core.test_routing import paper_routing


@pytest.fixture(scope="module")
def digits(mnist_test):
    return torch.from_numpy(mnist_test[0][:500].copy())


def frame_corners(placed: torch.Tensor, digits: torch.Tensor) -> list[tuple[int, int]]:
    """Where each 28×28 digit sits on its canvas, found by trying every corner (plain search)."""
    corners = []
    for canvas, digit in zip(placed[:, 0], digits.float() / 255, strict=True):
        found = [
            (r, c)
            for r in range(tr.MAX_OFFSET + 1)
            for c in range(tr.MAX_OFFSET + 1)
            if torch.equal(canvas[r : r + 28, c : c + 28], digit)
            and canvas.sum().item() == pytest.approx(digit.sum().item(), rel=1e-6)
        ]
        corners.append(found[0])
    return corners


def test_each_digit_lands_whole_somewhere_on_the_canvas_from_its_seed_alone(digits) -> None:
    placed = tr.place_at_random(digits[:60], seed=3)
    assert placed.shape == (60, 1, 40, 40) and placed.dtype == torch.float32
    corners = frame_corners(placed, digits[:60])
    rows, cols = zip(*corners, strict=True)
    assert len(set(corners)) > 40  # spread over the 169 places, not a few
    assert max(rows) <= tr.MAX_OFFSET and max(cols) <= tr.MAX_OFFSET
    assert torch.equal(placed, tr.place_at_random(digits[:60], seed=3))
    assert not torch.equal(placed, tr.place_at_random(digits[:60], seed=4))
    assert torch.equal(tr.translated_test_set(digits[:60]), tr.place_at_random(digits[:60], tr.TEST_SEED))


def test_two_processes_place_their_halves_where_one_process_places_them(digits) -> None:
    whole = tr.place_at_random(digits[:8], seed=9)
    halves = [tr.place_at_random(digits[rank:8:2], seed=9, rank=rank, world_size=2) for rank in (0, 1)]
    assert torch.equal(halves[0], whole[0::2]) and torch.equal(halves[1], whole[1::2])


def test_the_task_trains_on_placed_digits_and_holds_out_the_expanded_test_set(digits) -> None:
    labels = torch.arange(500) % 10
    task = make_task("translated", (digits.numpy(), labels.numpy()), (digits.numpy(), labels.numpy()))
    assert task.input_size == 40 and task.test_x.shape == (500, 1, 40, 40)
    batch = task.batch(torch.arange(16), seed=1, rank=0, world_size=1)
    assert batch.images.shape == (16, 1, 40, 40) and torch.equal(batch.targets, batch.images)
    assert torch.equal(batch.labels, labels[:16])
    assert torch.equal(task.test_images(torch.arange(4)), tr.translated_test_set(digits[:4]))


def test_40_pixel_capsnet_has_a_12_by_12_grid_and_routes_like_the_paper_loop() -> None:
    torch.manual_seed(0)
    model = CapsNet(input_size=40).eval()
    assert (model.primary_grid, model.n_primary, tuple(model.W.shape)) == (12, 4608, (4608, 10, 16, 8))
    image = torch.rand(1, 1, 40, 40)
    with torch.no_grad():
        out = model(image)
    assert out.lengths.shape == (1, 10) and out.reconstruction.shape == (1, 1, 40, 40)
    trace = model.route(image, iterations=3)
    couplings, outputs = paper_routing(trace.votes[0].double().numpy(), 3)
    assert torch.allclose(trace.coupling[0].double(), torch.tensor(couplings, dtype=torch.float64), atol=1e-6)
    assert torch.allclose(trace.poses[0].double(), torch.tensor(outputs, dtype=torch.float64), atol=1e-6)
    assert torch.allclose(trace.lengths[0, -1], out.lengths[0], atol=1e-6)


def test_warm_start_to_40_pixels_reads_a_centred_digit_like_the_mnist_model(pretrained, mnist_test) -> None:
    target = warm_start(CapsNet(input_size=40), pretrained).eval()
    digit = torch.from_numpy(mnist_test[0][:2].copy()).float().div(255).unsqueeze(1)
    with torch.no_grad():
        small = pretrained.primary_capsules(digit).view(2, 32, 6, 6, 8)
        large = target.primary_capsules(torch.nn.functional.pad(digit, (6, 6, 6, 6))).view(2, 32, 12, 12, 8)
        assert torch.allclose(large[:, :, 3:9, 3:9], small, atol=1e-5)
        cells_40, cells_28 = target.W.view(32, 12, 12, 160, 8), pretrained.W.view(32, 6, 6, 160, 8)
        assert torch.equal(cells_40[:, 3:9, 3:9], cells_28)


def test_40_pixel_weights_of_both_models_round_trip(tmp_path) -> None:
    torch.manual_seed(1)
    capsnet, cnn = CapsNet(input_size=40).eval(), BaselineCNN(input_size=40).eval()
    image = torch.rand(2, 1, 40, 40)
    loaded_caps = load_weights(save_weights(capsnet, tmp_path / "caps.safetensors"))
    loaded_cnn = load_baseline(weights=save_baseline(cnn, tmp_path / "cnn.safetensors"))
    assert (loaded_caps.input_size, loaded_cnn.input_size) == (40, 40)
    with torch.no_grad():
        assert torch.allclose(loaded_caps(image).lengths, capsnet(image).lengths)
        assert torch.allclose(loaded_cnn(image), cnn(image), atol=1e-6)
    with pytest.raises(ValueError, match=r"\[B, 1, 40, 40\]"):
        cnn(torch.rand(1, 1, 28, 28))


def test_a_cnn_file_without_a_size_is_28_and_a_wrong_size_is_one_line(tmp_path) -> None:
    path = save_baseline(BaselineCNN(), tmp_path / "cnn.safetensors")
    tensors = load_file(path)
    save_file(tensors, path, metadata={"format": "capsviz-cnn"})  # as files from before 40×40 were written
    assert load_baseline(weights=path).input_size == 28
    save_file(tensors, path, metadata={"format": "capsviz-cnn", "input_size": "36"})
    with pytest.raises(WeightsError, match="'input_size' is '36', expected 28 or 40") as error:
        load_baseline(weights=path)
    assert "\n" not in str(error.value)
    save_file(tensors, path, metadata={"format": "capsviz-cnn", "input_size": "40"})
    with pytest.raises(WeightsError, match="shape"):
        load_baseline(weights=path)  # 28×28 tensors under a 40×40 label


def test_train_model_trains_both_40_pixel_models(tmp_path, tiny_mnist_dir, capsys) -> None:
    common = ["--dataset", "translated", "--data-dir", tiny_mnist_dir, "--epochs", "1", "--quiet"]
    common += ["--limit-train", "64", "--limit-test", "32", "--batch-size", "32"]
    caps, cnn = tmp_path / "caps.safetensors", tmp_path / "cnn.safetensors"
    assert train_main([*common, "--out", str(caps), "--warm-start", "resources/capsnet.safetensors"]) == 0
    assert train_main([*common, "--arch", "cnn", "--out", str(cnn)]) == 0
    assert load_weights(caps).input_size == 40 and load_baseline(weights=cnn).input_size == 40
    assert load_weights(caps).metadata["dataset"] == "translated"
    capsys.readouterr()
