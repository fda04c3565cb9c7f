"""The practice policy: which concept a student practises next, and which item of it. It is the Planner's.

Pure decisions over plain data. The app asks it for every next item (``tutoring.selectors.practice_item_next``)
and the tutor's evaluation runs it on simulated learners (``llm.evaluate.planning``), so what is measured is what
students get. The policy sees the world through a ``PracticeView``: the concepts the learner could practise with
the learner model's belief about each (mastery now and REVIEW_HORIZON_DAYS ahead), the prerequisite graph, a
concept's items, and what the learner model expects one answer to an item to do.

Concept, in this order:

1. review: a concept the learner mastered (mastery >= MASTERED) that the retention forecast says will have fallen
   below MASTERED by REVIEW_HORIZON_DAYS from now (``ConceptOption.fading``), the one forecast lowest; not the
   concept of the item just answered, so that reviews are spaced rather than massed. Reviews can be turned off;
2. the Planner's path (``llm.agents.planner.concept_path_plan``): the weak concepts on the way to the goals (the
   session's focus, else every concept with items) covered by a greedy weighted set cover, prerequisites first;
   its first concept that has items. A concept whose practisable prerequisites are not all READY is never
   given: its weakest unready prerequisite is, recursively;
3. when nothing toward the goals is weak, the goal believed weakest.

Item: among the concept's items not seen recently (the last RECENT_ITEMS items answered, and the one on screen),
the one with the most expected gain, P(right) (mastery after a right answer - now) + P(wrong) (mastery after a
wrong answer - now) summed over the item's concepts (``ItemOutlook``), ties to the smaller id; when every item
was seen recently, the same over all of them.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import networkx as nx

from llm.agents.planner import MASTERY_TARGET, concept_path_plan
from llm.agents.schema import ConceptBelief

MASTERED = MASTERY_TARGET  # mastery at which a concept counts as learned: the Planner's target for goals
READY = 0.6  # prerequisite mastery at which a concept is ready to practise
RECENT_ITEMS = 8  # items not repeated within this many of the last items answered
# A mastered concept is reviewed when it would be lost within the week the retention forecast looks ahead, the same
# week teachers see (``knowledge.beliefs.RETENTION_DAYS``).
REVIEW_HORIZON_DAYS = 7.0


@dataclass(frozen=True)
class ConceptOption:
    """A concept the learner could practise (it has items), with the learner model's belief about it."""

    concept_id: int
    mastery: float
    uncertainty: float  # width of the 90 % interval of the mastery
    difficulty: float  # the concept's typical item difficulty, logit scale
    answers: int  # the learner's answers on it so far
    forecast: float  # the mastery REVIEW_HORIZON_DAYS from now without practice

    @property
    def fading(self) -> bool:
        """Mastered, answered, and forecast to fall below MASTERED within REVIEW_HORIZON_DAYS: due for review."""
        return self.answers > 0 and self.mastery >= MASTERED > self.forecast


@dataclass(frozen=True)
class ItemOutlook:
    """What one answer to an item is expected to do: P(right), and the change of the summed mastery of the item's
    concepts after a right and after a wrong answer."""

    success: float
    gain_right: float
    gain_wrong: float

    @property
    def expected_gain(self) -> float:
        return self.success * self.gain_right + (1 - self.success) * self.gain_wrong


def concept_ready(prerequisite_mastery: Iterable[float]) -> bool:
    """Whether a concept may be practised: the mastery of each of its prerequisites is at least READY."""
    return all(mastery >= READY for mastery in prerequisite_mastery)


class PracticeView(Protocol):
    """What the policy may ask: in the app the learner model and the item bank, in evaluation a simulation."""

    def concept_options(self) -> Sequence[ConceptOption]:
        """The concepts that have items, with the learner's beliefs."""
        ...

    def prerequisite_graph(self) -> nx.DiGraph:
        """The course's concepts, edges from prerequisite to concept."""
        ...

    def concept_items(self, concept_id: int) -> Sequence[int]:
        """The items of a concept that may be given."""
        ...

    def item_outlook(self, item_ids: Sequence[int]) -> Mapping[int, ItemOutlook]:
        """What one answer to each item is expected to do now (items the model does not know may be left out)."""
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


def practice_next(view: PracticeView, *, goals: Collection[int] | None, recent: Sequence[int],
                  current: int | None, reviews: bool = True) -> PracticeChoice:
    """The next concept and item (module docstring). ``goals``: the concepts to master (None: every concept with
    items); ``recent``: the items answered, newest first; ``current``: the item on screen; ``reviews``: whether
    fading concepts are reviewed. Raises NothingToPractise when there is nothing to give."""
    concept_id = practice_concept(view, goals=goals, last_item=recent[0] if recent else None, reviews=reviews)
    return PracticeChoice(concept_id=concept_id,
                          item_id=practice_item(view, concept_id=concept_id, recent=recent, current=current))


def practice_concept(view: PracticeView, *, goals: Collection[int] | None, last_item: int | None,
                     reviews: bool) -> int:
    """The concept ``practice_next`` gives next: a due review, else the Planner's next step (module docstring)."""
    options = {option.concept_id: option for option in view.concept_options()}
    if not options:
        raise NothingToPractise()
    due = review_due(view, options=options.values(), last_item=last_item) if reviews else None
    return due if due is not None else concept_plan_next(view, options=options, goals=goals)


def review_due(view: PracticeView, *, options: Iterable[ConceptOption], last_item: int | None) -> int | None:
    """The fading concept forecast lowest, leaving out the concept of the item just answered; None when none."""
    fading = sorted((o for o in options if o.fading), key=lambda o: (o.forecast, o.concept_id))
    return next((o.concept_id for o in fading if last_item not in view.concept_items(o.concept_id)), None)


def concept_plan_next(view: PracticeView, *, options: Mapping[int, ConceptOption],
                      goals: Collection[int] | None) -> int:
    """The first practisable concept of the Planner's path toward ``goals``, made ready (module docstring, 2-3)."""
    graph = view.prerequisite_graph()
    targets = [g for g in goals if g in options] if goals else list(options)
    if not targets:
        raise NothingToPractise(next(iter(goals)) if goals else None)
    beliefs = {c: ConceptBelief(concept_id=c, name=str(c), mastery=o.mastery, uncertainty=o.uncertainty,
                                difficulty=o.difficulty, answers=o.answers) for c, o in options.items()}
    path = [c for c in concept_path_plan(graph=graph, beliefs=beliefs, goals=targets, mastery_target=MASTERED)
            if c in options]
    first = path[0] if path else min(targets, key=lambda g: (options[g].mastery, g))
    return _made_ready(first, graph=graph, options=options)


def _made_ready(concept_id: int, *, graph: nx.DiGraph, options: Mapping[int, ConceptOption]) -> int:
    """The concept if its practisable prerequisites are all READY, else the same for its weakest unready one."""
    unready = [p for p in graph.predecessors(concept_id) if p in options and options[p].mastery < READY]
    if not unready:
        return concept_id
    weakest = min(unready, key=lambda p: (options[p].mastery, p))
    return _made_ready(weakest, graph=graph, options=options)


def practice_item(view: PracticeView, *, concept_id: int, recent: Sequence[int], current: int | None) -> int:
    """The item of the concept with the most expected gain among those not seen recently (module docstring)."""
    candidates = list(view.concept_items(concept_id))
    if not candidates:
        raise NothingToPractise(concept_id)
    recent_items = set(list(dict.fromkeys(recent))[:RECENT_ITEMS])
    pool = [item for item in candidates if item not in recent_items and item != current] or candidates
    outlook = view.item_outlook(pool)
    return max(pool, key=lambda item: (outlook[item].expected_gain if item in outlook else -math.inf, -item))
