"""The Why panel charts exactly the agreement, departure and lengths the core computed."""

from __future__ import annotations

import numpy as np

from capsviz.analysis.why import why_analysis
from capsviz.app.insight.why_panel import WhyPanel


def test_charts_show_the_analysis(shown, routed_digit):
    widget = shown(WhyPanel())
    analysis = why_analysis(routed_digit[0])
    widget.show_analysis(analysis)
    widget.set_digit(7)
    assert len(widget.histogram_curves) == analysis.iterations
    x, y = widget.histogram_curves[1].getData()
    np.testing.assert_allclose(y, analysis.histograms[1, 7])
    np.testing.assert_allclose(x, analysis.edges)
    np.testing.assert_allclose(widget.kl_curve.getData()[1], analysis.kl_from_uniform)
    np.testing.assert_allclose(widget.abs_curve.getData()[1], analysis.mean_abs_departure)
    np.testing.assert_allclose(widget.length_bars.heights(0), analysis.lengths_without_routing)
    np.testing.assert_allclose(widget.length_bars.heights(1), analysis.lengths_with_routing)
    for t in range(analysis.iterations):
        np.testing.assert_allclose(widget.mean_bars.heights(t), analysis.mean_agreement[t])
    assert widget.summary.text().startswith("winner 7:")


def test_picking_a_digit_redraws_and_emits(qtbot, shown, routed_digit):
    widget = shown(WhyPanel())
    analysis = why_analysis(routed_digit[0])
    widget.show_analysis(analysis)
    with qtbot.waitSignal(widget.digitChanged) as blocker:
        widget.digit_box.setCurrentIndex(2)
    assert blocker.args == [2]
    np.testing.assert_allclose(widget.histogram_curves[0].getData()[1], analysis.histograms[0, 2])
    widget.show_analysis(None)
    assert widget.histogram_curves == [] and widget.length_bars.heights(1) is None
