"""The simulated learners: their population (fitted to real answers, ``fit_population``), each one's draw at the
start with the course's true per-concept parameters, how prerequisites weigh on a concept, and what the policies'
filter is told of them (package docstring, traits and knowledge)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import torch

from knowledge.learner.posterior import Posterior
from llm.evaluate.planning.courses import PlanningCourse

POPULATION_FILE = Path(__file__).with_name("population.json")
# Transfer along prerequisite edges is not in the population fit (ASSISTments has no prerequisite graph): set by hand,
# so that a concept's long-term mean carries about 0.4 of its prerequisites' knowledge.
TRANSFER_MEAN, TRANSFER_SCALE = 0.4, 0.1


@dataclass(frozen=True)
class Spread:
    """A per-concept parameter's population: mean and spread over concepts."""

    mean: float
    spread: float

    def draw(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return self.mean + self.spread * torch.randn(n, generator=generator)


@dataclass(frozen=True)
class Population:
    """Population values of a PSI-KT cohort fit (``fit_population``): traits (log alpha, mu, log sigma) ~
    N(trait_loc, diag trait_scale^2); per-concept lasting gains beta^{+-}, fading gains delta^{+-}, log
    discrimination and difficulty, each a ``Spread``; general practice (g^+, g^-)."""

    trait_loc: torch.Tensor  # (3,) mu read against a typical item
    trait_scale: torch.Tensor  # (3,)
    learn_right: Spread
    learn_wrong: Spread
    fading_right: Spread
    fading_wrong: Spread
    log_discrimination: Spread
    concept_difficulty: Spread  # b_k of the fitted concepts: the scale the level mu is read against
    general: torch.Tensor  # (2,)
    source: dict


def population_load(path: Path = POPULATION_FILE) -> Population:
    """The stored population (written by ``python -m llm.evaluate.planning.fit_population``)."""
    values = json.loads(path.read_text(encoding="utf-8"))
    # The level mu carries over as the learner's standing against a typical item (mu - mean b_k of the fit): the
    # difficulties of the fitted data and of a course are each on their own scale.
    trait_loc = torch.tensor(values["trait_loc"]) - torch.tensor([0.0, values["concept_difficulty"]["mean"], 0.0])
    spreads = {name: Spread(**values[name]) for name in
               ("learn_right", "learn_wrong", "fading_right", "fading_wrong", "log_discrimination",
                "concept_difficulty")}
    return Population(trait_loc=trait_loc, trait_scale=torch.tensor(values["trait_scale"]),
                      general=torch.tensor(values["general"]), source=values["source"], **spreads)


@dataclass(frozen=True)
class LearnerDraw:
    """True simulated learners at the start (traits, what they bring to each concept) and the course's true
    per-concept parameters, drawn from the population."""

    alpha: torch.Tensor  # (L,)
    level: torch.Tensor  # (L,) mu
    stationary: torch.Tensor  # (L,) s^2 = sigma^2 / (2 alpha)
    transfer: torch.Tensor  # (L,) gamma
    offset: torch.Tensor  # (L, K) d at time 0
    learn_right: torch.Tensor  # (K,) beta_k^+
    learn_wrong: torch.Tensor  # (K,) beta_k^- <= beta_k^+
    fading_right: torch.Tensor  # (K,) delta_k^+
    fading_wrong: torch.Tensor  # (K,) delta_k^-
    discrimination: torch.Tensor  # (K,) kappa_k
    general: torch.Tensor  # (2,) g^+, g^-


def learners_draw(*, population: Population, n_learners: int, n_concepts: int, seed: int) -> LearnerDraw:
    """``n_learners`` from the population (traits, transfer rate, the offset d each brings to each concept) and the
    course's per-concept parameters, each drawn from its population spread."""
    generator = torch.Generator().manual_seed(seed)
    traits = population.trait_loc + population.trait_scale * torch.randn(n_learners, 3, generator=generator)
    alpha, sigma = torch.exp(traits[:, 0]), torch.exp(traits[:, 2])
    stationary = sigma**2 / (2 * alpha)
    transfer = (TRANSFER_MEAN + TRANSFER_SCALE * torch.randn(n_learners, generator=generator)).clamp(0.0, 0.9)
    offset = stationary.sqrt()[:, None] * torch.randn(n_learners, n_concepts, generator=generator)
    learn_right = population.learn_right.draw(n_concepts, generator)
    # As in the model's parametrisation, a wrong answer's lasting gain never exceeds a right one's.
    learn_wrong = torch.minimum(population.learn_wrong.draw(n_concepts, generator), learn_right)
    return LearnerDraw(alpha=alpha, level=traits[:, 1], stationary=stationary, transfer=transfer, offset=offset,
                       learn_right=learn_right, learn_wrong=learn_wrong,
                       fading_right=population.fading_right.draw(n_concepts, generator),
                       fading_wrong=population.fading_wrong.draw(n_concepts, generator),
                       discrimination=torch.exp(population.log_discrimination.draw(n_concepts, generator)),
                       general=population.general.clone())


def prerequisite_weights(graph: nx.DiGraph) -> torch.Tensor:
    """W (K, K): w_{kp} = 1 / |pred(k)| for each prerequisite p of k, else 0."""
    weights = torch.zeros(graph.number_of_nodes(), graph.number_of_nodes())
    for k in graph.nodes:
        preds = list(graph.predecessors(k))
        for p in preds:
            weights[k, p] = 1.0 / len(preds)
    return weights


def course_posterior(course: PlanningCourse, population: Population) -> Posterior:
    """What the belief-driven policies' filter knows, as the app's learner model knows a course after a cohort fit:
    the population's trait means and spreads, the per-concept parameters at their population means (not the
    course's own draws), general practice, and the item difficulties; nothing of any learner's own traits."""
    k = len(course.names)
    return Posterior(
        trait_loc=population.trait_loc.clone(), trait_scale=population.trait_scale.clone(), traits=torch.empty(0, 3),
        item_difficulty=course.item_difficulty, concept_difficulty=course.concept_difficulty,
        learn_right=torch.full((k,), population.learn_right.mean),
        learn_wrong=torch.full((k,), min(population.learn_wrong.mean, population.learn_right.mean)),
        fading_gain=torch.tensor([[population.fading_right.mean, population.fading_wrong.mean]]).repeat(k, 1),
        discrimination=torch.full((k,), float(torch.exp(torch.tensor(population.log_discrimination.mean)))),
        general=population.general.clone(),
        item_seen=torch.ones(len(course.item_difficulty), dtype=torch.bool),
    )
