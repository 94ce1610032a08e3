"""The one job runner: newest request wins per key, lanes apart, progress, pause, cancel, clean shutdown."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from capsviz.app import jobs as jobs_module
from capsviz.app.jobs import ANALYSIS, LIVE, SURVEY, Jobs
from tests.app.app_helpers import WAIT_MS


@pytest.fixture
def jobs(qtbot):
    runner = Jobs()
    yield runner
    runner.shutdown(5)


def test_a_job_waiting_under_a_key_is_replaced_by_a_newer_one(qtbot, jobs):
    gate = threading.Event()
    results, errors = [], []

    def blocked(_job) -> str:
        gate.wait(5)
        return "first"

    jobs.submit("k", blocked, results.append, tag="first")
    qtbot.waitUntil(lambda: jobs.waiting("k") is None, timeout=WAIT_MS)  # "first" has started
    jobs.submit("k", lambda _job: "second", results.append, tag="second")
    jobs.submit("k", lambda _job: "third", results.append, tag="third")
    assert jobs.waiting("k") == "third" and jobs.generation("k") == 3
    jobs.submit("other", lambda _job: 1 / 0, results.append, errors.append)
    assert jobs.busy() and jobs.busy("k")
    gate.set()
    assert jobs.drain(10)
    assert results == ["first", "third"], "the replaced job never ran"
    assert [type(e) for e in errors] == [ZeroDivisionError]
    assert not jobs.busy()


def test_the_generation_numbers_the_jobs_of_a_key(qtbot, jobs):
    seen = []
    for _ in range(3):
        jobs.submit("k", lambda job: job.generation, seen.append, inline=True)
    assert seen == [1, 2, 3] and jobs.generation("k") == 3 and jobs.generation("new") == 0


def test_the_live_lane_never_waits_for_a_slow_panel(qtbot, jobs):
    gate = threading.Event()
    answered = []
    jobs.submit("figure4", lambda _job: gate.wait(5), lane=ANALYSIS)
    jobs.submit("infer", lambda _job: "answer", answered.append, lane=LIVE)
    qtbot.waitUntil(lambda: answered == ["answer"], timeout=WAIT_MS)
    assert jobs.busy("figure4"), "the panel's job is still running"
    gate.set()
    assert jobs.drain(10)


def test_jobs_on_one_lane_run_one_at_a_time(qtbot, jobs):
    running, overlaps = [], []

    def work(_job) -> None:
        running.append(1)
        overlaps.append(len(running))
        time.sleep(0.02)
        running.pop()

    for key in ("a", "b", "c"):
        jobs.submit(key, work, lane=ANALYSIS)
    assert jobs.drain(10)
    assert overlaps == [1, 1, 1]


def test_progress_and_partial_results_arrive_on_the_gui_thread(qtbot, jobs):
    gui = threading.get_ident()
    seen = []

    def work(job) -> str:
        for done in (1, 2):
            job.report(done, 2)
        job.partial("half")
        return "all"

    def record(kind):
        return lambda *args: seen.append((kind, args, threading.get_ident() == gui))

    jobs.submit("k", work, record("done"), progress=record("progress"), partial=record("partial"))
    assert jobs.drain(10)
    assert seen == [
        ("progress", (1, 2), True),
        ("progress", (2, 2), True),
        ("partial", ("half",), True),
        ("done", ("all",), True),
    ]


def test_a_paused_key_holds_at_its_next_check_and_a_cancelled_one_delivers_nothing(qtbot, jobs):
    steps, results = [], []

    def work(job) -> str:
        for step in range(1000):
            if job.should_stop():
                return "stopped"
            steps.append(step)
            time.sleep(0.002)
        return "finished"

    jobs.pause("survey", True)
    jobs.submit("survey", work, results.append, lane=SURVEY)
    time.sleep(0.3)
    assert steps == [] and jobs.paused("survey") and jobs.busy("survey")
    jobs.pause("survey", False)
    qtbot.waitUntil(lambda: len(steps) > 5, timeout=WAIT_MS)
    jobs.cancel("survey", wait_s=5)
    assert not jobs.busy("survey")
    count = len(steps)
    qtbot.wait(100)
    assert len(steps) == count < 1000, "the job stopped at its next check"
    assert results == [], "a cancelled job delivers nothing"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_the_panels_and_the_survey_give_way_to_the_live_view(qtbot, jobs):
    def niceness(_job) -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}
    for key, lane in (("survey", SURVEY), ("figure4", ANALYSIS), ("infer", LIVE)):
        jobs.submit(key, niceness, lambda value, key=key: seen.setdefault(key, value), lane=lane)
    assert jobs.drain(10)
    assert seen["survey"] == min(19, before + jobs_module.SURVEY_NICENESS)
    assert seen["figure4"] == min(19, before + jobs_module.ANALYSIS_NICENESS)
    assert seen["infer"] == before == os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_synchronous_jobs_run_inline():
    runner = Jobs(synchronous=True)
    results, errors = [], []
    runner.submit("k", lambda _job: 42, results.append)
    runner.submit("k", lambda _job: int("x"), results.append, errors.append)
    assert results == [42] and isinstance(errors[0], ValueError) and not runner.busy()
    assert jobs_module.one_line(errors[0]).startswith("ValueError: invalid literal")


def test_shutdown_waits_for_the_job_in_flight_and_delivers_nothing_after(qtbot):
    runner = Jobs()
    started = threading.Event()
    results = []

    def slow(_job) -> str:
        started.set()
        time.sleep(0.3)
        return "late"

    runner.submit("infer", slow, results.append, lane=LIVE)
    assert started.wait(5)
    runner.submit("infer", lambda _job: "never", results.append, lane=LIVE)
    begin = time.perf_counter()
    runner.shutdown()
    assert time.perf_counter() - begin < 5
    assert not any(thread.is_alive() for thread in runner.lane_threads())
    qtbot.wait(50)
    assert results == []
    runner.submit("infer", lambda _job: "after", results.append, lane=LIVE)
    qtbot.wait(50)
    assert results == [], "a closed runner takes no more work"


def test_drain_can_leave_a_long_job_running(qtbot, jobs):
    """The app benchmark waits for a tab's first view, not for the test-set survey behind it."""
    gate, results = threading.Event(), []
    jobs.submit("survey", lambda _job: gate.wait(10) and "surveyed", results.append, lane=SURVEY)
    jobs.submit("figure4", lambda _job: "drawn", results.append)
    assert jobs.drain(10, ignoring=("survey",))
    assert results == ["drawn"] and jobs.busy("survey")
    gate.set()
    assert jobs.drain(10) and results == ["drawn", "surveyed"]
