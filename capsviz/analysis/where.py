"""Where: fold the 1152 primary capsules back onto the 6×6 grid and the 28×28 input.

Primary capsule i = type·36 + row·6 + col; grid cell (row, col) sees the 17×17
pixel window whose top-left corner is (2·row, 2·col). Folding c_ij onto the
input shows which part of the drawing routes to a digit capsule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capsviz.model.capsnet import IMAGE_SIZE, N_DIGITS, N_PRIMARY_TYPES, PRIMARY_GRID, RoutingTrace

WINDOW = 17
STRIDE = 2
QUANTITIES = ("coupling", "contribution", "activation")
QUANTITY_LABELS = {
    "coupling": "coupling c_ij",
    "contribution": "coupling × activation c_ij‖u_i‖",
    "activation": "primary activation ‖u_i‖",
}


def fold(values: np.ndarray) -> np.ndarray:
    """``[..., 1152]`` → ``[..., 32, 6, 6]`` (type, row, col)."""
    values = np.asarray(values)
    return values.reshape(*values.shape[:-1], N_PRIMARY_TYPES, PRIMARY_GRID, PRIMARY_GRID)


def reduce_types(maps: np.ndarray, types: str | int = "mean") -> np.ndarray:
    """``[..., 32, 6, 6]`` → ``[..., 6, 6]``: ``"mean"`` or ``"sum"`` over types, or one type's map."""
    if types == "mean":
        return maps.mean(axis=-3)
    if types == "sum":
        return maps.sum(axis=-3)
    if isinstance(types, (int, np.integer)) and 0 <= types < N_PRIMARY_TYPES:
        return maps[..., int(types), :, :]
    raise ValueError(f"types must be 'mean', 'sum' or a type index 0-31, got {types!r}")


def _tent_weights() -> np.ndarray:
    """``[6, 28]``: how much grid row r counts at pixel row p (a tent over its 17-px window)."""
    weights = np.zeros((PRIMARY_GRID, IMAGE_SIZE), np.float64)
    half = (WINDOW - 1) / 2
    for r in range(PRIMARY_GRID):
        for p in range(STRIDE * r, STRIDE * r + WINDOW):
            weights[r, p] = 1.0 - abs(p - (STRIDE * r + half)) / (half + 1)
    return weights


TENT = _tent_weights()
COVERED = TENT.sum(axis=0) > 0  # pixel row/col 27 lies in no window


def to_input(grid: np.ndarray) -> np.ndarray:
    """Spread a ``[6, 6]`` grid over the ``[28, 28]`` input through the receptive fields.

    Each pixel gets the average of the cells whose windows contain it, weighted
    by a tent that peaks at the window's centre (where a convolution's view is
    densest). Pixels no window reaches (the last row and column) are NaN.
    """
    grid = np.asarray(grid, np.float64)
    weighted = TENT.T @ grid @ TENT
    norm = np.outer(TENT.sum(axis=0), TENT.sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = weighted / norm
    out[~np.outer(COVERED, COVERED)] = np.nan
    return out.astype(np.float32)


def window(row: int, col: int) -> tuple[int, int, int, int]:
    """``(top, left, height, width)`` of the input pixels cell (row, col) sees."""
    return STRIDE * row, STRIDE * col, WINDOW, WINDOW


def cell_at(y: float, x: float) -> tuple[int, int]:
    """The grid cell whose window is centred nearest to pixel ``(y, x)``."""
    half = (WINDOW - 1) / 2
    row = int(np.clip(round((y - half) / STRIDE), 0, PRIMARY_GRID - 1))
    col = int(np.clip(round((x - half) / STRIDE), 0, PRIMARY_GRID - 1))
    return row, col


@dataclass
class CellVotes:
    """What the 32 capsules of one grid cell say about the 10 digits.

    Attributes
    ----------
    row, col : int
        The cell.
    lengths : np.ndarray
        ``[32, 10]`` vote lengths ‖û_j|i‖.
    agreement : np.ndarray
        ``[32, 10]`` cosine between û_j|i and the final v_j (1 = the vote points where the digit went).
    coupling : np.ndarray
        ``[32, 10]`` c_ij of the last iteration.
    activation : np.ndarray
        ``[32]`` primary capsule lengths ‖u_i‖.
    """

    row: int
    col: int
    lengths: np.ndarray
    agreement: np.ndarray
    coupling: np.ndarray
    activation: np.ndarray


@dataclass
class WhereAnalysis:
    """Everything the Where view draws for one image, folded once so redrawing is indexing.

    Attributes
    ----------
    coupling : np.ndarray
        ``[T, 10, 32, 6, 6]`` c_ij per iteration and digit.
    activation : np.ndarray
        ``[32, 6, 6]`` primary capsule lengths.
    votes : np.ndarray
        ``[32, 6, 6, 10, 16]`` predictions û_j|i.
    final_poses : np.ndarray
        ``[10, 16]`` v_j after the last iteration.
    """

    coupling: np.ndarray
    activation: np.ndarray
    votes: np.ndarray
    final_poses: np.ndarray

    @property
    def iterations(self) -> int:
        return self.coupling.shape[0]

    def maps(self, quantity: str, iteration: int, digit: int) -> np.ndarray:
        """``[32, 6, 6]`` per-type map of ``quantity`` (see :data:`QUANTITIES`)."""
        if quantity == "activation":
            return self.activation
        coupling = self.coupling[iteration, digit]
        if quantity == "coupling":
            return coupling
        if quantity == "contribution":
            return coupling * self.activation
        raise ValueError(f"quantity must be one of {QUANTITIES}, got {quantity!r}")

    def grid(self, quantity: str, iteration: int, digit: int, types: str | int = "mean") -> np.ndarray:
        """``[6, 6]`` map of ``quantity`` reduced over types."""
        return reduce_types(self.maps(quantity, iteration, digit), types)

    def overlay(self, quantity: str, iteration: int, digit: int, types: str | int = "mean") -> np.ndarray:
        """``[28, 28]`` map on the input (NaN where no capsule looks)."""
        return to_input(self.grid(quantity, iteration, digit, types))

    def levels(self, quantity: str, digit: int, types: str | int = "mean") -> tuple[float, float]:
        """Colour range over all iterations, so an animation compares like with like."""
        grids = np.stack([self.grid(quantity, t, digit, types) for t in range(self.iterations)])
        low, high = float(grids.min()), float(grids.max())
        if high - low < 1e-6:
            low, high = low - 0.01, high + 0.01
        return low, high

    def cell(self, row: int, col: int) -> CellVotes:
        """The 32 capsules at grid cell (row, col) and their votes for the 10 digits."""
        votes = self.votes[:, row, col]  # [32, 10, 16]
        lengths = np.linalg.norm(votes, axis=-1)
        finals = self.final_poses / np.maximum(
            np.linalg.norm(self.final_poses, axis=-1, keepdims=True), 1e-12
        )
        agreement = np.einsum("tjd,jd->tj", votes, finals) / np.maximum(lengths, 1e-12)
        coupling = self.coupling[-1, :, :, row, col].T  # [32, 10]
        return CellVotes(row, col, lengths, agreement, coupling, self.activation[:, row, col])


def where_analysis(trace: RoutingTrace, index: int = 0) -> WhereAnalysis:
    """Fold image ``index`` of ``trace`` for the Where view."""
    coupling = trace.coupling[index].float().cpu().numpy()  # [T, 1152, 10]
    votes = trace.votes[index].float().cpu().numpy()  # [1152, 10, 16]
    return WhereAnalysis(
        coupling=fold(np.moveaxis(coupling, -1, 1)),
        activation=fold(trace.primary_lengths[index].float().cpu().numpy()),
        votes=votes.reshape(N_PRIMARY_TYPES, PRIMARY_GRID, PRIMARY_GRID, N_DIGITS, -1),
        final_poses=trace.poses[index, -1].float().cpu().numpy(),
    )
