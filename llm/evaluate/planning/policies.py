"""How each policy picks the next item, and what it takes in from the answer (package docstring, the policies).

The belief-driven policies (planner, heuristic, practice) read the online filter of ``knowledge.learner.filter``
over ``course_posterior``; the topological one reads only whether the answers were right.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import networkx as nx
import torch

from knowledge.learner.filter import filter_mastery, filter_start, filter_step, filter_success
from llm.agents.planner import concept_path_plan
from llm.agents.schema import ConceptBelief
from llm.evaluate.planning.courses import MASTERY_TARGET, PlanningCourse
from llm.evaluate.planning.learners import course_posterior
from llm.policy import ConceptOption, concept_ready, practice_next

POLICIES = ("planner", "topological", "heuristic", "practice")
STREAK = 3
ITEM_SUCCESS_AIM = 0.7


class Policy(Protocol):
    """What the simulation asks of a policy, for the learners ``who`` (n,) still practising."""

    def pick(self, who: torch.Tensor, *, step: int, time: float,
             item_draw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Concept and item (n,) for each learner; ``item_draw`` (n,) ~ U(0, 1), for a policy that draws its item."""

    def observe(self, who: torch.Tensor, *, concept: torch.Tensor, item: torch.Tensor, correct: torch.Tensor,
                time: float) -> None:
        """Take in the answers (``correct`` (n,), 1 or 0) given at ``time``."""


def policy_start(name: str, *, course: PlanningCourse, n_learners: int, seed: int) -> Policy:
    """The policy called ``name`` (one of POLICIES), before any answer."""
    if name == "topological":
        return TopologicalPolicy(course, n_learners=n_learners)
    if name == "planner":
        return PlannerPolicy(course, n_learners=n_learners)
    if name == "heuristic":
        return HeuristicPolicy(course, n_learners=n_learners)
    if name == "practice":
        return PracticePolicy(course, n_learners=n_learners, seed=seed)
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
    """A policy that reads the filter's beliefs; the filter takes in every answer."""

    def __init__(self, course: PlanningCourse, *, n_learners: int):
        self.course = course
        self.posterior = course_posterior(course)
        self.state = filter_start(self.posterior, n_learners=n_learners)
        self.items = concept_items(course)
        self.goals = torch.tensor(course.goals)

    def observe(self, who: torch.Tensor, *, concept: torch.Tensor, item: torch.Tensor, correct: torch.Tensor,
                time: float) -> None:
        filter_step(self.posterior, self.state, who=who, concept=concept, difficulty=self.course.item_difficulty[item],
                    time=torch.full((len(who),), time), correct=correct,
                    observe=torch.ones(len(who), dtype=torch.bool))

    def beliefs_now(self, who: torch.Tensor, *, time: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Believed mastery (n, K) on a typical item of each concept, and the width of its 90 % interval."""
        n_concepts = len(self.course.names)
        concept = torch.arange(n_concepts).repeat(len(who))
        p, low, high = filter_mastery(self.posterior, self.state, who=who.repeat_interleave(n_concepts),
                                      concept=concept, difficulty=self.posterior.concept_difficulty[concept],
                                      time=torch.full((len(concept),), time))
        return p.view(len(who), n_concepts), (high - low).view(len(who), n_concepts)

    def weakest_goal(self, mastery: torch.Tensor) -> torch.Tensor:
        """(n,): the goal each learner is believed weakest on, practised when everything is believed mastered."""
        return self.goals[mastery[:, self.goals].argmin(1)]

    def item_nearest_aim(self, who: torch.Tensor, *, concept: torch.Tensor, time: float) -> torch.Tensor:
        """For each learner, the item of its concept whose predicted success is nearest ITEM_SUCCESS_AIM."""
        candidates = self.items[concept]  # (n, J), -1 pads
        width = candidates.shape[1]
        p = filter_success(self.posterior, self.state, who=who.repeat_interleave(width),
                                 concept=concept.repeat_interleave(width),
                                 difficulty=self.posterior.item_difficulty[candidates.clamp(min=0).flatten()],
                                 time=torch.full((len(who) * width,), time))
        gap = (p.view(-1, width) - ITEM_SUCCESS_AIM).abs().masked_fill(candidates < 0, math.inf)
        return candidates.gather(1, gap.argmin(1, keepdim=True)).squeeze(1)


class PlannerPolicy(_BeliefPolicy):
    """The first concept of ``concept_path_plan`` on the beliefs, replanned after every answer; the item nearest
    the aim."""

    def __init__(self, course: PlanningCourse, *, n_learners: int):
        super().__init__(course, n_learners=n_learners)
        self.difficulty = course.concept_difficulty.tolist()

    def pick(self, who: torch.Tensor, *, step: int, time: float,
             item_draw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mastery, width = self.beliefs_now(who, time=time)
        answers = (self.state.right + self.state.wrong)[who]
        concept = torch.tensor([
            self._plan_first(mastery=m, width=u, answers=n, fallback=f)
            for m, u, n, f in zip(mastery.tolist(), width.tolist(), answers.tolist(),
                                  self.weakest_goal(mastery).tolist(), strict=True)
        ])
        return concept, self.item_nearest_aim(who, concept=concept, time=time)

    def _plan_first(self, *, mastery: list[float], width: list[float], answers: list[float], fallback: int) -> int:
        """The first concept of the Planner's plan for one learner's beliefs (the fallback when nothing is weak)."""
        beliefs = {
            k: ConceptBelief(concept_id=k, name=name, mastery=m, uncertainty=u, difficulty=b, answers=int(n))
            for k, (name, m, u, b, n) in enumerate(zip(self.course.names, mastery, width, self.difficulty, answers,
                                                       strict=True))
        }
        plan = concept_path_plan(graph=self.course.graph, beliefs=beliefs, goals=self.course.goals,
                                 mastery_target=MASTERY_TARGET)
        return plan[0] if plan else fallback


class HeuristicPolicy(_BeliefPolicy):
    """GraphMASAL-style: among the concepts believed unmastered, the one maximising 0.5 (1 - mastery)
    + 0.3 difficulty + 0.2 fan-out (both scaled to [0, 1]); the item nearest the aim."""

    def __init__(self, course: PlanningCourse, *, n_learners: int):
        super().__init__(course, n_learners=n_learners)
        typical = course.concept_difficulty
        self.difficulty_scaled = (typical - typical.min()) / (typical.max() - typical.min()).clamp(min=1e-9)
        fan_out = torch.tensor([course.graph.out_degree(k) for k in range(len(course.names))], dtype=torch.float32)
        self.fan_out_scaled = fan_out / fan_out.max().clamp(min=1.0)

    def pick(self, who: torch.Tensor, *, step: int, time: float,
             item_draw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mastery, _ = self.beliefs_now(who, time=time)
        score = 0.5 * (1 - mastery) + 0.3 * self.difficulty_scaled + 0.2 * self.fan_out_scaled
        score = score.masked_fill(mastery >= MASTERY_TARGET, -math.inf)
        concept = torch.where(torch.isinf(score.max(1).values), self.weakest_goal(mastery), score.argmax(1))
        return concept, self.item_nearest_aim(who, concept=concept, time=time)


@dataclass(frozen=True)
class _SimulatedLearner:
    """The practice policy's view of one simulated learner (``llm.policy.PracticeView``): the filter's beliefs."""

    options: list[ConceptOption]
    items_of: Mapping[int, list[int]]
    success: list[float]  # P(right) on every item, by index

    def concept_options(self) -> list[ConceptOption]:
        return self.options

    def concept_items(self, concept_id: int) -> list[int]:
        return self.items_of[concept_id]

    def item_success(self, item_ids: Sequence[int]) -> dict[int, float]:
        return {item: self.success[item] for item in item_ids}


class PracticePolicy(_BeliefPolicy):
    """The concept and item ``llm.policy.practice_next`` gives each learner, reading the filter's beliefs as the app
    reads the learner model's (each learner draws from a generator of its own, as each session does)."""

    def __init__(self, course: PlanningCourse, *, n_learners: int, seed: int):
        super().__init__(course, n_learners=n_learners)
        self.seed = seed
        n_concepts = len(course.names)
        self.items_of = {k: [item for item in self.items[k].tolist() if item >= 0] for k in range(n_concepts)}
        self.prerequisites = {k: list(course.graph.predecessors(k)) for k in range(n_concepts)}
        self.answered: list[list[int]] = [[] for _ in range(n_learners)]  # each learner's items, newest first

    def pick(self, who: torch.Tensor, *, step: int, time: float,
             item_draw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mastery, width = self.beliefs_now(who, time=time)
        n_items, n_concepts = len(self.course.item_difficulty), len(self.course.names)
        success = filter_success(self.posterior, self.state, who=who.repeat_interleave(n_items),
                                       concept=self.course.item_concept.repeat(len(who)),
                                       difficulty=self.course.item_difficulty.repeat(len(who)),
                                       time=torch.full((len(who) * n_items,), time))  # (n * I,)
        concepts, items = [], []
        for learner, m, u, p in zip(who.tolist(), mastery.tolist(), width.tolist(),
                                    success.view(len(who), n_items).tolist(), strict=True):
            options = [ConceptOption(concept_id=k, mastery=m[k], uncertainty=u[k],
                                     ready=concept_ready(m[j] for j in self.prerequisites[k]))
                       for k in range(n_concepts)]
            recent = self.answered[learner]
            choice = practice_next(_SimulatedLearner(options=options, items_of=self.items_of, success=p), focus=None,
                                   recent=recent, current=recent[0] if recent else None,
                                   rng=random.Random(f"{self.seed}:{step}:{learner}"))
            concepts.append(choice.concept_id)
            items.append(choice.item_id)
        return torch.tensor(concepts), torch.tensor(items)

    def observe(self, who: torch.Tensor, *, concept: torch.Tensor, item: torch.Tensor, correct: torch.Tensor,
                time: float) -> None:
        super().observe(who, concept=concept, item=item, correct=correct, time=time)
        for learner, given in zip(who.tolist(), item.tolist(), strict=True):
            self.answered[learner].insert(0, given)
