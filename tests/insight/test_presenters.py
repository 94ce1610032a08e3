"""The analysis presenters against stand-in panels: what each computes, once per input, and draws."""

from __future__ import annotations

from unittest.mock import MagicMock

import numpy as np

from capsviz.analysis.invariance import Transform
from capsviz.analysis.two_digits import read_two
from capsviz.app.insight.counterfactual_panel import CounterfactualPanel
from capsviz.app.insight.explained import Explained
from capsviz.app.insight.invariance_panel import InvariancePanel, InvariancePresenter
from capsviz.app.insight.pose_presenter import PosePresenter
from capsviz.app.insight.two_digits_panel import TwoDigitsPanel, TwoDigitsReader
from capsviz.app.insight.what_panel import WhatPanel


class Inputs:
    """The explained input and the panels' work services, run here and now, counting the work done."""

    def __init__(self, model, image, picture=None, digit=7, pose=None, lengths=None):
        self.model, self.image, self.picture, self.digit = model, image, picture, digit
        self.pose = np.zeros(16, np.float32) if pose is None else pose
        self.lengths = lengths
        self.serial, self.done, self.ran = 1, {}, []

    def explained(self) -> Explained:
        return Explained(
            model=lambda: self.model,
            image=lambda: self.image,
            picture=lambda: self.picture,
            digit=lambda: self.digit,
            pose=lambda: self.pose,
            lengths=lambda: self.lengths,
            serial=lambda: self.serial,
            fresh=self.fresh,
            submit=self.submit,
        )

    def fresh(self, key, signature) -> bool:
        if self.done.get(key) == signature:
            return False
        self.done[key] = signature
        return True

    def submit(self, key, work, done) -> None:
        self.ran.append(key)
        done(work())


def test_invariance_measures_once_per_input_and_transform_and_sweeps_the_control_in_hand(
    qtbot, pretrained, digit_image
):
    panel = MagicMock(spec=InvariancePanel)
    panel.transform.return_value = Transform(rotation=15.0)
    panel.parameter = "rotation"
    inputs = Inputs(pretrained, digit_image)
    presenter = InvariancePresenter(panel, inputs.explained())
    presenter.refresh()
    assert inputs.ran == ["invariance", "sweep"]
    report = panel.show_report.call_args.args[0]
    sweep = panel.show_sweep.call_args.args[0]
    assert report is not None and sweep is not None
    presenter.refresh()
    assert inputs.ran == ["invariance", "sweep"], "nothing new: nothing computed again"
    panel.transform.return_value = Transform(rotation=30.0)
    presenter.refresh()
    assert inputs.ran == ["invariance", "sweep", "invariance"], "the same control: its sweep holds"
    inputs.image = None
    presenter.refresh()
    assert len(inputs.ran) == 3


def test_the_pose_presenter_draws_figure4_and_counterfactuals_for_the_explained_capsule(
    qtbot, pretrained, routed_digit
):
    trace, _ = routed_digit
    pose = trace.poses[0, -1, 7].float().numpy()
    lengths = trace.lengths[0, -1].float().numpy()
    what, counterfactual = MagicMock(spec=WhatPanel), MagicMock(spec=CounterfactualPanel)
    what.digit = 7
    inputs = Inputs(pretrained, None, pose=pose, lengths=lengths)
    presenter = PosePresenter(what, counterfactual, inputs.explained())
    presenter.figure4()
    what.set_digit.assert_called_with(7)
    grid = what.show_pose.call_args.args[1]
    assert grid.digit == 7 and np.allclose(what.show_pose.call_args.args[0], pose)
    presenter.counterfactuals()
    result, shown_lengths = counterfactual.show_counterfactuals.call_args.args
    assert result.source == 7 and shown_lengths is lengths
    counterfactual.select.assert_called_once_with(7)
    presenter.figure4()
    assert inputs.ran == ["figure4", "counterfactual"], "the same pose: not drawn again"
    inputs.pose = pose + np.eye(16, dtype=np.float32)[3] * 0.2  # a slider moved
    presenter.figure4()
    assert inputs.ran[-1] == "figure4"


def test_the_two_digit_reader_reads_each_input_once_and_says_when_there_is_no_model(qtbot, mnist_test):
    import torch

    from capsviz.model.capsnet import CapsNet
    from tests.insight.test_two_digits_panel import pair_of

    panel = MagicMock(spec=TwoDigitsPanel)
    picture = pair_of(mnist_test)
    torch.manual_seed(3)
    model = CapsNet(input_size=36).eval()
    inputs = Inputs(None, None, picture=picture)
    reader = TwoDigitsReader(panel, inputs.explained(), model)
    reader.refresh()
    shown = panel.show_result.call_args.args[0]
    assert shown.winners == read_two(model, picture).winners
    reader.refresh()
    assert inputs.ran == ["two-digits"]
    inputs.serial = 2  # another input arrives while the reading was out: the old reading is dropped
    reader._ready((1, shown))
    assert panel.show_result.call_count == 1
    TwoDigitsReader(panel, inputs.explained(), None, "no two-digit model here").refresh()
    panel.show_message.assert_called_once_with("no two-digit model here")


def test_the_overview_presenter_computes_only_for_a_new_settled_input_on_show(qtbot, pretrained, digit_image):
    from capsviz.app.insight.overview_panel import OverviewPanel, OverviewPresenter
    from capsviz.app.state import AppState, SettledInput

    panel = MagicMock(spec=OverviewPanel)
    panel.isVisible.return_value = False
    state = AppState()
    opened = []
    presenter = OverviewPresenter(panel, state, pretrained, lambda panel_id: opened.append(panel_id) or True)
    state.set_settled(SettledInput(digit_image, None, 3, "a test digit"))
    panel.show_stages.assert_not_called()  # not on show: nothing computed
    panel.isVisible.return_value = True
    presenter.refresh()
    stages = panel.show_stages.call_args.args[0]
    assert stages.winner == 7
    channel, _map, kernel, strongest = panel.show_map.call_args.args
    assert channel == stages.strongest_map and strongest and kernel.shape == (9, 9)
    presenter.refresh()
    assert panel.show_stages.call_count == 1, "the same settled input: drawn once"
    presenter.pick_map(5)
    assert panel.show_map.call_args.args[0] == 5 and not panel.show_map.call_args.args[3]
