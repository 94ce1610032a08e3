"""The app section of the benchmark draws in the whole window with every tab on show."""

from __future__ import annotations

import pytest

from capsviz.app.app_bench import format_app_report, run_app_bench
from capsviz.app.panel_ids import PANEL_IDS
from capsviz.bench import main


def test_every_tab_is_measured_and_judged_against_the_targets(qapp, pretrained, tmp_path, monkeypatch):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    report = run_app_bench(pretrained, seconds=0.6)
    assert [row["panel"] for row in report["rows"]] == list(PANEL_IDS)
    for row in report["rows"]:
        assert (
            row["moves"] > 10
            and row["updates"] > 0
            and 0 < row["event_to_plot_p50"] <= row["event_to_plot_p95"]
        )
        assert row["meets_targets"] == (
            row["event_to_plot_p95"] <= 33 and row["gui_stall_max"] <= 50 and row["updates_per_s"] >= 55
        )
    text = format_app_report(report, markdown=True)
    assert text.count("\n| ") == len(PANEL_IDS) + 1 and "p95 ≤ 33 ms" in text


def test_the_command_line_offers_the_app_section(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--app" in capsys.readouterr().out
