"""python -m capsviz.training.merge: the mean of runs' weights, measured before it is written."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open

from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import WeightsError, load_weights, read_weights, save_weights, shipped_weights_path
from capsviz.training.checkpoint import load_checkpoint
from capsviz.training.evaluate import accuracy, paired_difference, predict_all
from capsviz.training.merge import average_models, main, merge_files

CHECKED = 300  # held-out digits: enough to see a wrong measurement, quick on two cores


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The shipped MNIST weights as one run (14 epochs) and a nudged copy as another (20 epochs)."""
    folder = tmp_path_factory.mktemp("runs")
    first = load_weights(shipped_weights_path())
    first_path = save_weights(
        first, folder / "a.safetensors", dataset="mnist", epochs="14", test_accuracy="0.9960"
    )
    torch.manual_seed(0)
    with torch.no_grad():
        for p in first.parameters():
            p.add_(0.02 * p.abs().mean() * torch.randn_like(p))
    second_path = save_weights(
        first, folder / "b.safetensors", dataset="mnist", epochs="20", test_accuracy="0.9900", history="[]"
    )
    return first_path, second_path


def test_the_merged_file_holds_the_mean_and_the_accuracy_it_reads(two_runs, tmp_path, mnist_test) -> None:
    out = tmp_path / "merged.safetensors"
    merged_run = merge_files(two_runs, out, limit_test=CHECKED, quiet=True)
    measured = merged_run.accuracy
    assert (merged_run.dataset, merged_run.measured, merged_run.against) == ("mnist", CHECKED, None)
    (a, _), (b, _), (merged, meta) = (read_weights(path) for path in (*two_runs, out))
    for name, value in merged.items():
        torch.testing.assert_close(value, (a[name] + b[name]) / 2, rtol=0, atol=1e-6)
    images, labels = mnist_test
    assert measured == accuracy(load_weights(out), images[:CHECKED], labels[:CHECKED])
    assert meta["test_accuracy"] == f"{measured:.4f}" and meta["test_images"] == str(CHECKED)
    # Training history and epochs come from the run trained longest; each source is named.
    assert meta["epochs"] == "20" and meta["history"] == "[]"
    sources = json.loads(meta["averaged_from"])
    assert [(s["file"], s["epochs"], s["test_accuracy"]) for s in sources] == [
        ("a.safetensors", "14", "0.9960"),
        ("b.safetensors", "20", "0.9900"),
    ]


def test_training_resumes_from_the_merged_file_at_the_longest_run_s_epoch(two_runs, tmp_path) -> None:
    out = tmp_path / "merged.safetensors"
    merge_files(two_runs, out, limit_test=20, quiet=True)
    model = CapsNet()
    state = load_checkpoint(out, model, None)
    assert (state.epoch, state.batch, state.history, state.fresh_optimizer) == (20, 0, [], True)
    torch.testing.assert_close(model.W, read_weights(out)[0]["W"])


def test_bfloat16_storage_is_measured_as_a_reader_gets_it(two_runs, tmp_path, mnist_test) -> None:
    out = tmp_path / "half.safetensors"
    measured = merge_files(two_runs, out, storage="bfloat16", limit_test=CHECKED, quiet=True).accuracy
    with safe_open(str(out), framework="pt") as fh:
        assert {fh.get_slice(name).get_dtype() for name in fh.keys()} == {"BF16"}
        assert fh.metadata()["stored_as"] == "bfloat16"
    images, labels = mnist_test
    assert measured == accuracy(load_weights(out), images[:CHECKED], labels[:CHECKED])


def test_models_of_different_input_sizes_are_refused_in_one_line(tmp_path, capsys) -> None:
    small = save_weights(CapsNet(), tmp_path / "small.safetensors")
    large = save_weights(CapsNet(input_size=36), tmp_path / "large.safetensors")
    with pytest.raises(WeightsError, match="cannot average a 28×28 model"):
        average_models([load_weights(small), load_weights(large)])
    assert main([str(small), str(large), "--out", str(tmp_path / "m.safetensors"), "--quiet"]) == 2
    message = capsys.readouterr().err
    assert message.startswith("error: cannot average") and message.count("\n") == 1
    assert not (tmp_path / "m.safetensors").exists()


def test_one_file_alone_is_not_an_average(tmp_path, capsys) -> None:
    alone = save_weights(CapsNet(), tmp_path / "alone.safetensors")
    assert main([str(alone), "--out", str(tmp_path / "m.safetensors")]) == 2
    assert "at least two" in capsys.readouterr().err


def test_the_command_says_what_it_wrote(two_runs, tmp_path, capsys) -> None:
    out = tmp_path / "cli.safetensors"
    assert main([*map(str, two_runs), "--out", str(out), "--limit-test", "50", "--quiet"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"wrote {out}: the mean of 2 files, test accuracy ") and out.is_file()


def test_against_another_file_the_mean_is_compared_item_by_item(
    two_runs, tmp_path, mnist_test, capsys
) -> None:
    out = tmp_path / "paired.safetensors"
    torch.manual_seed(1)
    reference = str(save_weights(CapsNet(), tmp_path / "worse.safetensors", dataset="mnist"))  # untrained
    assert (
        main(
            [
                *map(str, two_runs),
                "--out",
                str(out),
                "--limit-test",
                str(CHECKED),
                "--quiet",
                "--against",
                reference,
            ]
        )
        == 0
    )
    images, labels = (torch.as_tensor(a[:CHECKED]) for a in mnist_test)
    mean_right = predict_all(load_weights(out), images) == labels
    reference_right = predict_all(load_weights(reference), images) == labels
    only_mean = int((mean_right & ~reference_right).sum())
    only_reference = int((reference_right & ~mean_right).sum())
    said = capsys.readouterr().out.splitlines()
    assert said[1] == (
        f"paired against {reference} on the same {CHECKED} digits: the mean reads {only_mean} that "
        f"worse.safetensors misses, worse.safetensors reads {only_reference} that the mean misses "
        f"({paired_difference(mean_right, reference_right).z:+.1f} standard deviations)"
    )
    assert only_mean > 200 and only_reference < 30  # two good runs' mean against chance


def test_a_reference_of_another_input_size_is_refused_before_anything_is_written(
    two_runs, tmp_path, capsys
) -> None:
    large = save_weights(CapsNet(input_size=36), tmp_path / "large.safetensors", dataset="mnist")
    out = tmp_path / "m.safetensors"
    assert main([*map(str, two_runs), "--out", str(out), "--against", str(large), "--quiet"]) == 2
    message = capsys.readouterr().err
    assert message == "error: cannot compare a 28×28 model with the 36×36 one in large.safetensors\n"
    assert not out.exists()
