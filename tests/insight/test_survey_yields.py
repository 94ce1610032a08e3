"""The test-set survey gives way to drawing: held between batches while a stroke goes on."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from capsviz.app.insight import survey_task
from capsviz.app.insight.survey_task import SurveyBinding
from capsviz.app.jobs import JobContext, Jobs
from tests.app.app_helpers import WAIT_MS, canvas_point


def test_a_paused_survey_holds_between_batches_and_goes_on_when_released(
    qtbot, pretrained, mnist_test, tmp_path, monkeypatch
):
    monkeypatch.setattr(survey_task, "APP_BATCH", 16)
    images, labels = mnist_test[0][:96], mnist_test[1][:96]
    jobs = Jobs()
    surveyor = SurveyBinding(lambda: pretrained, (images, labels), None, tmp_path, jobs)
    done = []
    surveyor.progress.connect(lambda count, _total, _paused: done.append(count))
    surveyor.set_paused(True)
    surveyor.start()
    time.sleep(0.6)
    qtbot.wait(50)
    assert max(done, default=0) <= 16, "at most the batch under way when paused"
    assert surveyor.running and surveyor.paused
    surveyor.set_paused(False)
    qtbot.waitUntil(lambda: not surveyor.running, timeout=WAIT_MS)
    assert done[-1] == 96
    jobs.shutdown(5)


def test_drawing_pauses_the_survey_and_the_status_bar_shows_its_progress(
    qtbot, pretrained, mnist_test, tmp_path, monkeypatch
):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(survey_task, "APP_BATCH", 16)
    from capsviz.app import create_window

    window = create_window(model=pretrained)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    surveyor = window.insight.surveyor
    surveyor.test_set = (mnist_test[0][:2000], mnist_test[1][:2000])
    holding = threading.Event()  # set once the survey's thread waits at a batch boundary
    should_stop = JobContext.should_stop

    def noted_should_stop(self):
        if surveyor.paused:
            holding.set()
        return should_stop(self)

    monkeypatch.setattr(JobContext, "should_stop", noted_should_stop)
    window.insight.start_survey()
    bar = window.status.survey
    qtbot.waitUntil(lambda: bar.isVisible() and bar.value() > 0, timeout=WAIT_MS)
    assert "surveying test digits" in bar.format() and window.status.survey_stop.isVisible()

    canvas, keys = window.canvas, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, keys, canvas_point(canvas, 0.5, 0.2))
    assert surveyor.paused and "paused while you draw" in bar.format()
    qtbot.waitUntil(holding.is_set, timeout=WAIT_MS)  # the batch under way has ended and reported
    qtbot.wait(100)
    held = bar.value()
    for fy in (0.3, 0.4, 0.5, 0.6):
        QTest.mouseMove(canvas, canvas_point(canvas, 0.5, fy))
        qtbot.wait(100)
    assert bar.value() == held, "no survey batch runs while the stroke goes on"
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, keys, canvas_point(canvas, 0.5, 0.6))
    assert not surveyor.paused
    qtbot.waitUntil(lambda: bar.value() > held or not bar.isVisible(), timeout=WAIT_MS)

    QTest.mouseClick(window.status.survey_stop, Qt.MouseButton.LeftButton, keys, QPoint(5, 5))
    qtbot.waitUntil(lambda: not bar.isVisible() and not surveyor.running, timeout=WAIT_MS)
    window.close()
