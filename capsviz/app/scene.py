"""What ``capsviz --screenshot`` shows, as plain data: Qt-free, so the command line builds it before Qt."""

from __future__ import annotations

from dataclasses import dataclass

from capsviz.app.panel_ids import ROUTING_PANEL

SCREENSHOT_SAMPLE = 0  # a clearly written 7 from the shipped MNIST test set
SURVEY_PANELS = ("what", "gallery")  # tabs that show the test-set survey's statistics


@dataclass(frozen=True)
class ScreenshotScene:
    """A test digit, a tab of the right column, Where tint, data ranges, what to save."""

    sample: int = SCREENSHOT_SAMPLE
    panel: str = ROUTING_PANEL  # an id of capsviz.app.panel_ids
    where: bool = False
    data_ranges: bool = False
    kept: tuple[int, ...] = ()  # test digits shown and kept in the history first
    panel_only: bool = False  # save the panel alone instead of the whole window
    drawn: float | None = None  # draw the digit as pen strokes this tall (a fraction of the canvas)
    as_drawn: bool = False  # the network input without MNIST's stroke width
    draw_only: bool = False  # save the Draw panel alone
    cnn: bool = False  # the CNN baseline's probabilities beside the capsule lengths
    pair: int | None = None  # show held-out MultiMNIST pair N instead of a single test digit
    enlarge: bool = False  # the chosen panel fills the window

    @property
    def needs_survey(self) -> bool:
        return needs_survey(self.panel, self.data_ranges)


def needs_survey(panel: str, data_ranges: bool) -> bool:
    """Whether showing ``panel`` (or the data slider ranges) needs the test-set survey first."""
    return panel in SURVEY_PANELS or data_ranges
