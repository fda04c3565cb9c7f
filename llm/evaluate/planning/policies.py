"""How each policy picks the next item, and what it takes in from the answer (package docstring, the policies).

The belief-driven policies (planner, planner_no_review, fsrs, heuristic) read the online filter of
``knowledge.learner.filter`` over ``course_posterior``; the topological one reads only whether the answers were right.
The planner policies ask ``llm.policy`` itself, through a ``PracticeView`` of each simulated learner: first the
concept (``practice_concept``) for every learner, then, with what one answer to each item of those concepts would do
computed for all learners at once, the item (``practice_item``); ``practice_next`` is exactly these two steps.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import networkx as nx
import torch
from fsrs import Card, Rating, Scheduler

from knowledge.learner.filter import FilterState, filter_mastery, filter_start, filter_step, filter_success
from llm.evaluate.planning.courses import PlanningCourse
from llm.evaluate.planning.heuristic import HeuristicOption, heuristic_concept, heuristic_item
from llm.evaluate.planning.learners import Population, course_posterior
from llm.policy import (
    MASTERED,
    REVIEW_HORIZON_DAYS,
    ConceptOption,
    ItemOutlook,
    concept_ready,
    practice_concept,
    practice_item,
)

POLICIES = ("planner", "heuristic", "topological", "planner_no_review", "fsrs")
STREAK = 3
CALENDAR_START = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)  # the simulated day 0, for the FSRS scheduler's dates


class Policy(Protocol):
    """What the simulation asks of a policy, for the learners ``who`` (n,) still practising."""

    def pick(self, who: torch.Tensor, *, step: int, time: float,
             item_draw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Concept and item (n,) for each learner; ``item_draw`` (n,) ~ U(0, 1), for a policy that draws its item."""

    def observe(self, who: torch.Tensor, *, concept: torch.Tensor, item: torch.Tensor, correct: torch.Tensor,
                time: float) -> None:
        """Take in the answers (``correct`` (n,), 1 or 0) given at ``time``."""


def policy_start(name: str, *, course: PlanningCourse, population: Population, n_learners: int,
                 seed: int) -> Policy:
    """The policy called ``name`` (one of POLICIES), before any answer; the belief-driven ones' filter knows the
    ``population`` (``course_posterior``)."""
    if name == "topological":
        return TopologicalPolicy(course, n_learners=n_learners)
    if name == "planner":
        return PlannerPolicy(course, population, n_learners=n_learners, reviews=True)
    if name == "planner_no_review":
        return PlannerPolicy(course, population, n_learners=n_learners, reviews=False)
    if name == "fsrs":
        return FsrsPolicy(course, population, n_learners=n_learners)
    if name == "heuristic":
        return HeuristicPolicy(course, population, n_learners=n_learners, seed=seed)
    raise ValueError(f"unknown policy {name!r}")


def concept_items(course: PlanningCourse) -> torch.Tensor:
    """(K, J): the items of each concept, padded with -1."""
    n_concepts = len(course.names)
    per_concept = torch.bincount(course.item_concept, minlength=n_concepts)
    table = torch.full((n_concepts, int(per_concept.max())), -1)
    for k in range(n_concepts):
        members = torch.nonzero(course.item_concept == k).squeeze(1)
        table[k, : len(members)] = members
    return table


class TopologicalPolicy:
    """The concepts in a fixed topological order, a random item of the concept at a time, moving on after STREAK
    right in a row, starting over after the last."""

    def __init__(self, course: PlanningCourse, *, n_learners: int):
        self.order = torch.tensor(list(nx.lexicographical_topological_sort(course.graph)))
        self.items = concept_items(course)
        self.per_concept = torch.bincount(course.item_concept, minlength=len(course.names))
        self.position = torch.zeros(n_learners, dtype=torch.long)
        self.streak = torch.zeros(n_learners, dtype=torch.long)

    def pick(self, who: torch.Tensor, *, step: int, time: float,
             item_draw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        concept = self.order[self.position[who]]
        draw = (item_draw * self.per_concept[concept]).long()
        return concept, self.items[concept, draw]

    def observe(self, who: torch.Tensor, *, concept: torch.Tensor, item: torch.Tensor, correct: torch.Tensor,
                time: float) -> None:
        streak = torch.where(correct > 0, self.streak[who] + 1, 0)
        moved = streak >= STREAK
        self.position[who] = torch.where(moved, (self.position[who] + 1) % len(self.order), self.position[who])
        self.streak[who] = torch.where(moved, 0, streak)


class _BeliefPolicy:
    """A policy that reads the filter's beliefs; the filter takes in every answer. Keeps each learner's items,
    newest first."""

    def __init__(self, course: PlanningCourse, population: Population, *, n_learners: int):
        self.course = course
        self.posterior = course_posterior(course, population)
        self.state = filter_start(self.posterior, n_learners=n_learners)
        self.items = concept_items(course)
        self.items_of = {k: [item for item in self.items[k].tolist() if item >= 0] for k in range(len(course.names))}
        self.answered: list[list[int]] = [[] for _ in range(n_learners)]

    def observe(self, who: torch.Tensor, *, concept: torch.Tensor, item: torch.Tensor, correct: torch.Tensor,
                time: float) -> None:
        filter_step(self.posterior, self.state, who=who, concept=concept, difficulty=self.course.item_difficulty[item],
                    time=torch.full((len(who),), time), correct=correct,
                    observe=torch.ones(len(who), dtype=torch.bool))
        for learner, given in zip(who.tolist(), item.tolist(), strict=True):
            self.answered[learner].insert(0, given)

    def mastery_at(self, who: torch.Tensor, *, time: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Believed mastery (n, K) at ``time`` on a typical item of each concept, as the app reads it
        (``filter_mastery``), and the width of its 90 % interval."""
        n_concepts = len(self.course.names)
        concept = torch.arange(n_concepts).repeat(len(who))
        p, low, high = filter_mastery(self.posterior, self.state, who=who.repeat_interleave(n_concepts),
                                      concept=concept, difficulty=self.posterior.concept_difficulty[concept],
                                      time=torch.full((len(concept),), time))
        return p.view(len(who), n_concepts), (high - low).view(len(who), n_concepts)


@dataclass(frozen=True)
class _SimulatedLearner:
    """The practice policy's view of one simulated learner (``llm.policy.PracticeView``): the filter's beliefs."""

    options: list[ConceptOption]
    graph: nx.DiGraph
    items_of: Mapping[int, list[int]]
    outlook: Mapping[int, ItemOutlook]

    def concept_options(self) -> list[ConceptOption]:
        return self.options

    def prerequisite_graph(self) -> nx.DiGraph:
        return self.graph

    def concept_items(self, concept_id: int) -> list[int]:
        return self.items_of[concept_id]

    def item_outlook(self, item_ids: Sequence[int]) -> dict[int, ItemOutlook]:
        return {item: self.outlook[item] for item in item_ids if item in self.outlook}


class PlannerPolicy(_BeliefPolicy):
    """The app's practice policy, ``llm.policy``, toward the course's goals, with reviews of fading concepts or
    without (``reviews``), reading the filter's beliefs as the app reads the learner model's."""

    def __init__(self, course: PlanningCourse, population: Population, *, n_learners: int, reviews: bool):
        super().__init__(course, population, n_learners=n_learners)
        self.reviews = reviews
        self.difficulty = course.concept_difficulty.tolist()

    def pick(self, who: torch.Tensor, *, step: int, time: float,
             item_draw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mastery, width = self.mastery_at(who, time=time)
        forecast, _ = self.mastery_at(who, time=time + REVIEW_HORIZON_DAYS)
        answers = (self.state.right + self.state.wrong)[who]
        views = [_SimulatedLearner(options=[ConceptOption(concept_id=k, mastery=m[k], uncertainty=u[k],
                                                          difficulty=self.difficulty[k], answers=int(n[k]),
                                                          forecast=f[k]) for k in range(len(m))],
                                   graph=self.course.graph, items_of=self.items_of, outlook={})
                 for m, u, n, f in zip(mastery.tolist(), width.tolist(), answers.tolist(), forecast.tolist(),
                                       strict=True)]
        concept = torch.tensor([self.concept_pick(view, learner=learner, mastery=m, time=time)
                                for view, learner, m in zip(views, who.tolist(), mastery.tolist(), strict=True)])
        candidates = self.items[concept]  # (n, J), -1 pads
        outlook = self.item_outlook(who, candidates, time=time)
        items = []
        for view, learner, k, row, looks in zip(views, who.tolist(), concept.tolist(), candidates.tolist(), outlook,
                                                strict=True):
            recent = self.answered[learner]
            seen = _SimulatedLearner(options=view.options, graph=view.graph, items_of=view.items_of,
                                     outlook=dict(zip(row, looks, strict=True)))
            items.append(practice_item(seen, concept_id=k, recent=recent, current=recent[0] if recent else None))
        return concept, torch.tensor(items)

    def concept_pick(self, view: _SimulatedLearner, *, learner: int, mastery: list[float], time: float) -> int:
        """The concept ``llm.policy`` gives this learner next."""
        recent = self.answered[learner]
        return practice_concept(view, goals=self.course.goals, last_item=recent[0] if recent else None,
                                reviews=self.reviews)

    def item_outlook(self, who: torch.Tensor, items: torch.Tensor, *, time: float) -> list[list[ItemOutlook]]:
        """What one answer to each item (n, J) would do, as ``knowledge.beliefs.LearnerModel.answer_outlook``
        reckons it: the filter step on a copy of the beliefs, once right and once wrong."""
        n, width = items.shape
        rows = who.repeat_interleave(width).repeat(2)  # (2 n J,): right answers first, then wrong ones
        item = items.clamp(min=0).flatten().repeat(2)
        concept = self.course.item_concept[item]
        copy = FilterState(**{name: value[rows] for name, value in vars(self.state).items()})
        size = len(rows)
        at = torch.full((size,), time)
        success = filter_step(self.posterior, copy, who=torch.arange(size), concept=concept,
                              difficulty=self.course.item_difficulty[item], time=at,
                              correct=torch.cat([torch.ones(size // 2), torch.zeros(size // 2)]),
                              observe=torch.ones(size, dtype=torch.bool))
        typical = self.posterior.concept_difficulty[concept]
        after, _, _ = filter_mastery(self.posterior, copy, who=torch.arange(size), concept=concept,
                                     difficulty=typical, time=at)
        before, _, _ = filter_mastery(self.posterior, self.state, who=rows, concept=concept, difficulty=typical,
                                      time=at)
        gain = (after - before).view(2, n, width).tolist()
        success_rows = success.view(2, n, width)[0].tolist()
        return [[ItemOutlook(success=s, gain_right=r, gain_wrong=w) for s, r, w in zip(*per_learner, strict=True)]
                for per_learner in zip(success_rows, gain[0], gain[1], strict=True)]


class FsrsPolicy(PlannerPolicy):
    """The planner for new material, with reviews scheduled by FSRS instead of the retention forecast: each answer
    on a concept is a review of its FSRS card (right: Good, wrong: Again); a concept the filter believes mastered
    whose card is due (the most overdue first, not the concept just answered) is reviewed."""

    def __init__(self, course: PlanningCourse, population: Population, *, n_learners: int):
        super().__init__(course, population, n_learners=n_learners, reviews=False)
        self.scheduler = Scheduler(enable_fuzzing=False)
        self.cards: list[dict[int, Card]] = [{} for _ in range(n_learners)]
        self.last_concept: list[int | None] = [None] * n_learners

    def concept_pick(self, view: _SimulatedLearner, *, learner: int, mastery: list[float], time: float) -> int:
        now = CALENDAR_START + timedelta(days=time)
        due = [(card.due, k) for k, card in self.cards[learner].items()
               if card.due <= now and mastery[k] >= MASTERED and k != self.last_concept[learner]]
        return min(due)[1] if due else super().concept_pick(view, learner=learner, mastery=mastery, time=time)

    def observe(self, who: torch.Tensor, *, concept: torch.Tensor, item: torch.Tensor, correct: torch.Tensor,
                time: float) -> None:
        super().observe(who, concept=concept, item=item, correct=correct, time=time)
        at = CALENDAR_START + timedelta(days=time)
        for learner, k, right in zip(who.tolist(), concept.tolist(), correct.tolist(), strict=True):
            card = self.cards[learner].get(k) or Card()
            self.cards[learner][k], _ = self.scheduler.review_card(card, Rating.Good if right else Rating.Again,
                                                                   review_datetime=at)
            self.last_concept[learner] = k


class HeuristicPolicy(_BeliefPolicy):
    """The concept and item the heuristic baseline (``heuristic``) gives each learner, reading the filter's beliefs
    (each learner draws from a generator of its own, as each session did)."""

    def __init__(self, course: PlanningCourse, population: Population, *, n_learners: int, seed: int):
        super().__init__(course, population, n_learners=n_learners)
        self.seed = seed
        self.prerequisites = {k: list(course.graph.predecessors(k)) for k in range(len(course.names))}

    def pick(self, who: torch.Tensor, *, step: int, time: float,
             item_draw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mastery, width = self.mastery_at(who, time=time)
        n_items, n_concepts = len(self.course.item_difficulty), len(self.course.names)
        success = filter_success(self.posterior, self.state, who=who.repeat_interleave(n_items),
                                 concept=self.course.item_concept.repeat(len(who)),
                                 difficulty=self.course.item_difficulty.repeat(len(who)),
                                 time=torch.full((len(who) * n_items,), time))  # (n * I,)
        concepts, items = [], []
        for learner, m, u, p in zip(who.tolist(), mastery.tolist(), width.tolist(),
                                    success.view(len(who), n_items).tolist(), strict=True):
            options = [HeuristicOption(concept_id=k, mastery=m[k], uncertainty=u[k],
                                       ready=concept_ready(m[j] for j in self.prerequisites[k]))
                       for k in range(n_concepts)]
            rng = random.Random(f"{self.seed}:{step}:{learner}")
            concept = heuristic_concept(options, rng=rng)
            recent = self.answered[learner]
            candidates = self.items_of[concept]
            concepts.append(concept)
            items.append(heuristic_item(candidates, success={i: p[i] for i in candidates}, recent=recent,
                                        current=recent[0] if recent else None, rng=rng))
        return torch.tensor(concepts), torch.tensor(items)
