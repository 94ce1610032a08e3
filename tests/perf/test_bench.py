"""``python -m capsviz.bench --quick``: the report's shape, and a baseline that computes what we compute.

No timing is asserted here (speed targets live in the benchmark itself); what
must hold is that the tutorial-style reference stays the same network, so its
ratios keep meaning something.
"""

from __future__ import annotations

import json

import pytest
import torch

from capsviz.bench import format_report, main
from capsviz.bench_reference import TutorialCapsNet, tutorial_loss
from capsviz.model.capsnet import CapsNet
from capsviz.model.losses import capsule_loss
from capsviz.training.augment import to_float

EXPECTED_CASES = {
    "forward B=1",
    "forward B=4",
    "routing trace B=1",
    "decode one pose",
    "train B=4 fp32",
}


@pytest.fixture(scope="module")
def quick_report() -> dict:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["--quick", "--json", "--threads", "1"])
    assert status == 0
    return json.loads(out.getvalue())


def test_quick_report_lists_every_case_with_medians_and_ratios(quick_report) -> None:
    names = [entry["case"] for entry in quick_report["results"]]
    assert set(names) >= EXPECTED_CASES
    for entry in quick_report["results"]:
        assert entry["ours_ms"] > 0 and entry["reference_ms"] > 0
        assert entry["ratio"] == pytest.approx(entry["ours_ms"] / entry["reference_ms"])
        assert len(entry["ours_samples_ms"]) == len(entry["reference_samples_ms"]) >= 2
        assert min(entry["ours_samples_ms"]) <= entry["ours_ms"] <= max(entry["ours_samples_ms"])
    train = next(e for e in quick_report["results"] if e["case"] == "train B=4 fp32")
    assert train["ours_images_per_second"] == pytest.approx(4 / (train["ours_ms"] / 1e3))
    traces = {e["baseline"]: e for e in quick_report["results"] if e["case"] == "routing trace B=1"}
    assert set(traces) == {"tutorial-style", "capsviz forward"}


def test_report_names_the_machine_and_the_weights(quick_report) -> None:
    machine = quick_report["machine"]
    assert machine["threads"] == 1 and machine["torch"] == torch.__version__
    assert machine["cpu"] and machine["usable_cores"] >= 1
    assert quick_report["weights"] == "shipped weights"
    text = format_report(quick_report)
    assert machine["cpu"] in text and "tutorial-style" in text and "forward B=1" in text
    table = format_report(quick_report, markdown=True).splitlines()
    assert any(line.startswith("| forward B=1 |") for line in table)


def test_benchmarked_implementations_agree(quick_report) -> None:
    agreement = quick_report["agreement"]
    assert agreement["lengths_vs_reference"] < 1e-5
    assert agreement["lengths_batch_vs_single"] < 1e-5
    if "lengths_bf16_vs_fp32" in agreement:
        assert agreement["lengths_bf16_vs_fp32"] < 1e-2


def test_reference_is_the_same_network_on_real_digits(pretrained, mnist_test) -> None:
    reference = TutorialCapsNet.from_capsnet(pretrained).eval()
    images = to_float(torch.as_tensor(mnist_test[0][:6]))
    with torch.inference_mode():
        ours = pretrained(images)
        lengths, poses, reconstruction = reference(images)
        trace = pretrained.route(images[:2])
        coupling, iteration_lengths = reference.trace(images[:2])
    assert torch.allclose(ours.lengths, lengths, atol=1e-5)
    assert torch.allclose(ours.poses, poses.squeeze(-1), atol=1e-5)
    assert torch.allclose(ours.reconstruction.flatten(1), reconstruction, atol=1e-5)
    assert torch.allclose(trace.coupling, coupling, atol=1e-5)
    assert torch.allclose(trace.lengths, iteration_lengths, atol=1e-5)


def test_reference_loss_is_ours() -> None:
    torch.manual_seed(0)
    model = CapsNet().train()
    reference = TutorialCapsNet.from_capsnet(model)
    images, labels = torch.rand(3, 1, 28, 28), torch.tensor([1, 7, 3])
    out = model(images, labels)
    classes, _, reconstruction = reference(images, labels)
    ours = capsule_loss(out.lengths, out.reconstruction, images, labels)
    theirs = tutorial_loss(classes, reconstruction, images, labels)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_bad_thread_count_is_a_one_line_error(capsys) -> None:
    assert main(["--threads", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --threads must be at least 1"
