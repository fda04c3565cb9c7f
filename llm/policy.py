"""The practice policy: which concept a student practises next, and which item of it. It is the Planner's.

Pure decisions over plain data. The app asks it for every next item (``tutoring.selectors.practice_item_next``)
and the tutor's evaluation runs it on simulated learners (``llm.evaluate.planning``), so what is measured is what
students get. The policy sees the world through a ``PracticeView``: the concepts the learner could practise with
the learner model's belief about each (mastery now and REVIEW_HORIZON_DAYS ahead), the prerequisite graph, a
concept's items, and what the learner model expects one answer to an item to do.

Concept, in this order:

1. review: a concept the goals need (the goals and their ancestors: ``concept_targets``) that stands at its target
   now but that the retention forecast says will have fallen below it by REVIEW_HORIZON_DAYS from now
   (``ConceptOption.fading``), the one forecast furthest below its target; not the concept of the item just
   answered, so that reviews are spaced rather than massed. The target is the Planner's: MASTERED for a goal,
   PREREQUISITE_TARGET for a prerequisite, which needs to stay solid enough to carry what is built on it, not
   mastered. So a review serves progress as well as retention (a prerequisite kept ready keeps the practice above
   it paying), and a concept the goals do not need costs no review items on the way to them; without a focus every
   concept is a goal, held to MASTERED. Reviews can be turned off;
2. the Planner's path (``llm.agents.planner.concept_path_plan``): the weak concepts on the way to the goals (the
   session's focus, else every concept with items) covered by a greedy weighted set cover. A concept whose
   practisable prerequisites are not all READY is never given: its weakest unready prerequisite is, recursively.
   Of the path's concepts so made ready, prerequisites first, the first that is at least EXERCISE_MARGIN below its
   target, else the one furthest below it: each answer on a concept builds less than the one before (the power law
   of practice: gains grow with log(1 + answers)), so a concept nearly at its target waits while others are
   further from theirs, rather than being worked to the end while the last answers move it little;
3. when nothing toward the goals is weak, the goal believed weakest (made ready).

These choices were checked on both of the evaluation's graphs (the demo course and the Junyi subgraph), on
simulated learners from the population fitted to real answers and from the former hand-set one
(``llm.evaluate.planning``).

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

from llm.agents.planner import EXERCISE_MARGIN, MASTERY_TARGET, PREREQUISITE_TARGET, concept_path_plan
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

    def fading(self, target: float) -> bool:
        """Answered, at ``target`` now, and forecast to fall below it within REVIEW_HORIZON_DAYS: due for review."""
        return self.answers > 0 and self.mastery >= target > self.forecast


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
    due = None
    if reviews:
        targets = concept_targets(view.prerequisite_graph(), options=options, goals=goals)
        due = review_due(view, options=options, targets=targets, last_item=last_item)
    return due if due is not None else concept_plan_next(view, options=options, goals=goals)


def concept_targets(graph: nx.DiGraph, *, options: Mapping[int, ConceptOption],
                    goals: Collection[int] | None) -> dict[int, float]:
    """The mastery each practisable concept the goals need is held to, as the Planner holds it: MASTERED for a
    goal (``goals``, None: every concept), PREREQUISITE_TARGET for the goals' other ancestors."""
    goal_ids = {g for g in goals if g in options} if goals else set(options)
    known = [g for g in goal_ids if g in graph]
    region = goal_ids.union(*(nx.ancestors(graph, g) for g in known))
    return {c: MASTERED if c in goal_ids else PREREQUISITE_TARGET for c in region if c in options}


def review_due(view: PracticeView, *, options: Mapping[int, ConceptOption], targets: Mapping[int, float],
               last_item: int | None) -> int | None:
    """The concept the goals need that is fading below its target, forecast furthest below it, leaving out the
    concept of the item just answered; None when none."""
    fading = sorted((c for c, target in targets.items() if options[c].fading(target)),
                    key=lambda c: (options[c].forecast - targets[c], c))
    return next((c for c in fading if last_item not in view.concept_items(c)), None)


def concept_plan_next(view: PracticeView, *, options: Mapping[int, ConceptOption],
                      goals: Collection[int] | None) -> int:
    """The concept of the Planner's path toward ``goals`` to practise now, made ready (module docstring, 2-3)."""
    graph = view.prerequisite_graph()
    targets = [g for g in goals if g in options] if goals else list(options)
    if not targets:
        raise NothingToPractise(next(iter(goals)) if goals else None)
    beliefs = {c: ConceptBelief(concept_id=c, name=str(c), mastery=o.mastery, uncertainty=o.uncertainty,
                                difficulty=o.difficulty, answers=o.answers) for c, o in options.items()}
    path = [c for c in concept_path_plan(graph=graph, beliefs=beliefs, goals=targets, mastery_target=MASTERED)
            if c in options]
    if not path:
        return _made_ready(min(targets, key=lambda g: (options[g].mastery, g)), graph=graph, options=options)
    # Each answer on a concept builds less than the one before (the power law of practice), so a concept within
    # EXERCISE_MARGIN of its target waits while the path has concepts further from theirs.
    ready = list(dict.fromkeys(_made_ready(c, graph=graph, options=options) for c in path))
    goal_set = set(targets)

    def gap(c: int) -> float:
        return (MASTERED if c in goal_set else PREREQUISITE_TARGET) - options[c].mastery

    far = [c for c in ready if gap(c) >= EXERCISE_MARGIN]
    return far[0] if far else max(ready, key=gap)


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
