"""Helpers the learner model's tests share: exact answers by quadrature, small answer tables and posteriors."""

import math

import numpy as np
import torch

from knowledge.learner.data import Answers
from knowledge.learner.filter import filter_start, filter_step, filter_success
from knowledge.learner.posterior import Posterior


def exact_posterior(mean: float, variance: float, difficulty: float, discrimination: float,
                     correct: bool) -> tuple[float, float, float]:
    """Predictive P(correct), posterior mean and variance of z by quadrature on a dense grid."""
    z = np.linspace(mean - 12 * math.sqrt(variance), mean + 12 * math.sqrt(variance), 200_001)
    prior = np.exp(-0.5 * (z - mean) ** 2 / variance)
    prior /= prior.sum()
    p = 1 / (1 + np.exp(-discrimination * (z - difficulty)))
    predictive = float((prior * p).sum())
    posterior = prior * (p if correct else 1 - p)
    posterior /= posterior.sum()
    post_mean = float((z * posterior).sum())
    return predictive, post_mean, float(((z - post_mean) ** 2 * posterior).sum())


def answers_of(learner, concept, time, correct, item=None):
    n = len(learner)
    return Answers(learner=torch.tensor(learner), item=torch.tensor(item or [0] * n), concept=torch.tensor(concept),
                   time=torch.tensor(time, dtype=torch.float32), correct=torch.tensor(correct, dtype=torch.float32))


def with_second_concepts(answers: Answers, n_concepts: int) -> Answers:
    """The same answers, every other row's item also on the next concept (by index)."""
    second = torch.where(torch.arange(len(answers.concept)) % 2 == 0, (answers.concept + 1) % n_concepts, -1)
    return Answers(answers.learner, answers.item, answers.concept, answers.time, answers.correct,
                   concepts=torch.stack([answers.concept, second], dim=1))


def two_concept_posterior(*, weight: float, gamma: float, edges=((0, 1),)) -> Posterior:
    """Two concepts, one item each, and the edges 0 -> 1 with the given weight."""
    return Posterior(trait_loc=torch.tensor([math.log(0.2), 0.0, math.log(0.5)]),
                     trait_scale=torch.tensor([0.5, 1.0, 0.3]), traits=torch.zeros(0, 3),
                     item_difficulty=torch.zeros(2), concept_difficulty=torch.zeros(2),
                     learn_right=torch.tensor([0.4, 0.2]), learn_wrong=torch.tensor([0.1, 0.1]),
                     fading_gain=torch.zeros(2, 2), discrimination=torch.ones(2), general=torch.zeros(2),
                     item_seen=torch.ones(2, dtype=torch.bool), edges=torch.tensor(edges).reshape(-1, 2),
                     edge_weight=torch.full((len(edges),), weight), edge_interval=torch.zeros(len(edges), 2),
                     gamma=torch.tensor(gamma))


def child_success_after_parent_practice(posterior: Posterior, rights_on_parent: int) -> float:
    state = filter_start(posterior, n_learners=1)
    one = dict(who=torch.tensor([0]), concept=torch.tensor([0]), difficulty=torch.tensor([0.0]),
               observe=torch.tensor([True]))
    for t in range(rights_on_parent):
        filter_step(posterior, state, time=torch.tensor([float(t)]), correct=torch.tensor([1.0]), **one)
    state.level_mean[:] = 0.0  # the level learned from the parent's answers is not transfer: hold it still
    p = filter_success(posterior, state, who=torch.tensor([0]), concept=torch.tensor([1]),
                             difficulty=torch.tensor([0.0]), time=torch.tensor([30.0]))
    return float(p)
