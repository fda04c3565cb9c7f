"""What the protocols ask of a knowledge-tracing model."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from knowledge.evaluate.datasets import Interactions


class KTModel(Protocol):
    """A knowledge-tracing model as the harness sees it.

    ``predict_next_step``: P(correct) of each row of ``data`` given that learner's earlier rows in ``data``.
    ``predict_future``: P(correct) of each row of ``future`` given only ``history`` (learner ids refer to the same
    learners in both); the answers in ``future`` must not be read.
    """

    name: str

    def fit(self, train: Interactions, valid: Interactions | None) -> None: ...

    def predict_next_step(self, data: Interactions) -> np.ndarray: ...

    def predict_future(self, history: Interactions, future: Interactions) -> np.ndarray: ...


@runtime_checkable
class TraitModel(Protocol):
    """A model whose fitted learners have traits a teacher can read; the harness plots them (``traits.png``).

    ``learner_traits``: after the fit, one array (L,) over the fitted learners per trait, keyed by the trait's
    name as a plot's axis shows it, and ``success_rate`` (L,), each learner's share of right answers in the fit.
    """

    def learner_traits(self) -> dict[str, np.ndarray]: ...
