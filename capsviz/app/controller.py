"""Wires the state, the views and the live view's background jobs together.

User intents arrive as view signals (or direct calls from menus), become state
changes or jobs on the live lane (:mod:`capsviz.app.jobs`); state signals are then turned into draw calls on
the views. Nothing here touches a widget, so the logic is tested with stand-in
views.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from capsviz.analysis.counterfactual import decode_as
from capsviz.analysis.live import (
    CANVAS_BINNING,
    InferenceRequest,
    InferenceResult,
    Sample,
    answer,
    bin_strokes,
    digit_on_canvas,
    inference_failure,
    load_failure,
    load_live_model,
    warm_up,
)
from capsviz.app.jobs import LIVE, Jobs
from capsviz.app.latency import LatencyLog
from capsviz.app.playback import RoutingPlayback
from capsviz.app.protocols import Views
from capsviz.app.rendering import Renderer
from capsviz.app.samples import SampleDigits, SampleLoader
from capsviz.app.state import AppState, ModelInfo, SettledInput
from capsviz.app.throttle import Throttle
from capsviz.data.mnist import load_shipped_test_set
from capsviz.data.strokes import Stroke
from capsviz.model.capsnet import DIGIT_DIM, CapsNet

INFER = "infer"  # the job key of the live view's answers


PICTURE_ORIGINS = ("file", "paste", "drop")  # a photo of paper with no digit, from these, is said to be one
NO_DIGIT = "No digit found in this picture (only paper, lines or specks), so there is nothing to predict"
SOURCES = {"paste": "pasted picture", "drop": "dropped picture", "insight": "from an analysis panel"}
# The analysis panels take a new input once inputs pause this long (while the pen is down, only then), or
# during other long bursts (a slider dragged) at least this often: redrawing a panel costs 20–40 ms of GUI
# time, which the live view needs while the hand moves.
SETTLE_QUIET_MS = 120
SETTLE_MAX_WAIT_MS = 500


class Controller(QObject):
    """Connects ``state`` ↔ ``views`` ↔ the live jobs for one window.

    ``modelReplaced(CapsNet)`` tells plug-ins that another network is now explored.

    Parameters
    ----------
    state : AppState
        The observable model the views show.
    views : Views
        The views to drive (widgets in the app, stand-ins in tests).
    model : CapsNet or None
        The network; None when no weights could be loaded.
    device : str
        Where weights loaded from the File menu go.
    weights : str, optional
        The file ``model`` came from, for the status bar (None: the shipped weights).
    samples : callable, optional
        Returns ``(images, labels)`` of the MNIST test digits to browse.
    latency_log : LatencyLog, optional
        Where to record action → plot latencies (default: ``$CAPSVIZ_LATENCY_LOG``).
    jobs : Jobs, optional
        The app's background jobs, shared with the analysis panels (default: its own).
    """

    modelReplaced = Signal(object)

    def __init__(
        self,
        state: AppState,
        views: Views,
        model: CapsNet | None,
        *,
        device: str = "cpu",
        weights: str | None = None,
        samples: SampleLoader = load_shipped_test_set,
        latency_log: LatencyLog | None = None,
        jobs: Jobs | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.views = views
        self.model = model
        self.device = device
        self.weights_path = weights  # the file ``model`` came from; None: the shipped weights
        self.jobs = jobs if jobs is not None else Jobs(parent=self)
        self.sample_digits = SampleDigits(samples, views.status.show_error)
        self.latency_log = latency_log if latency_log is not None else LatencyLog.from_environment()
        self._shown_generation = 0
        self._last_result: InferenceResult | None = None
        self.playback = RoutingPlayback(state, self)
        self.settling = Throttle(self._settle, SETTLE_QUIET_MS, SETTLE_MAX_WAIT_MS, self)
        self._connect()  # before the renderer's, so what is derived from a change is in the state it draws
        self.renderer = Renderer(state, views, self.playback, self)
        if model is not None:
            self.jobs.submit("warm-up", lambda _job: warm_up(model), lane=LIVE)
            state.set_iterations(model.iterations)
            state.set_model(ModelInfo.of(model, weights))
        else:
            state.set_model(None)
        self.renderer.draw_all()

    # wiring ------------------------------------------------------------
    def _connect(self) -> None:
        state, views = self.state, self.views
        state.outputsChanged.connect(self.playback.new_outputs)
        for change in (state.outputsChanged, state.selectedCapsuleChanged, state.poseOffsetsChanged):
            change.connect(self._update_reconstructions)

        views.canvas.imageChanged.connect(self.submit_drawing)
        views.canvas.strokeActiveChanged.connect(self.settling.wait_for_pause)
        views.lengths.capsuleClicked.connect(self.select_capsule)
        views.routing.playToggled.connect(self.playback.toggle)
        views.routing.stepRequested.connect(self.playback.step)
        views.routing.seekRequested.connect(self.playback.seek)
        views.routing.speedChanged.connect(self.playback.set_speed)
        views.routing.loopToggled.connect(self.playback.set_loop)
        views.routing.iterationsRequested.connect(self.set_iterations)
        views.poses.offsetChanged.connect(self.set_pose_offset)
        views.poses.offsetReset.connect(self.reset_pose_offset)
        views.poses.resetAll.connect(self.reset_pose)
        views.poses.capsuleSelected.connect(lambda digit: self.select_capsule(None if digit < 0 else digit))

    # input -------------------------------------------------------------
    def submit_drawing(self, pixels: np.ndarray, event_time: float | None = None) -> int:
        """Classify the canvas drawing (newest wins); returns the request's generation."""
        strokes = bin_strokes(self.views.canvas.strokes())
        return self._submit(pixels, "canvas", event_time=event_time, strokes=strokes, binning=CANVAS_BINNING)

    def open_image(self, path: str | Path, origin: str = "file") -> int:
        """Read, show and classify an image file; a bad file is reported and nothing changes."""
        return self._submit(str(path), origin, preview=True, source=Path(path).name)

    def show_array(self, array: np.ndarray, origin: str = "paste", source: str = "") -> int:
        """Show and classify an image given as pixels (pasted, dropped, or asked for by a panel)."""
        source = source or SOURCES.get(origin, origin)
        return self._submit(np.asarray(array), origin, preview=True, source=source)

    def show_sample(self, index: int) -> int:
        """Show MNIST test digit ``index`` (wraps around) from the shipped set; 0 if it cannot be read."""
        picked = self.sample_digits.pick(index)
        if picked is None:
            return 0
        image, sample = picked
        source = f"MNIST test #{sample.index} (a {sample.label})"
        return self._submit(image, "sample", preview=True, sample=sample, source=source)

    def place_under_drawing(self, index: int | None, shift: tuple[int, int] = (0, 0)) -> None:
        """Put MNIST test digit ``index`` under the drawing, moved by ``shift`` (dx, dy) MNIST pixels, so a
        person draws a second digit over it; None takes it away."""
        if index is None:
            self.views.canvas.show_underlay(None)
            return
        picked = self.sample_digits.pick(index)
        if picked is not None:
            self.views.canvas.show_underlay(digit_on_canvas(picked[0], shift))

    def next_sample(self, step: int = 1) -> int:
        current = self.state.sample.index if self.state.sample is not None else -1 if step > 0 else 0
        return self.show_sample(current + step)

    def previous_sample(self) -> int:
        return self.next_sample(-1)

    def random_sample(self) -> int:
        index = self.sample_digits.random_index()
        return 0 if index is None else self.show_sample(index)

    def samples(self) -> tuple[np.ndarray, np.ndarray]:
        """The browsable MNIST test digits, read on first use."""
        return self.sample_digits.all()

    def _submit(
        self,
        picture: np.ndarray | str,
        origin: str,
        *,
        preview: bool = False,
        sample: Sample | None = None,
        event_time: float | None = None,
        strokes: tuple[Stroke, ...] | None = None,
        source: str = "drawing",
        binning: int = 1,
    ) -> int:
        """Ask the live lane for an answer; MNIST test digits are MNIST already, so their width is kept.

        A request that replaces one still waiting keeps the older one's event time,
        so the latency log measures from the first unanswered move.
        """
        request = InferenceRequest(
            picture=picture,
            iterations=self.state.iterations,
            origin=origin,
            source=source,
            sample=sample,
            preview=preview,
            strokes=strokes,
            normalise_width=sample is None and self.state.normalise_width,
            binning=binning,
            event_time=time.perf_counter() if event_time is None else event_time,
        )
        waiting = self.jobs.waiting(INFER)
        if isinstance(waiting, InferenceRequest):
            oldest = min(waiting.oldest_event_time, request.oldest_event_time)
            request = replace(request, first_event_time=oldest)
        model = self.model
        return self.jobs.submit(
            INFER,
            lambda job: answer(model, request, job.generation),
            self._apply_result,
            lambda exc: self.views.status.show_error(inference_failure(exc)),
            lane=LIVE,
            tag=request,
        )

    @property
    def shown_generation(self) -> int:
        """Generation of the request whose answer is on screen."""
        return self._shown_generation

    @property
    def shown_result(self) -> InferenceResult | None:
        """The finished request whose answer is on screen (its input, how it came, its preprocessing)."""
        return self._last_result

    @property
    def answered(self) -> bool:
        """True once the answer to the newest request is on screen."""
        return self._shown_generation == self.jobs.generation(INFER)

    def rerun(self) -> int | None:
        """Run the current input again (new iterations count or new model)."""
        if self._last_result is None:
            return None
        last = self._last_result.request
        return self._submit(
            self._last_result.array,
            "rerun",
            sample=last.sample,
            strokes=last.strokes,
            source=last.source,
        )

    def _apply_result(self, result: InferenceResult) -> None:
        if result.generation <= self._shown_generation:
            return
        start = time.perf_counter()
        self._shown_generation = result.generation
        self._last_result = result
        if result.preview is not None and result.generation == self.jobs.generation(INFER):
            self.views.canvas.show_array(result.preview)
        if result.request.origin != "rerun":
            self.state.set_sample(result.request.sample)
        self.state.set_input(result.stages)
        self.state.set_outputs(result.outputs)
        self.state.set_latency_ms(result.seconds * 1000.0)
        self.settling.poke()
        if result.stages.empty and result.stages.photo and result.request.origin in PICTURE_ORIGINS:
            self.views.status.show_error(NO_DIGIT)
        done = time.perf_counter()
        self.latency_log.record(
            result.request.origin,
            (done - result.request.event_time) * 1000.0,
            (done - result.request.oldest_event_time) * 1000.0,
            result.seconds * 1000.0,
            (done - start) * 1000.0,
        )

    def _settle(self) -> None:
        """Hand the input on show to the analysis panels (once drawing pauses)."""
        result, outputs = self._last_result, self.state.outputs
        if result is None or outputs is None or self.state.input_image is None:
            self.state.set_settled(None)
            return
        self.state.set_settled(
            SettledInput(
                self.state.input_image, outputs.trace, outputs.iterations, result.request.source, result.array
            )
        )

    def settle_now(self) -> None:
        """Hand a waiting input to the analysis panels now (before an export or a screenshot)."""
        self.settling.flush()

    # capsule steering --------------------------------------------------
    def select_capsule(self, digit: int | None) -> None:
        """Steer digit capsule ``digit`` with the sliders; None follows the winner."""
        self.state.set_selected_capsule(digit)

    def set_pose_offset(self, dimension: int, value: float) -> None:
        offsets = self.state.pose_offsets
        offsets[dimension] = value
        self.state.set_pose_offsets(offsets)

    def set_pose_offsets(self, offsets: np.ndarray) -> None:
        """Move all sixteen sliders at once (a reopened session), each clipped to its range."""
        self.state.set_pose_offsets(np.asarray(offsets, np.float32))

    def reset_pose_offset(self, dimension: int) -> None:
        self.set_pose_offset(dimension, 0.0)

    def reset_pose(self) -> None:
        self.state.set_pose_offsets(np.zeros(DIGIT_DIM, np.float32))

    def _update_reconstructions(self) -> None:
        outputs, digit = self.state.outputs, self.state.steered_capsule
        if outputs is None or digit is None or self.model is None:
            self.state.set_reconstructions(None)
            return
        pose, offsets = outputs.poses[digit], self.state.pose_offsets
        # The live job already decoded the winner; the GUI thread decodes only what the sliders changed.
        try:
            if digit == outputs.prediction:
                original = outputs.reconstruction
            else:
                original = decode_as(self.model, pose, digit)
            perturbed = decode_as(self.model, pose + offsets, digit) if offsets.any() else original
        except RuntimeError as exc:  # e.g. out of GPU memory: say so, keep the window
            self.views.status.show_error(f"decoder failed: {exc}".splitlines()[0])
            self.state.set_reconstructions(None)
            return
        self.state.set_reconstructions((original, perturbed))

    # routing playback --------------------------------------------------
    def set_iterations(self, count: int) -> None:
        """Route with ``count`` iterations (1–10) from now on, re-running the current input."""
        before = self.state.iterations
        self.state.set_iterations(count)
        if self.state.iterations != before:
            self.playback.follow_last = True
            self.rerun()

    def set_normalise_width(self, on: bool) -> None:
        """Feed the network MNIST's stroke width (``True``) or the strokes as drawn, re-running the input."""
        before = self.state.normalise_width
        self.state.set_normalise_width(on)
        if self.state.normalise_width != before:
            self.rerun()

    def toggle_playing(self) -> None:
        """Play or pause the routing animation."""
        self.playback.toggle()

    def step_routing(self, delta: int) -> None:
        """Show the iteration ``delta`` steps away (pauses playback)."""
        self.playback.step(delta)

    def seek_routing(self, iteration: int) -> None:
        """Show routing iteration ``iteration`` (0-based)."""
        self.playback.seek(iteration)

    # model -------------------------------------------------------------
    def load_weights(self, path: str | Path) -> None:
        """Load another weights file in the background; a refused file keeps the current model."""
        self.views.status.show_busy(f"Loading weights from {Path(path).name}…")
        path, device = str(path), self.device
        self.jobs.submit(
            "load",
            lambda _job: load_live_model(path, device),
            lambda model: self._model_loaded(model, path),
            lambda exc: self._model_load_failed(load_failure(path, exc)),
            lane=LIVE,
        )

    def set_model(self, model: CapsNet, source: str | None = None) -> None:
        self.model = model
        self.weights_path = source
        self.state.set_model(ModelInfo.of(model, source))
        self.state.set_dimension_survey(None, None)  # the old model's; the new one's is yet to come
        self.modelReplaced.emit(model)
        if self.rerun() is None:  # nothing to re-run: the prediction view still says "no model loaded"
            self.renderer.draw_outputs()

    def _model_loaded(self, model: CapsNet, path: str) -> None:
        self.views.status.show_busy(None)
        self.set_model(model, path)
        self.views.status.show_message(f"Loaded weights from {Path(path).name}")

    def _model_load_failed(self, message: str) -> None:
        self.views.status.show_busy(None)
        kept = "keeping the current model" if self.model is not None else "still no model loaded"
        self.views.status.show_error(f"{message} ({kept})", dialog=True)

    # lifecycle ---------------------------------------------------------
    def shutdown(self) -> None:
        """Stop playback and the background jobs (waiting for those in flight) and close the log."""
        self.playback.stop()
        self.renderer.stop()
        self.settling.stop()
        self.jobs.shutdown()
        self.latency_log.close()
