"""The vectorised chain likelihood against a plain loop over the answers."""

import math

import pytest
import torch

from knowledge.learner.data import RECENCY_DECAY, Answers, chains_build
from knowledge.learner.likelihood import chain_log_likelihood
from knowledge.learner.simulate import cohort_simulate
from tests.knowledge.learner.conftest import with_second_concepts


def _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination, edges=(), weights=(),
                               gamma=0.0, recency=(0.0, 0.0)):
    """The chain likelihood answer by answer, in plain Python floats."""
    total, state, counts, totals, recent = 0.0, {}, {}, {}, {}
    for n in range(len(answers.correct)):
        learner, k = int(answers.learner[n]), int(answers.concept[n])
        alpha, level, sigma = math.exp(traits[learner, 0]), float(traits[learner, 1]), math.exp(traits[learner, 2])
        stationary = sigma**2 / (2 * alpha)
        if (learner, k) in state:
            mean, var, last = state[learner, k]
            r = math.exp(-alpha * (float(answers.time[n]) - last))
            mean, var = r * mean, r * r * var + stationary * (1 - r * r)
        else:
            mean, var = 0.0, stationary
        item_concepts = [c for c in answers.concept_sets()[n].tolist() if c >= 0]
        anchor = 0.0
        for c in item_concepts:  # the item's concepts' practice and transfer, averaged
            rights, wrongs = counts.get((learner, c), (0, 0))
            built = float(right[c]) * math.log1p(rights) + float(wrong[c]) * math.log1p(wrongs)
            for (j, child), w in zip(edges, weights, strict=True):
                if child == c:
                    parent_right, parent_wrong = counts.get((learner, j), (0, 0))
                    built += gamma * w * (float(right[j]) * math.log1p(parent_right)
                                          + float(wrong[j]) * math.log1p(parent_wrong))
            anchor += built / len(item_concepts)
        all_right, all_wrong = totals.get(learner, (0, 0))
        anchor += float(general[0]) * math.log1p(all_right) + float(general[1]) * math.log1p(all_wrong)
        recent_right, recent_wrong = recent.get(learner, (0.0, 0.0))
        anchor += recency[0] * recent_right + recency[1] * recent_wrong
        kappa = float(discrimination[k])
        z = level + anchor + mean - float(difficulty[n])
        lam = math.sqrt(math.pi / 8) * kappa  # the probit slope on z, kappa lambda
        spread = math.sqrt(1 + lam * lam * var)
        y = float(answers.correct[n])
        sign = 1.0 if y else -1.0
        p = 0.5 * math.erfc(-lam * z / spread / math.sqrt(2))
        c = sign * lam * z / spread
        cdf = 0.5 * math.erfc(-c / math.sqrt(2))
        g = math.exp(-c * c / 2) / math.sqrt(2 * math.pi) / cdf
        total += math.log(p) if y else math.log(1 - p)
        new_var = var - lam * lam * var * var / spread**2 * g * (c + g)
        mean = mean + sign * lam * var * g / spread
        for c in item_concepts:
            rights, wrongs = counts.get((learner, c), (0, 0))
            counts[learner, c] = (rights + y, wrongs + 1 - y)
        totals[learner] = (all_right + y, all_wrong + 1 - y)
        recent[learner] = (RECENCY_DECAY * recent_right + y, RECENCY_DECAY * recent_wrong + 1 - y)
        state[learner, k] = (mean, new_var, float(answers.time[n]))
    return total


def _likelihood_inputs():
    simulation = cohort_simulate(n_learners=6, n_items=12, n_concepts=3, answers_per_learner=15, seed=3)
    right, wrong = torch.tensor([0.2, 0.1, 0.3]), torch.tensor([0.0, -0.1, 0.05])
    general, discrimination = torch.tensor([0.05, -0.02]), torch.tensor([0.6, 1.7, 1.0])
    answers = simulation.cohort.answers
    return answers, simulation.traits, simulation.item_difficulty[answers.item], right, wrong, general, discrimination


def test_vectorised_chain_likelihood_equals_a_plain_loop():
    answers, traits, difficulty, right, wrong, general, discrimination = _likelihood_inputs()
    vectorised = chain_log_likelihood(answers, chains_build(answers), traits=traits, difficulty=difficulty,
                                      learn_right=right, learn_wrong=wrong, general=general,
                                      discrimination=discrimination)
    total = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination)
    assert float(vectorised) == pytest.approx(total, rel=1e-4)


def test_vectorised_chain_likelihood_with_transfer_equals_a_plain_loop():
    answers, traits, difficulty, right, wrong, general, discrimination = _likelihood_inputs()
    edges, weights, gamma = [(0, 1), (2, 1), (1, 2)], [0.8, 1.5, 0.4], 1.3  # a cycle is allowed: counts, not z
    vectorised = chain_log_likelihood(answers, chains_build(answers, edges=torch.tensor(edges)), traits=traits,
                                      difficulty=difficulty, learn_right=right, learn_wrong=wrong, general=general,
                                      discrimination=discrimination, edge_weight=torch.tensor(weights),
                                      gamma=torch.tensor(gamma))
    total = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination, edges,
                                       weights, gamma)
    without = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination)
    assert float(vectorised) == pytest.approx(total, rel=1e-4)
    assert abs(total - without) > 0.1  # the transfer term is really there


def test_vectorised_chain_likelihood_with_recency_equals_a_plain_loop():
    answers, traits, difficulty, right, wrong, general, discrimination = _likelihood_inputs()
    vectorised = chain_log_likelihood(answers, chains_build(answers), traits=traits, difficulty=difficulty,
                                      learn_right=right, learn_wrong=wrong, general=general,
                                      discrimination=discrimination, recency=torch.tensor([0.4, -0.3]))
    total = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination,
                                       recency=(0.4, -0.3))
    without = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination)
    assert float(vectorised) == pytest.approx(total, rel=1e-4)
    assert abs(total - without) > 0.1  # the recency term is really there


def test_vectorised_likelihood_of_items_with_several_concepts_equals_a_plain_loop():
    answers, traits, difficulty, right, wrong, general, discrimination = _likelihood_inputs()
    answers = with_second_concepts(answers, 3)
    edges, weights, gamma = [(0, 1), (2, 1), (1, 2)], [0.8, 1.5, 0.4], 1.3
    vectorised = chain_log_likelihood(answers, chains_build(answers, edges=torch.tensor(edges)), traits=traits,
                                      difficulty=difficulty, learn_right=right, learn_wrong=wrong, general=general,
                                      discrimination=discrimination, edge_weight=torch.tensor(weights),
                                      gamma=torch.tensor(gamma))
    total = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination, edges,
                                       weights, gamma)
    single = _plain_loop_log_likelihood(Answers(answers.learner, answers.item, answers.concept, answers.time,
                                                answers.correct), traits, difficulty, right, wrong, general,
                                        discrimination, edges, weights, gamma)
    assert float(vectorised) == pytest.approx(total, rel=1e-4)
    assert abs(total - single) > 0.1  # the second concepts really count
