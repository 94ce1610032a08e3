"""MultiMNIST: the pair generator, the 36×36 CapsNet, the warm start and two-digit losses."""

from __future__ import annotations

import pytest
import torch

from capsviz.data import multimnist as mm
from capsviz.model.capsnet import CapsNet
from capsviz.model.losses import margin_loss, reconstruction_loss
from capsviz.model.transfer import warm_start
from tests.core.test_routing import paper_routing


@pytest.fixture(scope="module")
def digits(mnist_test):
    images, labels = mnist_test
    return torch.from_numpy(images[:2000].copy()), torch.as_tensor(labels[:2000]).long()


def test_pairs_have_two_different_classes_within_the_shift_bounds(digits) -> None:
    images, labels = digits
    pairs = mm.make_pairs(images, labels, torch.arange(300), seed=5)
    assert pairs.images.shape == (300, 1, 36, 36) and pairs.digits.shape == (300, 2, 1, 36, 36)
    assert (pairs.labels[:, 0] != pairs.labels[:, 1]).all()
    assert torch.equal(pairs.labels[:, 0], labels[:300])
    assert pairs.shifts.abs().max() <= mm.MAX_SHIFT and pairs.shifts.abs().max() == mm.MAX_SHIFT
    assert torch.equal(pairs.images[:, 0], (pairs.digits[:, 0, 0] + pairs.digits[:, 1, 0]).clamp(max=1))


def test_each_digit_is_the_mnist_digit_moved_by_its_shift_with_no_ink_lost(digits) -> None:
    images, labels = digits
    pairs = mm.make_pairs(images, labels, torch.arange(50), seed=9)
    for k in range(50):
        dy, dx = (int(v) for v in pairs.shifts[k, 0])
        top, left = mm.PAD + dy, mm.PAD + dx
        window = pairs.digits[k, 0, 0, top : top + 28, left : left + 28]
        assert torch.allclose(window, images[k].float() / 255)
        assert pairs.digits[k, 0, 0].sum() == pytest.approx(float(window.sum()), rel=1e-6)


def test_pairs_regenerate_exactly_from_their_seed(digits) -> None:
    images, labels = digits
    base = torch.arange(10, 40)
    first, again = mm.make_pairs(images, labels, base, 3), mm.make_pairs(images, labels, base, 3)
    other = mm.make_pairs(images, labels, base, 4)
    assert torch.equal(first.images, again.images) and torch.equal(first.labels, again.labels)
    assert not torch.equal(first.images, other.images)


def test_overlap_is_the_papers_eighty_percent(digits) -> None:
    overlap = mm.box_overlap(mm.test_pairs(*digits, count=2000))
    assert 0.78 <= overlap["frames"] <= 0.82  # the paper: "80 % overlap on average"
    assert 0.6 <= overlap["ink_of_smaller"] <= overlap["frames"]
    assert 0.3 <= overlap["ink_iou"] <= overlap["ink_of_smaller"]


def test_each_pairs_overlap_follows_its_shifts_and_boxes() -> None:
    digit = torch.zeros(2, 28, 28, dtype=torch.uint8)
    digit[:, 4:24, 4:24] = 255  # a 20×20 box of ink, as the paper's digits are bounded
    shifts = torch.tensor([[[0, 0], [0, 0]], [[0, -4], [0, 4]]])  # the same place; 8 px apart sideways
    placed = torch.stack([mm.place(digit, shifts[:, 0]), mm.place(digit, shifts[:, 1])], dim=1)
    pairs = mm.Pairs(
        images=mm.overlay(placed[:, 0], placed[:, 1]).unsqueeze(1),
        digits=placed.unsqueeze(2),
        labels=torch.tensor([[1, 2], [1, 2]]),
        shifts=shifts,
    )
    overlaps = mm.pair_overlaps(pairs)
    assert overlaps["frames"].tolist() == pytest.approx([1.0, 20 / 28])
    assert overlaps["ink_of_smaller"].tolist() == pytest.approx([1.0, 12 / 20])
    assert overlaps["ink_iou"].tolist() == pytest.approx([1.0, (20 * 12) / (2 * 400 - 20 * 12)])
    assert mm.box_overlap(pairs)["ink_of_smaller"] == pytest.approx((1.0 + 12 / 20) / 2)


def test_ink_boxes_are_inclusive_pixel_bounds() -> None:
    picture = torch.zeros(36, 36)
    picture[3:9, 20:31] = 1.0
    assert mm.ink_boxes(picture).tolist() == [3, 20, 8, 30]


def test_both_found_needs_exactly_the_two_present_digits() -> None:
    lengths = torch.tensor([[0.9, 0.8, 0.1] + [0.0] * 7, [0.9, 0.1, 0.8] + [0.0] * 7])
    labels = torch.tensor([[1, 0], [0, 1]])
    assert mm.both_found(lengths, labels).tolist() == [True, False]


def test_36_pixel_model_has_a_10_by_10_grid_and_renders_36_pixel_pictures() -> None:
    torch.manual_seed(0)
    model = CapsNet(input_size=36).eval()
    assert (model.primary_grid, model.n_primary, tuple(model.W.shape)) == (10, 3200, (3200, 10, 16, 8))
    images = torch.rand(2, 1, 36, 36)
    with torch.no_grad():
        out = model(images)
    assert out.lengths.shape == (2, 10) and out.reconstruction.shape == (2, 1, 36, 36)
    assert model.decode(out.poses[:, 3], 3).shape == (2, 1, 36, 36)
    trace = model.route(images)
    assert trace.coupling.shape == (2, 3, 3200, 10) and trace.votes.shape == (2, 3200, 10, 16)
    assert trace.primary_lengths.shape == (2, 3200)
    with pytest.raises(ValueError, match=r"\[B, 1, 36, 36\]"):
        model(torch.rand(1, 1, 28, 28))
    with pytest.raises(ValueError, match="input_size"):
        CapsNet(input_size=32)


def test_routing_on_3200_capsules_equals_the_paper_loop() -> None:
    torch.manual_seed(1)
    model = CapsNet(input_size=36).eval()
    image = torch.rand(1, 1, 36, 36)
    trace = model.route(image, iterations=3)
    couplings, outputs = paper_routing(trace.votes[0].double().numpy(), 3)
    assert torch.allclose(trace.coupling[0].double(), torch.tensor(couplings, dtype=torch.float64), atol=1e-6)
    assert torch.allclose(trace.poses[0].double(), torch.tensor(outputs, dtype=torch.float64), atol=1e-6)
    with torch.no_grad():
        out = model(image)
    assert torch.allclose(trace.lengths[0, -1], out.lengths[0], atol=1e-6)


def test_two_labels_decode_each_digit_from_its_own_capsule() -> None:
    torch.manual_seed(2)
    model = CapsNet(input_size=36).eval()
    images, labels = torch.rand(3, 1, 36, 36), torch.tensor([[1, 7], [0, 2], [9, 4]])
    with torch.no_grad():
        out = model(images, labels)
        assert out.reconstruction.shape == (3, 2, 1, 36, 36)
        for k in range(2):
            own = model.decode(out.poses[torch.arange(3), labels[:, k]], labels[:, k])
            assert torch.allclose(out.reconstruction[:, k], own, atol=1e-6)


def test_margin_loss_holds_both_present_digits_to_the_upper_margin() -> None:
    lengths = torch.full((1, 10), 0.05)
    lengths[0, 2], lengths[0, 6], lengths[0, 8] = 0.5, 0.95, 0.3
    expected = (0.9 - 0.5) ** 2 + 0.0 + 0.5 * (0.3 - 0.1) ** 2
    assert margin_loss(lengths, torch.tensor([[2, 6]])).item() == pytest.approx(expected, rel=1e-5)
    pictures, targets = torch.zeros(1, 2, 1, 36, 36), torch.ones(1, 2, 1, 36, 36)
    assert reconstruction_loss(pictures, targets).item() == pytest.approx(2 * 36 * 36)


def test_warm_start_reads_a_centred_digit_exactly_like_the_mnist_model(pretrained, mnist_test) -> None:
    torch.manual_seed(3)
    target = warm_start(CapsNet(input_size=36), pretrained).eval()
    digit = torch.from_numpy(mnist_test[0][:2].copy()).float().div(255).unsqueeze(1)
    centred = torch.nn.functional.pad(digit, (4, 4, 4, 4))
    with torch.no_grad():
        small = pretrained.primary_capsules(digit).view(2, 32, 6, 6, 8)
        large = target.primary_capsules(centred).view(2, 32, 10, 10, 8)
        # conv is translation-equivariant: cells 2..7 of the 10×10 grid see what the 6×6 grid saw
        assert torch.allclose(large[:, :, 2:8, 2:8], small, atol=1e-5)
        cells_36, cells_28 = target.W.view(32, 10, 10, 160, 8), pretrained.W.view(32, 6, 6, 160, 8)
        assert torch.equal(cells_36[:, 2:8, 2:8], cells_28)
        assert torch.equal(cells_36[:, 0, 9], cells_28[:, 0, 5])
        pose = torch.randn(4, 16) * 0.2
        inner, outer = pretrained.decode(pose, 5), target.decode(pose, 5)
    assert torch.allclose(outer[:, :, 4:32, 4:32], inner, atol=1e-6)
    border = outer.clone()
    border[:, :, 4:32, 4:32] = 0
    assert border.max() < 1e-3


def test_36_pixel_weights_round_trip_and_a_wrong_size_is_one_line(tmp_path) -> None:
    from safetensors.torch import load_file, save_file

    from capsviz.model.weights import WeightsError, load_weights, save_weights

    torch.manual_seed(4)
    model = CapsNet(input_size=36).eval()
    path = save_weights(model, tmp_path / "two.safetensors")
    loaded = load_weights(path)
    image = torch.rand(1, 1, 36, 36)
    with torch.no_grad():
        assert loaded.input_size == 36 and torch.allclose(loaded(image).lengths, model(image).lengths)
    tensors = load_file(path)
    refusals = {"28": "a CapsNet on 28×28 inputs needs", "44": "expected 28, 36 or 40", "x": "not a number"}
    for size, message in refusals.items():
        meta = {"format": "capsviz-capsnet", "input_size": size}
        save_file(tensors, tmp_path / "bad.safetensors", metadata=meta)
        with pytest.raises(WeightsError, match=message) as error:
            load_weights(tmp_path / "bad.safetensors")
        assert "\n" not in str(error.value)


def test_accuracy_by_overlap_counts_each_pair_in_its_bin_and_names_the_digit_missed() -> None:
    from capsviz.analysis.pair_accuracy import accuracy_by_overlap

    digit = torch.zeros(3, 28, 28, dtype=torch.uint8)
    digit[:, 4:24, 4:24] = 255
    small = digit.clone()
    small[:, 4:24, 4:24] = 0
    small[:2, 10:18, 10:18] = 255  # less ink than its partner
    small[2, 16:24, 16:24] = 255
    # the same place (overlap 1); 8 px apart sideways (6 of the small box's 8 columns shared: 0.75);
    # 8 px apart both ways, the small ink in its frame's far corner (nothing shared)
    shifts = torch.tensor([[[0, 0], [0, 0]], [[0, -4], [0, 4]], [[-4, -4], [4, 4]]])
    big_placed, small_placed = mm.place(digit, shifts[:, 0]), mm.place(small, shifts[:, 1])
    pairs = mm.Pairs(
        images=mm.overlay(big_placed, small_placed).unsqueeze(1),
        digits=torch.stack([big_placed, small_placed], dim=1).unsqueeze(2),
        labels=torch.tensor([[1, 2], [1, 2], [1, 2]]),
        shifts=shifts,
    )
    lengths = torch.full((3, 10), 0.05)
    lengths[:, 1] = 0.9
    lengths[0, 7] = 0.8  # the stacked pair: the small 2 is lost to a 7
    lengths[1:, 2] = 0.8
    result = accuracy_by_overlap(lengths, pairs, edges=(0.0, 0.5, 0.9, 1.0))
    assert result.both_read == pytest.approx(2 / 3)
    assert mm.pair_overlaps(pairs)["ink_of_smaller"].tolist() == pytest.approx([1.0, 0.75, 0.0])
    assert [(b.low, b.high, b.pairs, b.both_read) for b in result.by_overlap] == [
        (0.0, 0.5, 1, 1.0),
        (0.5, 0.9, 1, 1.0),
        (0.9, 1.0, 1, 0.0),
    ]
    assert result.less_ink_missed == 1.0


def test_a_lone_digit_is_placed_as_in_the_pairs_and_scored_among_two_and_first() -> None:
    from types import SimpleNamespace

    from capsviz.analysis.pair_accuracy import lone_digits

    seen = []
    lengths = torch.full((4, 10), 0.05)
    lengths[0, 0] = lengths[3, 3] = 0.9  # digits 0 and 3: the longest
    lengths[1, 5], lengths[1, 1] = 0.8, 0.6  # digit 1: second
    lengths[2, 5], lengths[2, 6], lengths[2, 2] = 0.7, 0.6, 0.4  # digit 2: third, lost

    def fake_model(images: torch.Tensor) -> SimpleNamespace:
        seen.append(images)
        return SimpleNamespace(lengths=lengths[: len(images)])

    digits = torch.zeros(4, 28, 28, dtype=torch.uint8)
    digits[:, 2:26, 2:26] = 255
    reading = lone_digits(fake_model, digits, torch.tensor([0, 1, 2, 3]), seed=3)
    assert (reading.among_two, reading.longest) == (0.75, 0.5)
    (images,) = seen
    assert images.shape == (4, 1, 36, 36)
    assert torch.equal(images.flatten(1).sum(dim=1), torch.full((4,), 24.0 * 24.0))  # nothing cut off
    tops = mm.ink_boxes(images[:, 0])[:, :2] - 6  # the block's corner moved from the centred (6, 6)
    assert tops.abs().max() <= mm.MAX_SHIFT and len({tuple(t) for t in tops.tolist()}) > 1
