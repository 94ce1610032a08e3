"""The history of kept inputs and the JSON state file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from capsviz.analysis.export import StateFileError, load_state, save_state, snapshot, to_json
from capsviz.analysis.history import History


def test_history_keeps_the_newest_and_moves_repeats_to_the_front():
    history = History(capacity=3)
    images = [np.full((28, 28), k / 10, np.float32) for k in range(5)]
    lengths = np.eye(10, dtype=np.float32)
    for k in range(4):
        history.add(images[k], lengths[k] * 0.9)
    assert [e.prediction for e in history.entries] == [3, 2, 1]
    again = history.add(images[2].copy(), lengths[2])
    assert len(history) == 3 and history[0] is again and [e.prediction for e in history.entries] == [2, 3, 1]
    assert history[0].caption() == "2  0.90"
    images[3][0, 0] = 1.0
    assert history[1].image[0, 0] == pytest.approx(0.3), "entries hold a private copy"
    with pytest.raises(ValueError):
        History(capacity=0)


def test_state_json_round_trips(routed, digit, tmp_path):
    trace, output = routed
    state = snapshot(digit[0], trace, source="test digit #0")
    path = save_state(tmp_path / "state.json", state)
    back = load_state(path)
    np.testing.assert_allclose(back.image, digit[0], atol=1e-6)
    np.testing.assert_allclose(back.lengths, output.lengths[0].numpy(), atol=1e-6)
    np.testing.assert_allclose(back.poses, output.poses[0].numpy(), atol=1e-6)
    np.testing.assert_allclose(back.coupling, trace.coupling[0].numpy(), atol=1e-6)
    assert back.coupling.shape == (trace.iterations, 1152, 10)
    assert back.metadata == {"source": "test digit #0"} and back.prediction == digit[1]
    assert to_json(back) == to_json(state)
    document = json.loads(path.read_text())
    assert document["format"] == "capsviz-state" and document["prediction"] == digit[1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not a JSON file"),
        ('{"format": "other"}', "not a capsviz state"),
        ('{"format": "capsviz-state", "version": 1}', "damaged"),
    ],
)
def test_bad_state_files_are_refused(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(StateFileError, match=message):
        load_state(path)
    with pytest.raises(StateFileError, match="cannot read"):
        load_state(tmp_path / "missing.json")
