"""The learner-model interface and the small value types it speaks in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Belief:
    """z ~ N(mean, variance) on the logit scale, as of ``updated_at`` (None: the prior, never observed)."""

    mean: float
    variance: float
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Prediction:
    """Predicted probability of a correct answer, with the standard deviation of that probability."""

    p_correct: float
    sd: float


@dataclass(frozen=True)
class Mastery:
    """What a student or teacher sees: P(correct on an item of average difficulty) and a 90 % interval."""

    p: float
    low: float
    high: float
    observed: bool  # False: no answer on this concept yet, the numbers are the prior

    @property
    def uncertainty(self) -> float:
        return self.high - self.low


class LearnerModel(Protocol):
    name: str

    def prior(self) -> Belief:
        """Belief about a concept the learner has never practised."""

    def predict(self, belief: Belief, *, at: datetime) -> Belief:
        """Carry a belief forward to time ``at`` (knowledge becomes less certain as time passes)."""

    def update(self, beliefs: Sequence[Belief], *, difficulty: float, correct: bool, at: datetime) -> list[Belief]:
        """Posterior beliefs after one answer to an item exercising these concepts."""

    def p_correct(self, beliefs: Sequence[Belief], *, difficulty: float, at: datetime) -> Prediction:
        """Predicted chance of answering an item exercising these concepts correctly at ``at``."""

    def mastery(self, belief: Belief, *, at: datetime) -> Mastery:
        """The student-facing summary of one concept's belief at ``at``."""
