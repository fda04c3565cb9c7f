"""The paired bootstrap both evaluations report their comparisons with: whole groups resampled with replacement.

A group is what must be drawn as one: a test learner in ``knowledge.evaluate`` (one learner's answers are not
independent of each other), a Bridge snippet in ``llm.evaluate``. Both models are scored on each resample, so
the resampled differences are paired. The resamples are drawn all at once,
``np.random.default_rng(seed).integers(n_groups, size=(resamples, n_groups))``, and the statistic sees how often
each group was drawn, so it can weigh rows (a learner's answers) or keep sums exact (label counts): a statistic
over counts, which ``scipy.stats.bootstrap`` (it resamples the observations themselves) would only wrap. The 95 %
interval is ``np.percentile`` at 2.5 and 97.5 of the resampled values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

INTERVAL_PERCENTILES = (2.5, 97.5)  # the 95 % interval's ends


def group_bootstrap(statistic: Callable[[np.ndarray], np.ndarray], *, n_groups: int, resamples: int,
                    seed: int) -> np.ndarray:
    """``statistic`` on each of ``resamples`` resamples of ``n_groups`` groups drawn with replacement.

    ``statistic(times_drawn)`` takes times_drawn (B, n_groups), how often each group is in each resample, and
    returns (B,) or (k, B) for k statistics at once; the result has that shape.
    """
    drawn = np.random.default_rng(seed).integers(n_groups, size=(resamples, n_groups))  # (B, n_groups) indices
    times_drawn = np.zeros((resamples, n_groups))
    np.add.at(times_drawn, (np.arange(resamples)[:, None], drawn), 1.0)
    return statistic(times_drawn)


def percentile_interval(resampled: np.ndarray) -> list[float]:
    """The 2.5 and 97.5 percentiles of resampled values (B,)."""
    low, high = INTERVAL_PERCENTILES
    return [float(np.percentile(resampled, low)), float(np.percentile(resampled, high))]
