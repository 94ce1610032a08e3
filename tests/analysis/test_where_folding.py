"""Folding c_ij onto the 6×6 grid and the input agrees with plain loops over i = type·36 + row·6 + col."""

from __future__ import annotations

import numpy as np
import pytest

from capsviz.analysis import where


def test_fold_places_capsule_i_at_type_row_col():
    values = np.arange(1152, dtype=np.float32)
    folded = where.fold(values)
    for t in (0, 5, 31):
        for r in range(6):
            for c in range(6):
                assert folded[t, r, c] == values[t * 36 + r * 6 + c]


def test_coupling_grid_mean_and_sum_equal_direct_loops(routed):
    trace, _ = routed
    analysis = where.where_analysis(trace)
    coupling = trace.coupling[0].numpy()  # [T, 1152, 10]
    for iteration in range(trace.iterations):
        for digit_capsule in (0, 7):
            mean = analysis.grid("coupling", iteration, digit_capsule, "mean")
            total = analysis.grid("coupling", iteration, digit_capsule, "sum")
            one_type = analysis.grid("coupling", iteration, digit_capsule, 11)
            for r in range(6):
                for c in range(6):
                    column = [coupling[iteration, t * 36 + r * 6 + c, digit_capsule] for t in range(32)]
                    assert mean[r, c] == pytest.approx(np.mean(column), rel=1e-5)
                    assert total[r, c] == pytest.approx(np.sum(column), rel=1e-5)
                    assert one_type[r, c] == coupling[iteration, 11 * 36 + r * 6 + c, digit_capsule]


def test_first_iteration_is_uniform_and_later_ones_are_not(routed):
    analysis = where.where_analysis(routed[0])
    np.testing.assert_allclose(analysis.grid("coupling", 0, 3), 0.1, rtol=1e-6)
    assert np.ptp(analysis.grid("coupling", analysis.iterations - 1, 7)) > 0


def test_activation_and_contribution_maps(routed):
    trace, _ = routed
    analysis = where.where_analysis(trace)
    lengths = trace.primary_lengths[0].numpy()
    coupling = trace.coupling[0, -1].numpy()
    activation = analysis.grid("activation", 0, 0, "mean")
    contribution = analysis.maps("contribution", 2, 7)
    assert activation[2, 4] == pytest.approx(
        np.mean([lengths[t * 36 + 2 * 6 + 4] for t in range(32)]), rel=1e-5
    )
    assert contribution[5, 1, 3] == pytest.approx(coupling[5 * 36 + 9, 7] * lengths[5 * 36 + 9], rel=1e-5)


def test_to_input_is_the_tent_weighted_mean_over_windows():
    rng = np.random.default_rng(0)
    grid = rng.random((6, 6))
    image = where.to_input(grid)
    for y, x in [(0, 0), (5, 20), (13, 13), (26, 3), (17, 26)]:
        total = weight_sum = 0.0
        for r in range(6):
            for c in range(6):
                if 2 * r <= y <= 2 * r + 16 and 2 * c <= x <= 2 * c + 16:
                    w = (1 - abs(y - (2 * r + 8)) / 9) * (1 - abs(x - (2 * c + 8)) / 9)
                    total += w * grid[r, c]
                    weight_sum += w
        assert image[y, x] == pytest.approx(total / weight_sum, rel=1e-5)
    assert np.isnan(image[27]).all() and np.isnan(image[:, 27]).all()


def test_constant_grid_gives_constant_picture():
    image = where.to_input(np.full((6, 6), 0.25))
    np.testing.assert_allclose(image[:27, :27], 0.25, rtol=1e-6)


def test_windows_and_cell_lookup():
    assert where.window(2, 5) == (4, 10, 17, 17)
    for r in range(6):
        for c in range(6):
            top, left, size, _ = where.window(r, c)
            assert where.cell_at(top + size // 2, left + size // 2) == (r, c)
    assert where.cell_at(-5, 40) == (0, 5)


def test_cell_votes_match_the_trace(routed):
    trace, _ = routed
    cell = where.where_analysis(trace).cell(3, 1)
    votes = trace.votes[0].numpy()
    final = trace.poses[0, -1].numpy()
    for t in (0, 17, 31):
        i = t * 36 + 3 * 6 + 1
        for j in (0, 7):
            u = votes[i, j]
            assert cell.lengths[t, j] == pytest.approx(np.linalg.norm(u), rel=1e-5)
            cosine = u @ final[j] / (np.linalg.norm(u) * np.linalg.norm(final[j]))
            assert cell.agreement[t, j] == pytest.approx(cosine, abs=1e-5)
            assert cell.coupling[t, j] == trace.coupling[0, -1, i, j].item()
        assert cell.activation[t] == pytest.approx(trace.primary_lengths[0, i].item(), rel=1e-5)


def test_levels_cover_every_iteration(routed):
    analysis = where.where_analysis(routed[0])
    grids = [analysis.grid("coupling", t, 7) for t in range(analysis.iterations)]
    low, high = analysis.levels("coupling", 7)
    assert low == pytest.approx(min(g.min() for g in grids)) and high == pytest.approx(
        max(g.max() for g in grids)
    )
    low, high = analysis.levels("coupling", 7, types=3)
    assert low < high


def test_unknown_options_are_refused(routed):
    analysis = where.where_analysis(routed[0])
    with pytest.raises(ValueError, match="quantity"):
        analysis.grid("nonsense", 0, 0)
    with pytest.raises(ValueError, match="types"):
        analysis.grid("coupling", 0, 0, 32)
