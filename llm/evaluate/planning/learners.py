"""The simulated learners: their population, each one's draw at the start, how prerequisites weigh on a concept,
and what the policies' filter is told of them (package docstring, traits and knowledge)."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import torch

from knowledge.learner.posterior import TRAIT_PRIOR_LOC, Posterior
from knowledge.learner.simulate import SIMULATED_TRAIT_SCALE
from llm.evaluate.planning.courses import PlanningCourse

TRAIT_SCALE = SIMULATED_TRAIT_SCALE  # population spread of log alpha, mu, log sigma
TRANSFER_MEAN, TRANSFER_SCALE = 0.4, 0.1
# About five answers take a concept from a coin flip to mastery (+1.39 logits) when its prerequisites are mastered.
LEARN_RIGHT, LEARN_WRONG = 1.0, 0.4
# The part of an answer's gain that forgetting takes back (the learner model's fading gains delta^+, delta^-, as in
# the learner model's recovery benchmark, ``knowledge.evaluate.bench.recovery``): mastery reached by massed practice
# fades within days unless it is practised again.
FADING_RIGHT, FADING_WRONG = 0.8, 0.2


@dataclass(frozen=True)
class LearnerDraw:
    """True simulated learners at the start: traits and what they bring to each concept."""

    alpha: torch.Tensor  # (L,)
    level: torch.Tensor  # (L,) mu
    stationary: torch.Tensor  # (L,) s^2 = sigma^2 / (2 alpha)
    transfer: torch.Tensor  # (L,) gamma
    offset: torch.Tensor  # (L, K) d at time 0


def learners_draw(*, n_learners: int, n_concepts: int, seed: int) -> LearnerDraw:
    """``n_learners`` from the population: traits, transfer rate, and the offset d each brings to each concept."""
    generator = torch.Generator().manual_seed(seed)
    traits = TRAIT_PRIOR_LOC + TRAIT_SCALE * torch.randn(n_learners, 3, generator=generator)
    alpha, sigma = torch.exp(traits[:, 0]), torch.exp(traits[:, 2])
    stationary = sigma**2 / (2 * alpha)
    transfer = (TRANSFER_MEAN + TRANSFER_SCALE * torch.randn(n_learners, generator=generator)).clamp(0.0, 0.9)
    offset = stationary.sqrt()[:, None] * torch.randn(n_learners, n_concepts, generator=generator)
    return LearnerDraw(alpha=alpha, level=traits[:, 1], stationary=stationary, transfer=transfer, offset=offset)


def prerequisite_weights(graph: nx.DiGraph) -> torch.Tensor:
    """W (K, K): w_{kp} = 1 / |pred(k)| for each prerequisite p of k, else 0."""
    weights = torch.zeros(graph.number_of_nodes(), graph.number_of_nodes())
    for k in graph.nodes:
        preds = list(graph.predecessors(k))
        for p in preds:
            weights[k, p] = 1.0 / len(preds)
    return weights


def course_posterior(course: PlanningCourse) -> Posterior:
    """What the belief-driven policies' filter knows: the simulation's population parameters (trait means and
    spreads, learning rates and fading gains) and item difficulties; nothing of any learner's own traits."""
    k = len(course.names)
    return Posterior(
        trait_loc=TRAIT_PRIOR_LOC.clone(), trait_scale=TRAIT_SCALE.clone(), traits=torch.empty(0, 3),
        item_difficulty=course.item_difficulty, concept_difficulty=course.concept_difficulty,
        learn_right=torch.full((k,), LEARN_RIGHT), learn_wrong=torch.full((k,), LEARN_WRONG),
        fading_gain=torch.tensor([[FADING_RIGHT, FADING_WRONG]]).repeat(k, 1),
        discrimination=torch.ones(k), general=torch.zeros(2),
        item_seen=torch.ones(len(course.item_difficulty), dtype=torch.bool),
    )
