"""The test-set survey gives way to drawing: its own low-priority thread, held while a stroke goes on."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from capsviz.app.insight import survey_task
from capsviz.app.insight.survey_task import SurveyTask
from tests.app.app_helpers import WAIT_MS, canvas_point


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_the_survey_thread_alone_runs_at_a_lower_priority():
    seen = {}

    def probe() -> None:
        survey_task.lower_this_threads_priority()
        seen["thread"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = threading.Thread(target=probe)
    worker.start()
    worker.join()
    assert seen["thread"] >= survey_task.NICENESS
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before, "the caller is untouched"


def test_a_paused_survey_holds_between_batches_and_goes_on_when_released(
    qtbot, pretrained, mnist_test, tmp_path
):
    images, labels = mnist_test[0][:96], mnist_test[1][:96]
    task = SurveyTask(pretrained, (images, labels), folder=tmp_path)
    task.batch_size = 16
    done = []
    task.progress.connect(lambda count, _total: done.append(count))
    task.pause(True)
    task.start()
    time.sleep(0.6)
    qtbot.wait(50)
    assert max(done, default=0) <= task.batch_size, "at most the batch under way when paused"
    assert task.running and task.paused
    task.pause(False)
    qtbot.waitUntil(lambda: not task.running, timeout=WAIT_MS)
    assert done[-1] == 96


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
    window.insight.start_survey()
    bar = window.status.survey
    qtbot.waitUntil(lambda: bar.isVisible() and bar.value() > 0, timeout=WAIT_MS)
    assert "surveying test digits" in bar.format() and window.status.survey_stop.isVisible()

    canvas, keys = window.canvas, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, keys, canvas_point(canvas, 0.5, 0.2))
    assert surveyor.task.paused and "paused while you draw" in bar.format()
    qtbot.wait(300)
    held = bar.value()
    for fy in (0.3, 0.4, 0.5, 0.6):
        QTest.mouseMove(canvas, canvas_point(canvas, 0.5, fy))
        qtbot.wait(100)
    assert bar.value() == held, "no survey batch runs while the stroke goes on"
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, keys, canvas_point(canvas, 0.5, 0.6))
    assert not surveyor.task.paused
    qtbot.waitUntil(lambda: bar.value() > held or not bar.isVisible(), timeout=WAIT_MS)

    QTest.mouseClick(window.status.survey_stop, Qt.MouseButton.LeftButton, keys, QPoint(5, 5))
    qtbot.waitUntil(lambda: not bar.isVisible() and not surveyor.task.running, timeout=WAIT_MS)
    window.close()
