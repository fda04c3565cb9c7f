"""The paired bootstrap both evaluations report their comparisons with: whole groups resampled with replacement.

A group is what must be drawn as one: a test learner in ``knowledge.evaluate`` (one learner's answers are not
independent of each other), a Bridge snippet in ``llm.evaluate``. Both models are scored on each resample, so
the resampled differences are paired. ``scipy.stats.bootstrap`` draws the resamples, all ``resamples`` at once:
``np.random.default_rng(seed).integers(n_groups, size=(resamples, n_groups))``. The statistic sees how often
each group was drawn, so it can weigh rows (a learner's answers) or keep sums exact (label counts). The 95 %
interval is ``np.percentile`` at 2.5 and 97.5 of the resampled values, as the published figures were computed
(``scipy.stats.quantile``, which scipy's own interval uses, can differ from it in the last bits).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

INTERVAL_PERCENTILES = (2.5, 97.5)  # the 95 % interval's ends


def group_bootstrap(statistic: Callable[[np.ndarray], np.ndarray], *, n_groups: int, resamples: int,
                    seed: int) -> np.ndarray:
    """``statistic`` on each of ``resamples`` resamples of ``n_groups`` groups drawn with replacement.

    ``statistic(times_drawn)`` takes times_drawn (B, n_groups), how often each group is in each resample, and
    returns (B,) or (k, B) for k statistics at once; the result has that shape.
    """
    def of_draws(drawn: np.ndarray, axis: int = -1) -> np.ndarray:  # drawn (B, n_groups) group indices
        times_drawn = np.zeros(drawn.shape)
        np.add.at(times_drawn, (np.arange(len(drawn))[:, None], drawn), 1.0)
        return statistic(times_drawn)

    if n_groups < 2:  # scipy needs two observations; a lone group is in every resample once
        return statistic(np.ones((resamples, n_groups)))
    result = stats.bootstrap((np.arange(n_groups),), of_draws, n_resamples=resamples, vectorized=True,
                             method="percentile", rng=seed)
    return result.bootstrap_distribution


def percentile_interval(resampled: np.ndarray) -> list[float]:
    """The 2.5 and 97.5 percentiles of resampled values (B,)."""
    low, high = INTERVAL_PERCENTILES
    return [float(np.percentile(resampled, low)), float(np.percentile(resampled, high))]
