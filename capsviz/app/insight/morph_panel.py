"""Morph a kept input into the current one through their capsules, with a slider (Compare & keep).

The frames come from :func:`capsviz.analysis.morph.morph` (a job on the
analysis lane whenever the pair changes); the slider only picks among them,
so it follows the hand at once. Each frame shows what the network reads in it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from capsviz.analysis.history import HistoryEntry
from capsviz.analysis.morph import Morph, morph, render_strip
from capsviz.app.jobs import Jobs
from capsviz.app.views.pixels import PixelImage
from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import atomic_write_bytes

FRAMES = 21  # t = 0, 0.05, …, 1
MORPH = "morph"  # the job key


class MorphPanel(QWidget):
    """From (a kept input) → the current input: a slider over t, the frame, what it is read as.

    Signals
    -------
    sourceChanged(int)
        The kept entry (its id) to morph from; −1 for none.
    saveRequested(str)
        Write the strip of frames as PNG to this path.
    """

    sourceChanged = Signal(int)
    saveRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "Interpolate two winning capsules: of one class the pose moves, of two classes the mass moves "
            "from one capsule to the other; each frame is fed back into the network."
        )
        self.source_box = QComboBox()
        self.source_box.setToolTip("The kept input to morph from, into the current one.")
        self.source_box.currentIndexChanged.connect(
            lambda _i: self.sourceChanged.emit(int(self.source_box.currentData() or -1))
        )
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, FRAMES - 1)
        self.slider.setToolTip("t: 0 is the kept input's capsule, 1 the current one's.")
        self.slider.valueChanged.connect(self._draw)
        self.frame = PixelImage(caption="morph", empty_text="keep an input first")
        self.frame.setFixedSize(96, 112)
        self.reading = QLabel("")
        self.reading.setWordWrap(True)
        self.save_button = QPushButton("Save strip…")
        self.save_button.setToolTip("Save the frames t = 0 … 1, captioned, as one PNG.")
        self.save_button.clicked.connect(self._ask)
        choice, result = QHBoxLayout(), QHBoxLayout()  # two rows, so the panel fits a side tab
        choice.addWidget(QLabel("morph"))
        choice.addWidget(self.source_box)
        choice.addWidget(QLabel("→ current"))
        choice.addWidget(self.slider, 1)
        result.addWidget(self.frame)
        result.addWidget(self.reading, 1)
        result.addWidget(self.save_button)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addLayout(choice)
        rows.addLayout(result)
        self._morph: Morph | None = None
        self.show_morph(None)

    def show_sources(self, entries: list[HistoryEntry]) -> None:
        """The kept inputs to choose from (the first is picked when the one picked is gone)."""
        picked = self.source_box.currentData()
        self.source_box.blockSignals(True)
        self.source_box.clear()
        for entry in entries:
            self.source_box.addItem(f"kept {entry.caption()}", entry.id)
        index = max(0, self.source_box.findData(picked))
        self.source_box.setCurrentIndex(index if entries else -1)
        self.source_box.blockSignals(False)
        self.sourceChanged.emit(int(self.source_box.currentData() or -1))

    def show_morph(self, result: Morph | None) -> None:
        self._morph = result
        self.slider.setEnabled(result is not None)
        self.save_button.setEnabled(result is not None)
        self._draw()

    @property
    def morph(self) -> Morph | None:
        return self._morph

    def _draw(self) -> None:
        result = self._morph
        if result is None:
            self.frame.show_array(None)
            self.reading.setText("")
            return
        k = round(self.slider.value() * (len(result.t) - 1) / (FRAMES - 1))
        read = int(result.predictions[k])
        self.frame.show_array(result.frames[k])
        a, b = result.digits
        how = "pose moves" if result.same_class else f"capsule {a} → {b}"
        self.reading.setText(
            f"t = {result.t[k]:.2f} ({how}): read as {read}, length {result.lengths[k, read]:.2f}"
        )

    def _ask(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save morph strip", "morph.png", "PNG images (*.png)")
        if path:
            self.saveRequested.emit(path)


class MorphPresenter(QObject):
    """Computes the morph for :class:`MorphPanel` from the kept entry picked into ``current()``."""

    def __init__(
        self,
        panel: MorphPanel,
        jobs: Jobs,
        model: Callable[[], CapsNet | None],
        current: Callable[[], np.ndarray | None],
        entries: Callable[[], list[HistoryEntry]],
        synchronous: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel, self.jobs, self.model, self.current, self.entries = panel, jobs, model, current, entries
        self.synchronous = synchronous
        self._source: int = -1
        self._asked: tuple[int, np.ndarray] | None = None  # (entry id, current image) last morphed
        panel.sourceChanged.connect(self._source_changed)
        panel.saveRequested.connect(self.save)

    def refresh(self) -> None:
        """Morph again if the picked entry or the current input changed."""
        model, image = self.model(), self.current()
        entry = next((e for e in self.entries() if e.id == self._source), None)
        if model is None or image is None or entry is None:
            self._asked = None
            self.panel.show_morph(None)
            return
        if self._asked is not None and self._asked[0] == entry.id and self._asked[1] is image:
            return
        self._asked = (entry.id, image)
        start = entry.image
        self.jobs.submit(
            MORPH,
            lambda _job: morph(model, start, image, FRAMES),
            self.panel.show_morph,
            lambda exc: self.panel.reading.setText(f"could not morph: {exc}".splitlines()[0]),
            inline=True if self.synchronous else None,
        )

    def save(self, path: str) -> Path | None:
        result = self.panel.morph
        if result is None:
            return None
        buffer = io.BytesIO()
        render_strip(result, title=f"morph: {result.digits[0]} → {result.digits[1]}").save(
            buffer, format="PNG"
        )
        target = Path(path)
        try:
            atomic_write_bytes(target, buffer.getvalue())
        except OSError as exc:
            self.panel.reading.setText(f"could not save {target.name}: {exc.strerror or exc}")
            return None
        self.panel.reading.setText(f"saved {target.name}")
        return target

    def _source_changed(self, entry_id: int) -> None:
        self._source = entry_id
        self.refresh()
