"""The practice policy: which concept a student practises next, and which item of it.

Pure decisions over plain data. The app asks it for every next item (``tutoring.selectors.practice_item_next``)
and the tutor's evaluation runs it on simulated learners (``llm.evaluate.planning``), so what is measured is what
students get. The policy sees the world through a ``PracticeView``: the concepts the learner could practise with
the learner model's belief about each, a concept's items, and P(right) on items.

Concept: the session's focus if it has one; otherwise, among concepts whose prerequisites are ready and that are
not yet mastered, the one with the most to gain (1 - mastery) plus a bonus for uncertainty; when everything is
mastered, the most uncertain concept (review). Item: among the concept's items not seen recently (the last
RECENT_ITEMS items answered, and the one on screen), the one whose predicted success is closest to TARGET_SUCCESS;
when every item was seen recently, any of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

MASTERED = 0.85  # mastery at which a concept counts as learned
READY = 0.6  # prerequisite mastery at which a concept is ready to practise
TARGET_SUCCESS = 0.7  # the success rate items are aimed at: hard enough to learn from
RECENT_ITEMS = 8  # items not repeated within this many of the last items answered


@dataclass(frozen=True)
class ConceptOption:
    """A concept the learner could practise (it has items), with the learner model's belief about it."""

    concept_id: int
    mastery: float
    uncertainty: float  # width of the 90 % interval of the mastery
    ready: bool  # every prerequisite is at least READY


def concept_ready(prerequisite_mastery: Iterable[float]) -> bool:
    """Whether a concept may be practised: the mastery of each of its prerequisites is at least READY."""
    return all(mastery >= READY for mastery in prerequisite_mastery)


class PracticeView(Protocol):
    """What the policy may ask: in the app the learner model and the item bank, in evaluation a simulation."""

    def concept_options(self) -> Sequence[ConceptOption]:
        """The concepts that have items, with the learner's beliefs."""
        ...

    def concept_items(self, concept_id: int) -> Sequence[int]:
        """The items of a concept that may be given."""
        ...

    def item_success(self, item_ids: Sequence[int]) -> Mapping[int, float]:
        """P(right) on each item now (items the model does not know may be left out)."""
        ...


class NothingToPractise(LookupError):
    """Nothing to give: the course has no items (``concept_id`` None), or the chosen concept has none."""

    def __init__(self, concept_id: int | None = None):
        self.concept_id = concept_id
        super().__init__("no items to practise" if concept_id is None else f"no items of concept {concept_id}")


@dataclass(frozen=True)
class PracticeChoice:
    concept_id: int
    item_id: int


def practice_next(view: PracticeView, *, focus: int | None, recent: Sequence[int], current: int | None,
                  rng: random.Random) -> PracticeChoice:
    """The next concept and item (module docstring). ``recent``: the items answered, newest first; ``current``: the
    item on screen. Raises NothingToPractise when there is nothing to give."""
    concept_id = focus if focus is not None else concept_choose(view.concept_options(), rng=rng)
    candidates = list(view.concept_items(concept_id))
    if not candidates:
        raise NothingToPractise(concept_id)
    recent_items = list(dict.fromkeys(recent))[:RECENT_ITEMS]
    fresh = [item for item in candidates if item not in recent_items and item != current]
    pool = fresh or candidates
    success = view.item_success(pool)
    item_id = min(pool, key=lambda item: abs(success.get(item, TARGET_SUCCESS) - TARGET_SUCCESS) + 0.02 * rng.random())
    return PracticeChoice(concept_id=concept_id, item_id=item_id)


def concept_choose(options: Sequence[ConceptOption], *, rng: random.Random) -> int:
    """The concept to practise when the student has not picked one (module docstring)."""
    if not options:
        raise NothingToPractise()
    open_concepts = [c for c in options if c.ready and c.mastery < MASTERED]
    if open_concepts:
        return max(open_concepts, key=lambda c: (1 - c.mastery) + 0.5 * c.uncertainty + 0.01 * rng.random()
                   ).concept_id
    return max(options, key=lambda c: c.uncertainty + 0.01 * rng.random()).concept_id
