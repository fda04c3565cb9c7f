"""Scores of predicted P(correct) against observed answers, overall and across learner groups.

Every function takes ``correct`` (N,) 0/1 and ``p`` (N,) probabilities. AUC is undefined when only one class is
present; it is then NaN (written as null in results.json).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import f1_score, log_loss, roc_auc_score

from knowledge.evaluate.bootstrap import group_bootstrap, percentile_interval

ECE_BINS = 15
QUINTILES = 5
BOOTSTRAP_RESAMPLES = 1000


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


def learner_success_rate(correct: np.ndarray, learner: np.ndarray) -> np.ndarray:
    """(L,) each learner's share of right answers in these rows, learners in increasing id order."""
    _, rows_of = np.unique(learner, return_inverse=True)
    return np.bincount(rows_of, weights=correct.astype(float)) / np.bincount(rows_of)


def equity(correct: np.ndarray, p: np.ndarray, learner: np.ndarray) -> dict[str, list[float] | float]:
    """AUC within each quintile of learners ranked by their success rate on these rows, and best minus worst.

    Learners are sorted by success rate (ties by learner id) and cut into five groups of (nearly) equal size;
    a quintile whose rows hold one class only has AUC NaN and is left out of the gap.
    """
    learners, rows_of = np.unique(learner, return_inverse=True)
    ranked = np.lexsort((learners, learner_success_rate(correct, learner)))
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


def _resampled_auc(correct: np.ndarray, p: np.ndarray, times_drawn: np.ndarray, rows_of: np.ndarray) -> np.ndarray:
    """AUC on each resample of learners, shape (B,): ``times_drawn`` (B, L) counts each learner's draws, and row
    n belongs to learner ``rows_of[n]``.

    With rows grouped by equal p in increasing order, AUC = sum_g W+_g (W-_{<g} + W-_g / 2) / (W+ W-), W the
    rows' draw counts: each positive outranks the negatives below its p and ties with half of those at its p.
    """
    _, group = np.unique(p, return_inverse=True)  # (N,) rank of each row's p among the distinct values
    n_groups = int(group.max()) + 1
    result = np.empty(len(times_drawn))
    for b, drawn in enumerate(times_drawn):
        weight = drawn[rows_of]  # (N,)
        positive = np.bincount(group, weights=weight * correct, minlength=n_groups)  # (G,)
        negative = np.bincount(group, weights=weight * (1 - correct), minlength=n_groups)  # (G,)
        below = np.cumsum(negative) - negative
        result[b] = np.sum(positive * (below + negative / 2)) / (positive.sum() * negative.sum())
    return result


def paired_difference(correct: np.ndarray, p: np.ndarray, p_other: np.ndarray, learner: np.ndarray, *,
                      resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict[str, float | list[float]]:
    """How sure the difference in AUC and accuracy between two models' predictions of the same rows is.

    Both are scored on each of ``resamples`` resamples of the learners, drawn with replacement
    (``bootstrap.group_bootstrap``); a learner's rows go together, because one learner's answers are not
    independent of each other. Returns each observed difference (p minus p_other) and the 2.5 and 97.5
    percentiles of its resampled values; the AUC's only when both classes are present.
    """
    correct = correct.astype(float)
    learners, rows_of = np.unique(learner, return_inverse=True)
    with_auc = len(np.unique(correct)) == 2

    def learner_hits(prediction: np.ndarray) -> np.ndarray:  # (L,) right calls per learner
        return np.bincount(rows_of, weights=(prediction >= 0.5) == (correct == 1), minlength=len(learners))

    hits_difference = learner_hits(p) - learner_hits(p_other)  # (L,)
    rows_per_learner = np.bincount(rows_of, minlength=len(learners))  # (L,)

    def differences(times_drawn: np.ndarray) -> np.ndarray:  # (B, L) -> (1 or 2, B): accuracy[, AUC]
        accuracy_resampled = times_drawn @ hits_difference / (times_drawn @ rows_per_learner)
        if not with_auc:
            return accuracy_resampled[None]
        auc_resampled = (_resampled_auc(correct, p, times_drawn, rows_of)
                         - _resampled_auc(correct, p_other, times_drawn, rows_of))
        return np.stack([accuracy_resampled, auc_resampled])

    resampled = group_bootstrap(differences, n_groups=len(learners), resamples=resamples, seed=seed)
    result: dict[str, float | list[float]] = {
        "accuracy_difference": accuracy(correct, p) - accuracy(correct, p_other),
        "accuracy_interval_95": percentile_interval(resampled[0]),
    }
    if with_auc:
        result |= {"auc_difference": auc(correct, p) - auc(correct, p_other),
                   "auc_interval_95": percentile_interval(resampled[1])}
    return result
