"""Scores of predicted P(correct) against observed answers, overall and across learner groups.

Every function takes ``correct`` (N,) 0/1 and ``p`` (N,) probabilities. AUC is undefined when only one class is
present; it is then NaN (written as null in results.json).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import f1_score, log_loss, roc_auc_score

ECE_BINS = 15
QUINTILES = 5


def auc(correct: np.ndarray, p: np.ndarray) -> float:
    if len(np.unique(correct)) < 2:
        return math.nan
    return float(roc_auc_score(correct, p))


def accuracy(correct: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((p >= 0.5) == (correct == 1)))


def f1(correct: np.ndarray, p: np.ndarray) -> float:
    """F1 of the "correct" class at threshold 0.5 (0 when nothing is predicted or observed correct)."""
    return float(f1_score(correct, (p >= 0.5).astype(int), zero_division=0))


def logloss(correct: np.ndarray, p: np.ndarray) -> float:
    return float(log_loss(correct, np.clip(p, 1e-7, 1 - 1e-7), labels=[0, 1]))


def reliability_bins(correct: np.ndarray, p: np.ndarray, n_bins: int = ECE_BINS) -> tuple[np.ndarray, ...]:
    """Equal-width bins on [0, 1] (p = 1 goes in the last bin): (count, mean p, observed rate) per bin."""
    bin_of = np.minimum((p * n_bins).astype(int), n_bins - 1)
    count = np.bincount(bin_of, minlength=n_bins)
    safe = np.maximum(count, 1)
    mean_p = np.bincount(bin_of, weights=p, minlength=n_bins) / safe
    rate = np.bincount(bin_of, weights=correct.astype(float), minlength=n_bins) / safe
    return count, mean_p, rate


def ece(correct: np.ndarray, p: np.ndarray, n_bins: int = ECE_BINS) -> float:
    r"""Expected calibration error: $\sum_b \frac{n_b}{N} |\bar y_b - \bar p_b|$ over equal-width bins."""
    count, mean_p, rate = reliability_bins(correct, p, n_bins)
    return float(np.sum(count / len(p) * np.abs(rate - mean_p)))


def equity(correct: np.ndarray, p: np.ndarray, learner: np.ndarray) -> dict[str, list[float] | float]:
    """AUC within each quintile of learners ranked by their success rate on these rows, and best minus worst.

    Learners are sorted by success rate (ties by learner id) and cut into five groups of (nearly) equal size;
    a quintile whose rows hold one class only has AUC NaN and is left out of the gap.
    """
    learners, rows_of = np.unique(learner, return_inverse=True)
    success_rate = np.bincount(rows_of, weights=correct.astype(float)) / np.bincount(rows_of)
    ranked = np.lexsort((learners, success_rate))
    quintile_of_learner = np.empty(len(learners), dtype=np.int64)
    for quintile, members in enumerate(np.array_split(ranked, QUINTILES)):
        quintile_of_learner[members] = quintile
    quintile_of_row = quintile_of_learner[rows_of]
    quintile_auc = [auc(correct[quintile_of_row == q], p[quintile_of_row == q]) for q in range(QUINTILES)]
    defined = [a for a in quintile_auc if not math.isnan(a)]
    gap = max(defined) - min(defined) if defined else math.nan
    return {"quintile_auc": quintile_auc, "gap": gap}


def score(correct: np.ndarray, p: np.ndarray, learner: np.ndarray) -> dict:
    """All metrics of one model on one protocol, as written to results.json."""
    return {"auc": auc(correct, p), "accuracy": accuracy(correct, p), "f1": f1(correct, p), "ece": ece(correct, p),
            "logloss": logloss(correct, p), "equity": equity(correct, p, learner)}
