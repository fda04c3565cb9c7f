"""The plain values the learner model speaks in to the rest of Cairn: no tensors, no tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Mastery:
    """What a student or teacher sees: the chance of a right answer on a typical item of the concept, from what the
    evidence says the learner knows (the median of the learner model's belief), with a 90 % interval. Practice
    exposure and how the last few answers went are left out: mastery never rises on a wrong answer, nor falls on a
    right one (``knowledge.learner.filter``)."""

    p: float
    low: float
    high: float
    observed: bool  # False: no answer on this concept yet, inferred from the learner's level and prerequisites

    @property
    def uncertainty(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class AnswerOutlook:
    """What one answer to an item would do: P(right) now, and the mastery (``Mastery.p``) of each of the item's
    concepts now, after a right answer and after a wrong one (concept id -> mastery)."""

    success: float
    now: dict[int, float]
    after_right: dict[int, float]
    after_wrong: dict[int, float]


@dataclass(frozen=True)
class ItemEvidence:
    """What the learner model knows of an item, handed in by the session domain that owns items: the concepts it
    exercises (in any order: the model takes the one latest in teaching order as the main one) and its authored
    difficulty (logit scale), which the model starts from until a cohort fit has seen the item answered."""

    item_id: int
    concept_ids: tuple[int, ...]
    difficulty: float


@dataclass(frozen=True)
class AnswerRecord:
    """One stored answer, handed to a refit. ``answer_id`` grows with every answer stored: it orders answers given
    at the same moment and tells how far a fit has read."""

    answer_id: int
    learner_id: int
    item_id: int
    at: datetime
    correct: bool


@dataclass(frozen=True)
class ConceptEvidence:
    """What the tutor's agents may know of one concept for one learner."""

    concept_id: int
    mastery: Mastery
    difficulty: float  # the concept's typical item difficulty, logit scale
    answers: int  # the learner's answers on items with this concept


@dataclass(frozen=True)
class SuggestedEdge:
    """A prerequisite edge the active fit suggests adding, with the evidence a curator reads."""

    prerequisite_id: int
    prerequisite_name: str
    concept_id: int
    concept_name: str
    score: float  # fitted transfer rate gamma w along the edge
    evidence: dict
    closes_cycle: bool  # the graph would refuse it as it stands
