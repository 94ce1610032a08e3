"""Overview: the whole network at a glance, one card per stage, live while drawing.

Each card shows what its stage holds for the current input, its shape below,
one sentence on hover, and opens the detailed panel when clicked. Conv1's 256
maps are clickable too: the map enlarged and its 9×9 kernel appear below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QLayout, QVBoxLayout, QWidget

from capsviz.analysis.inference import infer
from capsviz.analysis.overview import NetworkStages, conv1_kernel, network_stages
from capsviz.app.insight.overview_views import MiniBars, Mosaic, above_uniform, capsule_colours, normalised
from capsviz.app.state import AppState
from capsviz.app.views.pixels import PixelImage
from capsviz.model.capsnet import DIGIT_DIM, N_PRIMARY_TYPES, PRIMARY_DIM, CapsNet

CARD_WIDTH = 168  # the narrowest a card gets; wider when the panel has room (enlarged, a wide window)
MAX_CARD_WIDTH = 320


@dataclass(frozen=True)
class Stage:
    """One card: its id, title, what it computes (the tooltip), and the panel that explains more."""

    key: str
    title: str
    does: str
    panel: str | None


STAGES = (
    Stage("input", "Input", "The drawing after MNIST's preprocessing: what the network is given.", "why"),
    Stage(
        "conv1",
        "Conv1",
        "256 9×9 filters slide over the input (ReLU): each map lights up where its pattern is. "
        "Click a map to see it enlarged with its kernel.",
        None,
    ),
    Stage(
        "primary",
        "PrimaryCaps",
        "A second convolution, cut into 1152 capsules of 8 numbers (32 types on a grid): brightness is "
        "a capsule's length (is its part there?), colour the direction it points (how is it posed?).",
        "where",
    ),
    Stage(
        "votes",
        "Votes û",
        "Every primary capsule predicts each digit capsule (û_j|i = W_ij u_i); averaged with equal "
        "weight (every c_ij = 1/10) they give these lengths, before any agreement.",
        "routing",
    ),
    Stage(
        "routing",
        "Routing",
        "Routing by agreement: votes that agree with the winner get more weight. Here: each primary "
        "capsule's final coupling c_ij to the winner, brighter = more.",
        "routing",
    ),
    Stage(
        "digitcaps",
        "DigitCaps",
        "Ten capsules of 16 numbers; a capsule's length says how sure the network is that its digit is "
        "there. The longest wins.",
        "what",
    ),
    Stage(
        "decoder",
        "Decoder",
        "Three fully connected layers redraw the digit from the winning capsule's 16 numbers alone.",
        "counterfactuals",
    ),
)


class StageCard(QFrame):
    """A titled picture of one stage with its shape below; clicking it asks for the stage's panel."""

    clicked = Signal(str)

    def __init__(self, stage: Stage, body: QWidget) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.stage = stage
        self.setToolTip(stage.does + (f" Click to open the {stage.panel} panel." if stage.panel else ""))
        self.body = body
        self.title = QLabel(stage.title)
        self.title.setObjectName("panelTitle")
        self.shape = QLabel()
        self.shape.setObjectName("caption")
        self.shape.setWordWrap(True)
        self.shape.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.title)
        layout.addWidget(body, 1)
        layout.addWidget(self.shape)
        if stage.panel:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.stage.panel and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.stage.key)


class OverviewPanel(QWidget):
    """The stage cards, wrapped left to right to the width there is, and Conv1's detail below.

    Signals
    -------
    stageClicked(str)
        A stage card was clicked (its key of :data:`STAGES`).
    mapClicked(int)
        A Conv1 feature map was clicked (its channel).
    """

    stageClicked = Signal(str)
    mapClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Every stage of the forward pass for the current input; click a stage for details.")
        self.input = PixelImage()
        self.conv1 = Mosaic(columns=16)
        self.primary = Mosaic(columns=8)
        self.votes = MiniBars()
        self.routing = Mosaic(columns=8)
        self.digitcaps = MiniBars()
        self.decoder = PixelImage()
        bodies = (
            self.input,
            self.conv1,
            self.primary,
            self.votes,
            self.routing,
            self.digitcaps,
            self.decoder,
        )
        self.cards = {stage.key: StageCard(stage, body) for stage, body in zip(STAGES, bodies, strict=True)}
        for card in self.cards.values():
            card.clicked.connect(self.stageClicked)
        self.conv1.tileClicked.connect(self.mapClicked)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        self._columns = 0
        self.detail_title = QLabel()
        self.detail_title.setObjectName("panelTitle")
        self.kernel = PixelImage(caption="its 9×9 kernel (grey = 0)")
        self.feature_map = PixelImage(caption="the map enlarged")
        detail = QHBoxLayout()
        detail.addWidget(self.feature_map)
        detail.addWidget(self.kernel)
        detail.addStretch(1)
        layout = QVBoxLayout(self)
        # The cards' fixed widths must not become the panel's minimum: a narrow tab then gets the panel
        # at its own width, and the cards wrap into fewer columns instead of scrolling sideways.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addLayout(self.grid)
        layout.addWidget(self.detail_title)
        layout.addLayout(detail)
        layout.addStretch(1)
        self._arrange(4 * (CARD_WIDTH + 8))
        self.installEventFilter(self)

    def minimumSizeHint(self) -> QSize:
        """One card wide (the cards wrap to the width there is) and as tall as their arrangement needs."""
        return QSize(CARD_WIDTH + 16, super().minimumSizeHint().height())

    def _arrange(self, width: int) -> None:
        """Lay the cards out as many to a row as fit ``width``, in the order data flows, as wide as fits."""
        spacing = self.grid.spacing()
        columns = max(1, min(len(STAGES), (width - 16) // (CARD_WIDTH + spacing)))
        side = min(MAX_CARD_WIDTH, (width - 16 - spacing * (columns - 1)) // columns)
        for index, card in enumerate(self.cards.values()):
            card.setFixedWidth(max(CARD_WIDTH, side))
            card.body.setFixedHeight(max(CARD_WIDTH, side) - 24)
            if columns != self._columns:
                self.grid.addWidget(card, index // columns, index % columns)
        for view in (self.feature_map, self.kernel):  # the detail as large as a card
            view.setFixedSize(max(CARD_WIDTH, side), max(CARD_WIDTH, side) + 20)
        self._columns = columns

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and event.type() == QEvent.Type.Resize:
            self._arrange(self.width())
        return False

    def show_stages(self, stages: NetworkStages | None) -> None:
        """Draw every stage of ``stages`` (None: empty cards)."""
        if stages is None:
            for view in (self.conv1, self.primary, self.routing):
                view.show_tiles(None)
            for view in (self.input, self.decoder):
                view.show_array(None)
            self.votes.show_lengths(None)
            self.digitcaps.show_lengths(None)
            return
        grid, maps = stages.primary_grid, stages.conv1
        side = stages.image.shape[0]
        self.input.show_array(stages.image)
        self.conv1.show_tiles(normalised(maps))
        colours = capsule_colours(stages.primary_lengths, stages.primary_angles)
        self.primary.show_tiles(colours)
        self.votes.show_lengths(stages.uniform_lengths)
        self.routing.show_tiles(above_uniform(stages.coupling))
        self.digitcaps.show_lengths(stages.lengths)
        self.decoder.show_array(stages.reconstruction)
        count, primaries = len(stages.lengths), N_PRIMARY_TYPES * grid * grid
        votes_winner = int(np.argmax(stages.uniform_lengths))
        shapes = {
            "input": f"1 × {side} × {side}",
            "conv1": f"{len(maps)} × {maps.shape[1]} × {maps.shape[2]}",
            "primary": f"{N_PRIMARY_TYPES} × {grid} × {grid} capsules of {PRIMARY_DIM} ({primaries})",
            "votes": f"{primaries} × {count} votes of {DIGIT_DIM} · winner {votes_winner} "
            f"at {stages.uniform_lengths.max():.2f}",
            "routing": f"c_ij {primaries} × {count}, r = {stages.iterations}",
            "digitcaps": f"{count} × {DIGIT_DIM} · winner {stages.winner} at {stages.lengths.max():.2f}",
            "decoder": f"{DIGIT_DIM} → 512 → 1024 → {side * side}",
        }
        for key, text in shapes.items():
            self.cards[key].shape.setText(text)

    def show_map(self, channel: int, feature_map: np.ndarray, kernel: np.ndarray, strongest: bool) -> None:
        """Conv1 channel ``channel`` enlarged, with its kernel (signed, grey = 0)."""
        self.conv1.select(channel)
        peak = float(np.abs(kernel).max()) or 1.0
        self.kernel.show_array(0.5 + 0.5 * kernel / peak)
        self.feature_map.show_array(normalised(feature_map))
        self.detail_title.setText(
            f"Conv1 map {channel}" + (" (the strongest for this input)" if strongest else "")
        )


class OverviewPresenter(QObject):
    """Feeds the overview the settled input's stages while the panel is on show."""

    def __init__(
        self,
        panel: OverviewPanel,
        state: AppState,
        model: CapsNet | None,
        show_panel: Callable[[str], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel, self.state, self.model = panel, state, model
        self.stages: NetworkStages | None = None
        self._shown_for: object = None
        self._channel: int | None = None  # the map the person picked; None: the strongest
        state.settledChanged.connect(self.refresh)
        panel.stageClicked.connect(lambda key: show_panel(next(s.panel for s in STAGES if s.key == key)))
        panel.mapClicked.connect(self.pick_map)
        panel.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.refresh()
        return False

    def set_model(self, model: CapsNet | None) -> None:
        self.model, self._shown_for = model, None
        self.refresh()

    def refresh(self) -> None:
        """Compute and draw the stages of the settled input, once per input, when the panel is visible."""
        settled = self.state.settled
        if not self.panel.isVisible() or settled is self._shown_for:
            return
        self._shown_for = settled
        if settled is None or self.model is None:
            self.stages = None
            self.panel.show_stages(None)
            return
        # The live view's trace, else routed here as the analysis panels route (no decoding).
        trace = settled.trace or infer(self.model, settled.image, settled.iterations)[0]
        self.stages = network_stages(self.model, settled.image, trace)
        self.panel.show_stages(self.stages)
        self._show_map()

    def pick_map(self, channel: int) -> None:
        self._channel = channel
        self._show_map()

    def _show_map(self) -> None:
        stages = self.stages
        if stages is None or self.model is None:
            return
        channel = stages.strongest_map if self._channel is None else self._channel
        kernel = conv1_kernel(self.model, channel)
        self.panel.show_map(channel, stages.conv1[channel], kernel, channel == stages.strongest_map)
