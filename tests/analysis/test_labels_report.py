"""The labels report: two disjoint sets of starting digits, their agreement, the names' distribution."""

from __future__ import annotations

import pytest

from capsviz.analysis import labels_report


@pytest.mark.slow
def test_names_from_two_halves_of_the_starting_digits_agree_on_nine_in_ten(
    pretrained, mnist_test, tmp_path, monkeypatch
):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    report = labels_report.labels_report(pretrained, *mnist_test)
    assert report.agreement >= 0.9
    assert report.agreement == pytest.approx(float((report.first.names == report.second.names).mean()))
    assert sum(report.counts.values()) == 160
    assert report.counts.get("height/width", 0) < 66, "no longer one word for most dimensions"
    assert 0.0 < report.mean_confidence <= 1.0
    text = labels_report.format_report(report)
    assert "split-half agreement" in text and f"{report.agreement:.1%}" in text


def test_the_command_refuses_a_bad_weights_file_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_text("nope")
    assert labels_report.main(["--weights", str(bad)]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
