"""The baseline the Planner replaced in the app: a concept-by-concept heuristic, kept to measure against.

Concept: among concepts whose prerequisites are all at least READY and that are not yet mastered (HEURISTIC_MASTERED),
the one with the most to gain (1 - mastery) plus a bonus for uncertainty; when everything is mastered, the most
uncertain concept. Item: among the concept's items not seen recently (the last RECENT_ITEMS items answered, and the
one on screen), the one whose predicted success is closest to TARGET_SUCCESS; when every item was seen recently,
any of them. Small random jitter breaks ties.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from llm.policy import RECENT_ITEMS

HEURISTIC_MASTERED = 0.85  # mastery at which the heuristic counts a concept as learned
TARGET_SUCCESS = 0.7  # the success rate items are aimed at: hard enough to learn from


@dataclass(frozen=True)
class HeuristicOption:
    """A concept the learner could practise, with the belief the heuristic reads."""

    concept_id: int
    mastery: float
    uncertainty: float  # width of the 90 % interval of the mastery
    ready: bool  # every prerequisite is at least READY


def heuristic_concept(options: Sequence[HeuristicOption], *, rng: random.Random) -> int:
    """The concept to practise (module docstring)."""
    open_concepts = [c for c in options if c.ready and c.mastery < HEURISTIC_MASTERED]
    if open_concepts:
        return max(open_concepts, key=lambda c: (1 - c.mastery) + 0.5 * c.uncertainty + 0.01 * rng.random()
                   ).concept_id
    return max(options, key=lambda c: c.uncertainty + 0.01 * rng.random()).concept_id


def heuristic_item(candidates: Sequence[int], *, success: Mapping[int, float], recent: Sequence[int],
                   current: int | None, rng: random.Random) -> int:
    """The item of the concept aimed at TARGET_SUCCESS among those not seen recently (module docstring)."""
    recent_items = list(dict.fromkeys(recent))[:RECENT_ITEMS]
    pool = [item for item in candidates if item not in recent_items and item != current] or list(candidates)
    return min(pool, key=lambda item: abs(success.get(item, TARGET_SUCCESS) - TARGET_SUCCESS) + 0.02 * rng.random())
