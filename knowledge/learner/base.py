"""The value types the learner model speaks in to the rest of the app."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mastery:
    """What a student or teacher sees: P(right on a typical item of the concept) and a 90 % interval, from what the
    learner knows; how their last few answers went (the learner model's recency term) is left out, so that an
    answer on one concept does not swing the mastery of all the others."""

    p: float
    low: float
    high: float
    observed: bool  # False: no answer on this concept yet, the numbers come from the learner's level alone

    @property
    def uncertainty(self) -> float:
        return self.high - self.low
