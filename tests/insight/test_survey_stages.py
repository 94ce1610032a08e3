"""The survey reports a first result early, then the full one, and a cancelled survey stops."""

from __future__ import annotations

import numpy as np

from capsviz.app.insight import survey_task
from capsviz.app.insight.survey_task import SurveyTask


def test_results_arrive_in_stages(qtbot, pretrained, mnist_test, tmp_path, monkeypatch):
    monkeypatch.setattr(survey_task, "FIRST_STAGE", 20)
    images, labels = mnist_test[0][:50], mnist_test[1][:50]
    task = SurveyTask(pretrained, (images, labels), limit=40, folder=tmp_path)
    results, progress = [], []
    task.finished.connect(results.append)
    task.progress.connect(lambda done, total: progress.append((done, total)))
    task.start(synchronous=True)
    assert [len(r.survey) for r in results] == [20, 40]
    assert progress[-1] == (40, 40) and all(total == 40 for _, total in progress)
    assert results[0].labels is results[1].labels, "labels are computed once"
    np.testing.assert_array_equal(results[1].survey.lengths[:20], results[0].survey.lengths)
    assert results[1].gallery.surveyed == 40 and not task.running


def test_a_cancelled_survey_reports_nothing(qtbot, pretrained, mnist_test, tmp_path):
    task = SurveyTask(pretrained, (mnist_test[0][:30], mnist_test[1][:30]), folder=tmp_path)
    results, failures = [], []
    task.finished.connect(results.append)
    task.failed.connect(failures.append)
    task.cancel(0)
    task.start(synchronous=True)
    assert results == [] and failures == [] and not task.running
