"""The survey reports a first result early, then the full one, and a cancelled survey stops."""

from __future__ import annotations

import numpy as np

from capsviz.app.insight import survey_task
from capsviz.app.insight.survey_task import SurveyBinding
from capsviz.app.jobs import Jobs
from tests.app.app_helpers import WAIT_MS


def test_results_arrive_in_stages(qtbot, pretrained, mnist_test, tmp_path, monkeypatch):
    monkeypatch.setattr(survey_task, "FIRST_STAGE", 20)
    images, labels = mnist_test[0][:50], mnist_test[1][:50]
    surveyor = SurveyBinding(lambda: pretrained, (images, labels), 40, tmp_path, Jobs(synchronous=True))
    results, progress = [], []
    surveyor.resultChanged.connect(results.append)
    surveyor.progress.connect(lambda done, total, _paused: progress.append((done, total)))
    surveyor.start()
    assert [len(r.survey) for r in results] == [20, 40]
    assert progress[-1] == (40, 40) and all(total == 40 for _, total in progress)
    assert results[0].labels is results[1].labels, "labels are computed once"
    np.testing.assert_array_equal(results[1].survey.lengths[:20], results[0].survey.lengths)
    assert results[1].gallery.surveyed == 40 and not surveyor.running and surveyor.result is results[1]


def test_a_cancelled_survey_reports_nothing_and_says_it_is_over(qtbot, pretrained, mnist_test, tmp_path):
    jobs = Jobs()
    digits = (mnist_test[0][:300], mnist_test[1][:300])
    surveyor = SurveyBinding(lambda: pretrained, digits, None, tmp_path, jobs)
    results, failures, progress = [], [], []
    surveyor.resultChanged.connect(results.append)
    surveyor.failed.connect(failures.append)
    surveyor.progress.connect(lambda *args: progress.append(args))
    surveyor.start()
    assert surveyor.running
    surveyor.cancel(5)
    assert not surveyor.running
    qtbot.wait(200)
    assert results == [] and failures == [] and progress[-1][0] == progress[-1][1]
    jobs.shutdown(5)


def test_a_new_model_makes_the_survey_stale(qtbot, pretrained, mnist_test, tmp_path):
    images, labels = mnist_test[0][:20], mnist_test[1][:20]
    surveyor = SurveyBinding(lambda: pretrained, (images, labels), None, tmp_path, Jobs(synchronous=True))
    results = []
    surveyor.resultChanged.connect(results.append)
    surveyor.start()
    assert surveyor.started and surveyor.result is not None
    surveyor.reset()
    assert results[-1] is None and surveyor.result is None and not surveyor.started
    qtbot.waitUntil(lambda: not surveyor.running, timeout=WAIT_MS)


def test_a_survey_finished_mid_stroke_is_shown_when_the_pen_lifts(qtbot, pretrained, tmp_path, monkeypatch):
    """Showing a survey redraws the What panel for about a tenth of a second: while the pen moves that
    would hold the ink, so a survey that finishes then waits for the hand to lift."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from capsviz.app import create_window
    from tests.app.app_helpers import canvas_point

    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path / "cache"))
    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.show_panel("what")
    canvas, left, keys = window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    surveyor = window.insight.surveyor
    surveyor.cancel(5)
    surveyor.limit, surveyor.synchronous, surveyor.started = 40, True, False
    finish = survey_task.run_survey

    def pen_comes_down_during_the_last_batch(*args):
        result = finish(*args)
        QTest.mousePress(canvas, left, keys, canvas_point(canvas, 0.4, 0.4))
        return result

    monkeypatch.setattr(survey_task, "run_survey", pen_comes_down_during_the_last_batch)
    surveyor.start()
    QTest.mouseMove(canvas, canvas_point(canvas, 0.5, 0.6))
    assert window.state.dimension_stats is None and surveyor.result is None, "not while the pen moves"
    QTest.mouseRelease(canvas, left, keys, canvas_point(canvas, 0.5, 0.6))
    assert surveyor.result is not None and surveyor.result.gallery.surveyed == 40
    assert window.state.dimension_stats is surveyor.result.stats
    assert window.state.dimension_labels is surveyor.result.labels
