"""The controller's logic with stand-in views: no widget is created."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import capsviz.app.controller as controller_module
from capsviz.analysis.live import InferenceRequest, Sample, answer
from capsviz.app.controller import INFER, Controller
from capsviz.app.latency import COLUMNS, LatencyLog
from capsviz.app.protocols import Views
from capsviz.app.state import AppState
from tests.app.app_helpers import WAIT_MS


class FakeSignal:
    """Just enough of a Qt signal: connect and emit."""

    def __init__(self) -> None:
        self.slots = []

    def connect(self, slot) -> None:
        self.slots.append(slot)

    def emit(self, *args) -> None:
        for slot in self.slots:
            slot(*args)


class FakeView:
    """Records every draw call; has the signals a view of its kind emits."""

    def __init__(self, *signals: str) -> None:
        self.calls: list[tuple[str, tuple]] = []
        for name in signals:
            setattr(self, name, FakeSignal())

    def __getattr__(self, name: str):
        if name.startswith("show_"):
            return lambda *args, **kwargs: self.calls.append((name, (*args, *kwargs.values())))
        if name == "strokes":  # a canvas whose drawing is a picture, not strokes
            return lambda: None
        raise AttributeError(name)

    def last(self, name: str) -> tuple:
        return next(args for called, args in reversed(self.calls) if called == name)


def fake_views() -> Views:
    return Views(
        canvas=FakeView("imageChanged", "strokeActiveChanged"),
        network_input=FakeView(),
        prediction=FakeView(),
        lengths=FakeView("capsuleClicked"),
        routing=FakeView(
            "playToggled",
            "stepRequested",
            "seekRequested",
            "speedChanged",
            "loopToggled",
            "iterationsRequested",
        ),
        reconstruction=FakeView(),
        poses=FakeView("offsetChanged", "offsetReset", "resetAll", "capsuleSelected"),
        status=FakeView(),
    )


@pytest.fixture
def samples(mnist_test):
    images, labels = mnist_test
    return lambda: (images[:50], labels[:50])


@pytest.fixture
def setup(qtbot, pretrained, samples, tmp_path):
    state, views = AppState(), fake_views()
    log = LatencyLog(tmp_path / "latency.tsv")
    controller = Controller(state, views, pretrained, samples=samples, latency_log=log)
    yield state, views, controller
    controller.shutdown()


def result_for(model, image, generation, iterations=3, origin="sample", sample=None, preview=False):
    request = InferenceRequest(image, iterations, origin=origin, sample=sample, preview=preview)
    return answer(model, request, generation)


def test_results_update_every_view_and_stale_ones_are_ignored(setup, pretrained, mnist_test):
    state, views, controller = setup
    images, _ = mnist_test
    for _ in range(10):  # ten requests asked for, so far
        controller.jobs.submit(INFER, lambda _job: None, inline=True)
    controller._apply_result(result_for(pretrained, images[0], 9, sample=Sample(0, 7)))
    assert state.prediction == 7 and state.sample == Sample(0, 7)
    lengths = views.prediction.last("show_prediction")[0]
    assert int(np.argmax(lengths)) == 7
    assert views.lengths.last("show_lengths")[1] == 7, "the winner is steered by default"
    outputs, iteration, blend = views.routing.last("show_routing")
    assert iteration == outputs.iterations - 1 == 2 and blend == 0, "routing opens at its last iteration"
    assert views.poses.last("show_capsule") == (7, 7, True)
    original, perturbed = views.reconstruction.last("show_reconstructions")[0]
    expected = pretrained.decode(torch.from_numpy(outputs.poses[7])[None], 7)[0, 0].detach().numpy()
    np.testing.assert_allclose(original, expected, atol=1e-5)
    np.testing.assert_array_equal(original, perturbed)
    stale = result_for(pretrained, images[1], 5)
    controller._apply_result(stale)
    assert state.prediction == 7, "an older answer never replaces a newer one"


def test_preview_only_for_the_newest_request(setup, pretrained, mnist_test):
    _, views, controller = setup
    images, _ = mnist_test
    for _ in range(3):
        controller.jobs.submit(INFER, lambda _job: None, inline=True)
    controller._apply_result(result_for(pretrained, images[0], 2, preview=True))
    assert not [c for c in views.canvas.calls if c[0] == "show_array"], (
        "the person drew since: keep the drawing"
    )
    controller._apply_result(result_for(pretrained, images[0], 3, preview=True))
    pixels = views.canvas.last("show_array")[0]
    assert pixels.shape == (448, 448) and pixels.dtype == np.uint8 and pixels.max() >= 250


def test_blank_input_clears_the_outputs(setup, pretrained):
    state, views, controller = setup
    controller._apply_result(result_for(pretrained, np.zeros((448, 448), np.uint8), 1, origin="canvas"))
    assert state.outputs is None
    assert views.prediction.last("show_prediction") == (None, "draw a digit", [])
    assert views.lengths.last("show_lengths") == (None, None)
    assert views.reconstruction.last("show_reconstructions") == (None, None)


def test_pose_offsets_and_capsule_choice_drive_the_decoder(setup, pretrained, mnist_test):
    state, views, controller = setup
    controller._apply_result(result_for(pretrained, mnist_test[0][0], 1))
    views.poses.offsetChanged.emit(5, 0.25)
    assert state.pose_offsets[5] == pytest.approx(0.25)
    assert views.poses.last("show_offsets")[0][5] == pytest.approx(0.25)
    original, perturbed = state.reconstructions
    assert np.abs(original - perturbed).max() > 0.02
    views.poses.offsetChanged.emit(5, 0.9)
    assert state.pose_offsets[5] == pytest.approx(0.25), "offsets stay within ±0.25"
    views.poses.offsetReset.emit(5)
    assert not state.pose_offsets.any()
    views.lengths.capsuleClicked.emit(2)
    assert state.steered_capsule == 2 and views.poses.last("show_capsule") == (2, 7, False)
    assert views.reconstruction.last("show_reconstructions")[1] == 2
    views.poses.offsetChanged.emit(0, -0.1)
    views.poses.resetAll.emit()
    assert not state.pose_offsets.any()
    views.poses.capsuleSelected.emit(-1)
    assert state.selected_capsule is None and state.steered_capsule == 7


def test_routing_playback_steps_seeks_and_loops(setup, pretrained, mnist_test, qtbot):
    state, views, controller = setup
    controller._apply_result(result_for(pretrained, mnist_test[0][0], 1, iterations=4))
    assert state.routing_iteration == 3
    views.routing.stepRequested.emit(-1)
    assert views.routing.last("show_routing")[1] == 2
    views.routing.seekRequested.emit(0)
    assert state.routing_iteration == 0
    views.routing.seekRequested.emit(-5)
    assert state.routing_iteration == 0, "seeking is clamped to the trace"
    controller._apply_result(result_for(pretrained, mnist_test[0][1], 2, iterations=4))
    assert state.routing_iteration == 0, "a new drawing keeps the iteration the person chose"
    views.routing.speedChanged.emit(4.0)
    views.routing.playToggled.emit()
    assert state.playing and views.routing.last("show_playing") == (True,)
    qtbot.waitUntil(lambda: not state.playing, timeout=WAIT_MS)
    assert state.routing_iteration == 3
    blends = [args[2] for name, args in views.routing.calls if name == "show_routing"]
    assert any(0 < b < 1 for b in blends), "playing morphs from one iteration into the next"
    assert views.routing.last("show_routing")[2] == 0, "paused on a whole iteration"
    views.routing.loopToggled.emit(True)
    views.routing.playToggled.emit()
    assert state.routing_iteration == 0, "playing from the end starts over"
    qtbot.waitUntil(lambda: state.routing_iteration == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: state.routing_iteration == 0, timeout=WAIT_MS)
    assert state.playing, "looping keeps going"
    views.routing.playToggled.emit()
    assert not state.playing


def test_iterations_rerun_the_current_input(setup, pretrained, mnist_test, qtbot):
    state, views, controller = setup
    submitted = []
    controller.jobs.submit = lambda key, work, *args, tag=None, **kw: submitted.append(tag) or len(submitted)
    controller._apply_result(result_for(pretrained, mnist_test[0][0], 1, sample=Sample(0, 7)))
    views.routing.iterationsRequested.emit(7)
    assert state.iterations == 7
    assert submitted[-1].iterations == 7 and submitted[-1].origin == "rerun"
    assert submitted[-1].sample == Sample(0, 7)
    views.routing.iterationsRequested.emit(99)
    assert state.iterations == 10


def test_sample_browsing_wraps_around(setup):
    _, _, controller = setup
    submitted = []
    controller.jobs.submit = lambda key, work, *args, tag=None, **kw: submitted.append(tag) or len(submitted)
    controller.next_sample()
    assert submitted[-1].sample.index == 0 and submitted[-1].preview
    controller.previous_sample()
    assert submitted[-1].sample.index == 49
    controller.show_sample(53)
    assert submitted[-1].sample.index == 3
    controller.random_sample()
    assert 0 <= submitted[-1].sample.index < 50


def test_failures_in_the_background_reach_the_status_bar_in_one_line(setup, qtbot, tmp_path, monkeypatch):
    _, views, controller = setup
    controller.open_image(tmp_path / "nothing.png")
    qtbot.waitUntil(lambda: any(c[0] == "show_error" for c in views.status.calls), timeout=WAIT_MS)
    assert "no such file" in views.status.last("show_error")[0]

    def broken(model, request, generation=0):
        raise RuntimeError("out of memory\nsecond line")

    monkeypatch.setattr(controller_module, "answer", broken)
    controller.show_sample(0)
    failed = ("inference failed: out of memory",)
    qtbot.waitUntil(lambda: views.status.last("show_error") == failed, timeout=WAIT_MS)
    bad = tmp_path / "x.safetensors"
    bad.write_text("nope")
    controller.load_weights(bad)
    qtbot.waitUntil(lambda: len(views.status.last("show_error")) == 2, timeout=WAIT_MS)
    message, dialog = views.status.last("show_error")
    assert dialog is True and "x.safetensors" in message and "keeping the current model" in message


def test_the_newest_drawing_wins_and_keeps_the_oldest_event_time(setup, qtbot, monkeypatch):
    state, _, controller = setup
    ran = []

    def slow(model, request, generation=0):
        ran.append(generation)
        time.sleep(0.04)
        return answer(model, request, generation)

    monkeypatch.setattr(controller_module, "answer", slow)
    first_event = time.perf_counter()
    pixels = np.zeros((448, 448), np.uint8)
    for k in range(30):
        pixels[100:340, 200 + k : 212 + k] = 255
        controller.submit_drawing(pixels.copy(), event_time=time.perf_counter())
    qtbot.waitUntil(lambda: controller.shown_generation == 30, timeout=WAIT_MS)
    assert len(ran) < 5 and ran[-1] == 30, "intermediate drawings were dropped, not queued"
    oldest = controller._last_result.request.oldest_event_time
    assert oldest <= first_event + 0.05, "merged requests keep the oldest time"
    assert state.prediction is not None


def test_weights_are_loaded_in_the_background(setup, qtbot, tmp_path, pretrained):
    from capsviz.model.weights import save_weights

    _, views, controller = setup
    good = save_weights(pretrained, tmp_path / "good.safetensors")
    replaced = []
    controller.modelReplaced.connect(replaced.append)
    controller.load_weights(good)
    assert views.status.last("show_busy")[0].startswith("Loading weights from good.safetensors")
    qtbot.waitUntil(lambda: bool(replaced), timeout=WAIT_MS)
    assert replaced[0] is controller.model and controller.model is not pretrained
    assert controller.model.W.shape == pretrained.W.shape
    assert views.status.last("show_message") == ("Loaded weights from good.safetensors",)


def test_status_and_latency_log(setup, pretrained, mnist_test, tmp_path):
    _, views, controller = setup
    info = views.status.last("show_model")[0]
    assert info.name.startswith("CapsNet") and info.device == "CPU" and info.iterations == 3
    controller._apply_result(result_for(pretrained, mnist_test[0][0], 1))
    assert views.status.last("show_latency")[0] > 0
    controller.shutdown()
    rows = (tmp_path / "latency.tsv").read_text().splitlines()
    assert rows[0].split("\t") == list(COLUMNS)
    origin, event_ms, oldest_ms, network_ms, gui_ms = rows[1].split("\t")
    assert origin == "sample" and float(oldest_ms) >= float(event_ms) >= float(network_ms) > 0
    assert float(gui_ms) >= 0


def test_without_a_model_the_input_is_still_shown(qtbot, samples):
    state, views = AppState(), fake_views()
    controller = Controller(state, views, None, samples=samples, latency_log=LatencyLog(None))
    image = np.zeros((28, 28), np.uint8)
    image[5:20, 13:15] = 255
    controller._apply_result(answer(None, InferenceRequest(image, 3), 1))
    controller.shutdown()
    assert views.status.last("show_model") == (None,)
    assert views.network_input.last("show_input")[0].max() > 0
    assert views.prediction.last("show_prediction") == (None, "no model loaded", [])


@pytest.mark.parametrize(
    "loader",
    [
        lambda: (_ for _ in ()).throw(FileNotFoundError("mnist_test.npz")),
        lambda: (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)),
    ],
    ids=["missing", "empty"],
)
def test_unreadable_test_digits_are_reported_not_raised(qtbot, loader):
    state, views = AppState(), fake_views()
    controller = Controller(state, views, None, samples=loader, latency_log=LatencyLog(None))
    assert controller.show_sample(3) == 0
    assert controller.random_sample() == 0
    controller.shutdown()
    message = views.status.last("show_error")[0]
    assert message.startswith("the MNIST test digits cannot be read") and "\n" not in message
    assert state.sample is None


def test_the_panels_get_a_drawing_once_the_pen_rests_never_mid_stroke(setup, pretrained, mnist_test, qtbot):
    """Redrawing a panel holds the GUI thread for tens of ms: not while the ink follows the hand."""
    state, views, controller = setup
    images, _ = mnist_test
    views.canvas.strokeActiveChanged.emit(True)
    for generation in range(1, 41):  # 40 answers 16 ms apart: longer than the longest wait of other bursts
        controller.jobs.submit(INFER, lambda _job: None, inline=True)
        controller._apply_result(result_for(pretrained, images[generation % 3], generation, origin="canvas"))
        qtbot.wait(16)
    assert state.settled is None, "nothing handed to the panels while the pen moved"
    views.canvas.strokeActiveChanged.emit(False)
    qtbot.waitUntil(lambda: state.settled is not None, timeout=2000)
    assert state.settled.image is state.input_image, "the panels get the last drawing"


def test_weights_for_another_input_size_are_refused_and_the_model_kept(setup, qtbot, tmp_path, pretrained):
    from capsviz.model.capsnet import CapsNet
    from capsviz.model.weights import save_weights

    _, views, controller = setup
    kept = controller.model
    for size, kind in ((36, "a MultiMNIST model"), (40, "a translated-MNIST model")):
        path = save_weights(CapsNet(input_size=size), tmp_path / f"m{size}.safetensors")
        controller.load_weights(path)
        qtbot.waitUntil(
            lambda p=path: any(c[0] == "show_error" and p.name in c[1][0] for c in views.status.calls),
            timeout=WAIT_MS,
        )
        message = views.status.last("show_error")[0]
        assert kind in message and "needs an MNIST model (one digit, 28×28)" in message
        assert "\n" not in message
        assert controller.model is kept
