"""PSI-KT in the evaluation harness: Interactions in, the learner model's cohort fit and online filter out.

Time is in days when the data has timestamps (seconds / 86400); otherwise one interaction is one unit.
A row's concept is its ``skill``, as for every other model of the harness: in ``flat`` data that is the row's
skill set, which names exactly one combination of Q-matrix concepts.
The data sets come without a prerequisite graph, so transfer can only run along candidate edges, as in the app's
refit, which weighs them beside the curated graph: the ``EDGE_CANDIDATES`` pairs j -> k that the most learners
(at least ``EDGE_CANDIDATE_LEARNERS``) practised in that order (``edge_candidates``), under the candidate prior.

Two fits, as DKT stops on its validation split and every baseline then fits on train and valid together:

1. on the train learners, with early stopping on the valid learners' next-step log-loss (checks every
   ``CHECK_EVERY`` steps from ``FIRST_CHECK_STEP`` up to ``steps``, patience ``PATIENCE``; each check predicts the
   valid learners' first ``CHECK_ANSWERS`` answers, so that its cost does not grow with the longest history);
2. on train and valid together, for the steps of the best check.

Test learners are new to the filter (see ``knowledge.learner.filter.filter_run``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from knowledge.evaluate import metrics
from knowledge.evaluate.datasets import Interactions, concat
from knowledge.learner.data import Answers
from knowledge.learner.edges import CANDIDATE_EDGE_PRIOR, edge_candidates
from knowledge.learner.filter import filter_run
from knowledge.learner.model import Cohort, cohort_fit
from knowledge.learner.posterior import Posterior

SECONDS_PER_DAY = 86400.0
LEARNING_RATE = 0.06  # SVI's first step size; it shrinks by STEP_SIZE_DECAY per step
# Early stopping looks from this step on: before it the fit is still leaving its starting point, where a passing
# rise of the valid loss is not overfitting.
FIRST_CHECK_STEP = 200
CHECK_EVERY = 50
# Checks without a new best before the fit stops: SVI's valid loss zigzags by a few thousandths from check to check.
PATIENCE = 4
CHECK_ANSWERS = 500
EDGE_CANDIDATES = 20
# Learners who must have practised j before k for j -> k to be a candidate edge, so that its weight stands on several
# learners' answers.
EDGE_CANDIDATE_LEARNERS = 10


def interactions_answers(*parts: Interactions) -> Answers:
    """The rows of ``parts`` (of one data set, learner ids as they are), in order, as the learner model's answers.

    With timestamps, time is in days since the parts' first answer: one origin for all of them, so that the gap
    between a learner's rows in different parts is kept (float32 days since 1970 would round gaps to a minute).
    """
    def rows(field: str) -> np.ndarray:
        return np.concatenate([getattr(part, field) for part in parts])

    time = rows("time")
    if parts[0].has_time and len(time):
        time = (time - time.min()) / SECONDS_PER_DAY
    return Answers(
        learner=torch.as_tensor(rows("learner"), dtype=torch.long),
        item=torch.as_tensor(rows("item"), dtype=torch.long),
        concept=torch.as_tensor(rows("skill"), dtype=torch.long),
        time=torch.as_tensor(time, dtype=torch.float32),
        correct=torch.as_tensor(rows("correct"), dtype=torch.float32),
    )


def item_concepts(data: Interactions) -> torch.Tensor:
    """The most frequent concept of each item (items never seen: concept 0; their difficulty is not used)."""
    pairs = np.zeros((data.n_items, data.n_skills), dtype=np.int64)
    np.add.at(pairs, (data.item, data.skill), 1)
    return torch.as_tensor(pairs.argmax(axis=1), dtype=torch.long)


def interactions_cohort(data: Interactions) -> Cohort:
    """The cohort the learner model fits, from harness data."""
    return Cohort(answers=interactions_answers(data), item_concept=item_concepts(data), n_learners=data.n_learners,
                  n_items=data.n_items, n_concepts=data.n_skills)


def candidate_edges_added(cohort: Cohort, edges: torch.Tensor | None = None) -> Cohort:
    """The cohort with candidate edges under the candidate prior: ``edges`` (C, 2), or its own (see the module
    docstring)."""
    if edges is None:
        edges = edge_candidates(answers=cohort.answers, edges=torch.zeros((0, 2), dtype=torch.long),
                                n_concepts=cohort.n_concepts, most=EDGE_CANDIDATES,
                                least_learners=EDGE_CANDIDATE_LEARNERS)
    return replace(cohort, edges=edges, edge_prior=torch.full((len(edges),), CANDIDATE_EDGE_PRIOR))


def next_step_predictions(posterior: Posterior, data: Interactions) -> np.ndarray:
    """P(correct) of every row, each predicted from the learner's earlier rows (all of them observed)."""
    with torch.no_grad():
        observe = torch.ones(len(data), dtype=torch.bool)
        prediction, _ = filter_run(posterior, interactions_answers(data), observe=observe)
    return prediction.numpy()


class PsiKT:
    """``steps``: the most SVI steps of the first fit; without a valid split, the one fit runs all of them."""

    name = "psikt"

    def __init__(self, *, seed: int = 0, steps: int = 1000):
        self.seed = seed
        self.steps = steps
        self.posterior: Posterior | None = None
        self.success_rate: np.ndarray | None = None  # (L,) of the fitted learners

    def fit(self, train: Interactions, valid: Interactions | None) -> None:
        if valid is None or len(valid) == 0:
            self.success_rate = metrics.learner_success_rate(train.correct, train.learner)
            self.posterior = cohort_fit(candidate_edges_added(interactions_cohort(train)), steps=self.steps,
                                        learning_rate=LEARNING_RATE, seed=self.seed)
            return
        best, steps = self._best_on_valid(train, valid)
        both = concat(train, valid)
        self.success_rate = metrics.learner_success_rate(both.correct, both.learner)
        self.posterior = cohort_fit(candidate_edges_added(interactions_cohort(both), best.edges), steps=steps,
                                    learning_rate=LEARNING_RATE, seed=self.seed)

    def _best_on_valid(self, train: Interactions, valid: Interactions) -> tuple[Posterior, int]:
        """The train fit's posterior that predicts the valid learners best, and its step count; the fit on train and
        valid keeps its candidate edges."""
        checked = valid.window(0, CHECK_ANSWERS)
        checks = []

        def validate(posterior: Posterior, done: int) -> float:
            checks.append((metrics.logloss(checked.correct, next_step_predictions(posterior, checked)), done))
            return checks[-1][0]

        best = cohort_fit(candidate_edges_added(interactions_cohort(train)), steps=self.steps,
                          learning_rate=LEARNING_RATE, seed=self.seed, validate=validate,
                          validate_every=CHECK_EVERY, validate_from=FIRST_CHECK_STEP, patience=PATIENCE)
        return best, min(checks)[1]

    def predict_next_step(self, data: Interactions) -> np.ndarray:
        return next_step_predictions(self.posterior, data)

    def learner_traits(self) -> dict[str, np.ndarray]:
        """Each fitted learner's traits (posterior medians; see ``knowledge.learner.posterior``)."""
        traits = self.posterior.traits.numpy()  # (L, 3) log alpha, mu, log sigma
        return {"log α (forgetting rate)": traits[:, 0], "μ (long-term level)": traits[:, 1],
                "log σ (volatility)": traits[:, 2], "success_rate": self.success_rate}

    def predict_future(self, history: Interactions, future: Interactions) -> np.ndarray:
        # Within a learner the filter goes by row order, and every history row precedes the future rows.
        answers = interactions_answers(history, future)
        observe = torch.cat([torch.ones(len(history), dtype=torch.bool), torch.zeros(len(future), dtype=torch.bool)])
        with torch.no_grad():
            prediction, _ = filter_run(self.posterior, answers, observe=observe)
        return prediction[len(history):].numpy()
