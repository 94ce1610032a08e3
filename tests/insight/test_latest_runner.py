"""Background jobs run one at a time per key and a newer request replaces a waiting one."""

from __future__ import annotations

import threading

from capsviz.app.insight.runner import LatestRunner


def test_waiting_jobs_are_replaced_by_newer_ones(qtbot):
    runner = LatestRunner()
    gate = threading.Event()
    results, errors = [], []

    def blocked() -> str:
        gate.wait(5)
        return "first"

    runner.submit("k", blocked, results.append)
    runner.submit("k", lambda: "second", results.append)
    runner.submit("k", lambda: "third", results.append)
    runner.submit("other", lambda: 1 / 0, results.append, errors.append)
    assert runner.busy()
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy(), timeout=5000)
    assert results == ["first", "third"]
    assert errors == ["ZeroDivisionError: division by zero"]


def test_synchronous_mode_runs_inline():
    runner = LatestRunner(synchronous=True)
    results, errors = [], []
    runner.submit("k", lambda: 42, results.append)
    runner.submit("k", lambda: int("x"), results.append, errors.append)
    assert results == [42] and errors[0].startswith("ValueError")
