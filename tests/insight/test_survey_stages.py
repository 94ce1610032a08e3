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
