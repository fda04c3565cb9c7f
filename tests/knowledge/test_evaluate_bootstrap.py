"""The paired bootstrap over groups that both evaluations report their comparisons with."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.evaluate.bootstrap import group_bootstrap, percentile_interval


def test_resamples_are_the_documented_draws_so_published_intervals_can_be_reproduced():
    # The figures in results.json were computed from these draws: another drawing order would move them.
    seen = group_bootstrap(lambda times_drawn: times_drawn.T, n_groups=7, resamples=50, seed=3)  # (7, 50)

    draws = np.random.default_rng(3).integers(7, size=(50, 7))
    expected = np.stack([np.bincount(row, minlength=7) for row in draws])  # (50, 7)
    np.testing.assert_array_equal(seen.T, expected)


def test_every_resample_draws_as_many_groups_as_there_are():
    totals = group_bootstrap(lambda times_drawn: times_drawn.sum(axis=1), n_groups=12, resamples=200, seed=0)
    assert totals.shape == (200,) and np.all(totals == 12)


def test_several_statistics_come_back_from_the_same_resamples():
    values = np.arange(10.0)

    def means(times_drawn: np.ndarray) -> np.ndarray:  # (B, 10) -> (2, B)
        mean = times_drawn @ values / 10
        return np.stack([mean, 2 * mean])

    both = group_bootstrap(means, n_groups=10, resamples=100, seed=1)
    assert both.shape == (2, 100)
    np.testing.assert_allclose(both[1], 2 * both[0])


def test_a_lone_group_is_in_every_resample_once():
    once = group_bootstrap(lambda times_drawn: times_drawn[:, 0], n_groups=1, resamples=5, seed=0)
    np.testing.assert_array_equal(once, np.ones(5))


def test_the_interval_holds_the_middle_95_percent():
    low, high = percentile_interval(np.arange(1001.0))
    assert (low, high) == (pytest.approx(25.0), pytest.approx(975.0))
