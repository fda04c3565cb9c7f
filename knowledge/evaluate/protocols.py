"""Evaluation protocols: how a model is fitted and which rows it must predict from what.

- ``next-step``: fit on the train learners (valid learners for early stopping); predict every row of every test
  learner from that learner's full earlier history.
- ``psikt`` (the multi-step setting of Zhou et al. 2024): for each test learner with at least 20 interactions,
  history = the first 10, future = the next 10; predict the whole future from the history alone.
- ``continual``: the same learners and rows as ``psikt``, but they arrive one interaction at a time after the fit:
  in each of 10 rounds every learner's next interaction is predicted from all it has shown so far, then revealed.
  The model keeps the parameters of its fit and takes each round's interactions in through ``predict_future``
  (what the app does between refits); ``update_seconds`` is the rounds' cumulative time, beside the fit's
  ``fit_seconds``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from knowledge.evaluate import metrics
from knowledge.evaluate.datasets import Interactions
from knowledge.evaluate.kt_model import KTModel, TraitModel

PROTOCOLS = ("next-step", "psikt", "continual")
HISTORY_LENGTH = 10
FUTURE_LENGTH = 10


@dataclass(frozen=True)
class Evaluation:
    """One model's predictions on one protocol, with the rows they are for."""

    correct: np.ndarray  # (M,) observed answers of the scored rows
    p: np.ndarray  # (M,) predicted P(correct)
    learner: np.ndarray  # (M,) learner of each scored row (for the equity metrics)
    fit_seconds: float
    update_seconds: float | None = None  # continual: the rounds' cumulative time
    traits: dict[str, np.ndarray] | None = None  # a TraitModel's learner_traits() after its fit

    def scores(self) -> dict:
        scores = {**metrics.score(self.correct, self.p, self.learner), "fit_seconds": self.fit_seconds}
        return scores if self.update_seconds is None else {**scores, "update_seconds": self.update_seconds}


def scored_rows(protocol: str, test: Interactions) -> tuple[Interactions, Interactions | None]:
    """(rows to score, history they are predicted from: None for next-step, where each row's history is in test)."""
    if protocol == "next-step":
        return test, None
    learners = _long_enough(test)
    return learners.window(HISTORY_LENGTH, HISTORY_LENGTH + FUTURE_LENGTH), learners.window(0, HISTORY_LENGTH)


def _long_enough(test: Interactions) -> Interactions:
    """The test learners with a history and a whole future."""
    return test.take_learners(np.flatnonzero(np.diff(test.learner_starts()) >= HISTORY_LENGTH + FUTURE_LENGTH))


def continual_rounds(model: KTModel, test: Interactions) -> tuple[list[Interactions], list[np.ndarray], float]:
    """The ``continual`` protocol's rounds: (each round's rows, their predictions, cumulative seconds)."""
    learners = _long_enough(test)
    rows, predictions = [], []
    started = time.perf_counter()
    for shown in range(HISTORY_LENGTH, HISTORY_LENGTH + FUTURE_LENGTH):
        coming = learners.window(shown, shown + 1)
        predictions.append(np.asarray(model.predict_future(learners.window(0, shown), coming), dtype=np.float64))
        rows.append(coming)
    return rows, predictions, time.perf_counter() - started


def evaluate(model: KTModel, protocol: str, train: Interactions, valid: Interactions,
             test: Interactions) -> Evaluation:
    """Fit ``model`` on train (+ valid) and score it on the test learners under ``protocol``."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {', '.join(PROTOCOLS)}")
    started = time.perf_counter()
    model.fit(train, valid)
    fit_seconds = time.perf_counter() - started
    traits = model.learner_traits() if isinstance(model, TraitModel) else None
    if protocol == "continual":
        rows, predictions, update_seconds = continual_rounds(model, test)
        return Evaluation(correct=np.concatenate([r.correct for r in rows]), p=np.concatenate(predictions),
                          learner=np.concatenate([r.learner for r in rows]), fit_seconds=fit_seconds,
                          update_seconds=update_seconds, traits=traits)
    target, history = scored_rows(protocol, test)
    p = model.predict_next_step(target) if history is None else model.predict_future(history, target)
    return Evaluation(correct=target.correct, p=np.asarray(p, dtype=np.float64), learner=target.learner,
                      fit_seconds=fit_seconds, traits=traits)
