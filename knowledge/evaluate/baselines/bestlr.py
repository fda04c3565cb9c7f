r"""Best-LR (Gervet, Koedinger, Schneider & Mitchell 2020, "When is deep learning the best approach to knowledge
tracing?"): logistic regression on item and skill indicators plus counts of the learner's earlier practice.

For row n of learner l on item i with skill k,

    logit P(y_n = 1) = w_0 + w_item[i] + w_skill[k]
                       + \sum_{c \in \{attempts, successes, failures\}} ( v_c log(1 + c_{l,k}) + u_c log(1 + c_l) )

where c_{l,k} counts l's earlier rows on skill k and c_l all of l's earlier rows. Learning is visible to the model
only through those counts, so a row never uses its own answer. The design matrix is scipy-sparse; the fit is
scikit-learn's L2-regularised logistic regression.

For the future of a learner (answers unseen) the counts stay where the history left them: the successes and
failures of unseen answers are unknown, and attempts without outcomes would be outside anything seen in training.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from sklearn.linear_model import LogisticRegression

from knowledge.evaluate.datasets import Interactions, concat


def prior_counts(group: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(attempts, successes) of the same group strictly before each row; rows are in time order within a group."""
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    first_of_row = np.repeat(starts, np.diff(np.r_[starts, len(group)]))  # (N,) sorted position of group start
    successes_inclusive = np.cumsum(correct[order])
    before_group = np.r_[0, successes_inclusive][first_of_row]
    attempts = np.empty(len(group), dtype=np.int64)
    successes = np.empty(len(group), dtype=np.int64)
    attempts[order] = np.arange(len(group)) - first_of_row
    successes[order] = successes_inclusive - correct[order] - before_group
    return attempts, successes


def design_matrix(item: np.ndarray, skill: np.ndarray, skill_counts: tuple[np.ndarray, np.ndarray],
                  total_counts: tuple[np.ndarray, np.ndarray], n_items: int, n_skills: int) -> scipy.sparse.csr_matrix:
    """(N, n_items + n_skills + 6): one-hot item, one-hot skill, log(1 + attempts/successes/failures) per skill
    of the row and overall."""
    n = len(item)
    rows = np.arange(n)
    one_hot = scipy.sparse.csr_matrix((np.ones(2 * n), (np.r_[rows, rows], np.r_[item, n_items + skill])),
                                      shape=(n, n_items + n_skills))
    counts = []
    for attempts, successes in (skill_counts, total_counts):
        counts += [attempts, successes, attempts - successes]
    return scipy.sparse.hstack([one_hot, scipy.sparse.csr_matrix(np.log1p(np.stack(counts, axis=1)))]).tocsr()


class BestLR:
    """Best-LR: item + skill + practice-count logistic regression, fitted on train and valid together."""

    name = "bestlr"

    def __init__(self, *, seed: int = 0, regularisation: float = 1.0):
        self.seed = seed
        self.regularisation = regularisation
        self.model: LogisticRegression | None = None

    def fit(self, train: Interactions, valid: Interactions | None) -> None:
        data = train if valid is None or len(valid) == 0 else concat(train, valid)
        self.model = LogisticRegression(C=self.regularisation, max_iter=2000, random_state=self.seed)
        self.model.fit(self._next_step_features(data), data.correct)

    def predict_next_step(self, data: Interactions) -> np.ndarray:
        return self.model.predict_proba(self._next_step_features(data))[:, 1]

    def predict_future(self, history: Interactions, future: Interactions) -> np.ndarray:
        skill_counts = _counts_after(history.learner * history.n_skills + history.skill, history.correct,
                                     future.learner * future.n_skills + future.skill)
        total_counts = _counts_after(history.learner, history.correct, future.learner)
        features = design_matrix(future.item, future.skill, skill_counts, total_counts, future.n_items,
                                 future.n_skills)
        return self.model.predict_proba(features)[:, 1]

    @staticmethod
    def _next_step_features(data: Interactions) -> scipy.sparse.csr_matrix:
        skill_counts = prior_counts(data.learner * data.n_skills + data.skill, data.correct)
        total_counts = prior_counts(data.learner, data.correct)
        return design_matrix(data.item, data.skill, skill_counts, total_counts, data.n_items, data.n_skills)


def _counts_after(history_group: np.ndarray, history_correct: np.ndarray,
                  query_group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(attempts, successes) of each query row's group over the whole history (0 for a group never seen)."""
    groups, group_of_row = np.unique(history_group, return_inverse=True)
    attempts = np.bincount(group_of_row, minlength=len(groups))
    successes = np.bincount(group_of_row, weights=history_correct, minlength=len(groups)).astype(np.int64)
    found = np.searchsorted(groups, query_group)
    found = np.minimum(found, max(len(groups) - 1, 0))
    seen = (groups[found] == query_group) if len(groups) else np.zeros(len(query_group), dtype=bool)
    return np.where(seen, attempts[found], 0), np.where(seen, successes[found], 0)
