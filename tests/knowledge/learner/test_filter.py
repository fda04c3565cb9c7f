"""The online filter: exact answers, transfer, several concepts per item, fading gains, and agreement with the fit."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from knowledge.learner.data import Answers, chains_build
from knowledge.learner.filter import filter_run, filter_start, filter_step, filter_success
from knowledge.learner.likelihood import chain_log_likelihood
from knowledge.learner.model import cohort_fit
from knowledge.learner.posterior import Posterior
from knowledge.learner.simulate import cohort_simulate
from tests.knowledge.learner.conftest import (
    answers_of,
    child_success_after_parent_practice,
    exact_posterior,
    two_concept_posterior,
    with_second_concepts,
)


def test_many_answers_on_one_concept_are_not_counted_as_independent_evidence_about_the_level():
    """Thirty answers on concept 0 at one moment: the filter's belief about the level, and its predictions on
    concept 0 and on the unpractised concept 1, against the exact posterior of (mu, d_0) on a grid."""
    posterior = replace(two_concept_posterior(weight=0.0, gamma=0.0), learn_right=torch.zeros(2),
                        learn_wrong=torch.zeros(2))
    state = filter_start(posterior, n_learners=1)
    level_mean, level_var = float(state.level_mean[0]), float(state.level_var[0])
    stationary = float(state.stationary[0])
    answers = [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0] * 3
    one = dict(who=torch.tensor([0]), concept=torch.tensor([0]), difficulty=torch.tensor([0.0]),
               time=torch.tensor([0.0]), observe=torch.tensor([True]))
    for correct in answers:
        filter_step(posterior, state, correct=torch.tensor([correct]), **one)

    grid = np.linspace(-8.0, 8.0, 801)
    mu, d = np.meshgrid(grid, grid, indexing="ij")
    log_weight = -0.5 * (mu - level_mean) ** 2 / level_var - 0.5 * d ** 2 / stationary
    right = 1 / (1 + np.exp(-(mu + d)))
    for correct in answers:
        log_weight += np.log(right if correct else 1 - right)
    weight = np.exp(log_weight - log_weight.max())
    weight /= weight.sum()
    exact_level = float((weight * mu).sum())
    exact_level_var = float((weight * (mu - exact_level) ** 2).sum())
    d_new = np.linspace(-6.0, 6.0, 241)  # d_1 ~ N(0, stationary), independent of (mu, d_0)
    d_new_weight = np.exp(-0.5 * d_new ** 2 / stationary)
    d_new_weight /= d_new_weight.sum()
    exact_new = float((weight.sum(axis=1)[:, None] * d_new_weight[None, :]
                       / (1 + np.exp(-(grid[:, None] + d_new[None, :])))).sum())

    assert float(state.level_mean[0]) == pytest.approx(exact_level, abs=0.05)
    assert float(state.level_var[0]) == pytest.approx(exact_level_var, rel=0.15)
    for concept, exact in ((0, float((weight * right).sum())), (1, exact_new)):
        p = filter_success(posterior, state, who=torch.tensor([0]), concept=torch.tensor([concept]),
                                 difficulty=torch.tensor([0.0]), time=torch.tensor([0.0]))
        assert float(p) == pytest.approx(exact, abs=0.01)


def test_future_predictions_never_read_the_future_answers():
    simulation = cohort_simulate(n_learners=20, n_items=30, n_concepts=4, answers_per_learner=20, seed=1)
    posterior = cohort_fit(simulation.cohort, steps=20, progress=False)
    answers = simulation.cohort.answers
    observe = torch.ones(len(answers.correct), dtype=torch.bool)
    observe[answers.learner >= 10] = False
    flipped = Answers(answers.learner, answers.item, answers.concept, answers.time,
                      torch.where(observe, answers.correct, 1 - answers.correct))
    assert torch.equal(filter_run(posterior, answers, observe=observe)[0],
                       filter_run(posterior, flipped, observe=observe)[0])


@pytest.mark.slow
def test_new_learner_level_is_learned_from_answers():
    simulation = cohort_simulate(n_learners=30, n_items=20, n_concepts=2, answers_per_learner=30, seed=4)
    posterior = cohort_fit(simulation.cohort, steps=150, progress=False)
    strong = answers_of([0] * 12, [0, 1] * 6, list(range(12)), [1] * 12, item=[0, 1] * 6)
    weak = answers_of([0] * 12, [0, 1] * 6, list(range(12)), [0] * 12, item=[0, 1] * 6)
    everything = torch.ones(12, dtype=torch.bool)
    assert filter_run(posterior, strong, observe=everything)[0][-1] > filter_run(posterior, weak,
                                                                                observe=everything)[0][-1] + 0.2


def test_practice_on_a_prerequisite_raises_the_child_prediction_with_transfer_only():
    success = child_success_after_parent_practice
    transfer = two_concept_posterior(weight=1.0, gamma=1.0)
    assert success(transfer, 8) > success(transfer, 0) + 0.05
    for off in (two_concept_posterior(weight=0.0, gamma=1.0), two_concept_posterior(weight=1.0, gamma=0.0)):
        assert success(off, 8) == pytest.approx(success(off, 0))


def test_filter_prediction_with_transfer_matches_the_exact_predictive():
    posterior = two_concept_posterior(weight=0.7, gamma=1.5)
    state = filter_start(posterior, n_learners=1)
    state.right[0, 0], state.wrong[0, 0] = 5.0, 2.0
    p = filter_success(posterior, state, who=torch.tensor([0]), concept=torch.tensor([1]),
                             difficulty=torch.tensor([0.3]), time=torch.tensor([1.0]))
    transfer = 1.5 * 0.7 * (0.4 * math.log(6) + 0.1 * math.log(3))
    mean = float(state.level_mean[0]) + transfer
    variance = float(state.level_var[0] + state.stationary[0])
    exact_p, _, _ = exact_posterior(mean, variance, 0.3, 1.0, True)
    assert float(p) == pytest.approx(exact_p, abs=0.01)


def test_batched_predictions_with_transfer_equal_one_at_a_time():
    posterior = two_concept_posterior(weight=0.7, gamma=1.5, edges=((0, 1), (1, 0)))
    state = filter_start(posterior, n_learners=2)
    state.right[0], state.wrong[0], state.right[1] = torch.tensor([5.0, 1.0]), torch.tensor([2.0, 0.0]), 3.0
    who, concept = torch.tensor([0, 1, 0, 1]), torch.tensor([1, 1, 0, 0])
    batched = filter_success(posterior, state, who=who, concept=concept, difficulty=torch.zeros(4),
                                   time=torch.ones(4))
    alone = [float(filter_success(posterior, state, who=who[i:i + 1], concept=concept[i:i + 1],
                                  difficulty=torch.zeros(1), time=torch.ones(1))[0]) for i in range(4)]
    assert batched.tolist() == pytest.approx(alone) and len(set(alone)) == 4


def _filtered_and_fitted_log_likelihood(posterior: Posterior, answers: Answers):
    """(log-likelihood of the answers under the online filter with the fitted traits, under the fit, final state)."""
    p, state = filter_run(posterior, answers, observe=torch.ones(len(answers.correct), dtype=torch.bool),
                          traits=posterior.traits)
    p = p.clamp(1e-6, 1 - 1e-6)
    filtered = float((answers.correct * p.log() + (1 - answers.correct) * (-p).log1p()).sum())
    fit = chain_log_likelihood(answers, chains_build(answers, edges=posterior.edges), traits=posterior.traits,
                               difficulty=posterior.item_difficulty[answers.item], learn_right=posterior.learn_right,
                               learn_wrong=posterior.learn_wrong, general=posterior.general,
                               discrimination=posterior.discrimination, fading_gain=posterior.fading_gain,
                               edge_weight=posterior.edge_weight, gamma=posterior.gamma,
                               recency=posterior.recency, retry_guess=posterior.retry_guess)
    return filtered, float(fit), state


def test_filter_with_fitted_traits_scores_the_answers_as_the_fit_does():
    simulation = cohort_simulate(n_learners=8, n_items=12, n_concepts=3, answers_per_learner=20, seed=6,
                                 fading_right=0.5, fading_wrong=-0.2,
                                 edges=torch.tensor([[0, 1], [1, 2]]), edge_weight=torch.tensor([1.0, 0.5]))
    posterior = replace(cohort_fit(simulation.cohort, steps=5, progress=False),
                        fading_gain=torch.tensor([[0.5, -0.2], [0.3, 0.0], [0.6, 0.1]]),
                        discrimination=torch.tensor([1.0, 0.6, 1.7]), recency=torch.tensor([0.4, -0.3]))
    answers = simulation.cohort.answers
    filtered, fit, _ = _filtered_and_fitted_log_likelihood(posterior, answers)
    assert len(posterior.edge_weight) == 2 and posterior.edge_interval.shape == (2, 2)
    assert filtered == pytest.approx(float(fit), rel=1e-4)


def test_filter_on_items_with_several_concepts_scores_the_answers_as_the_fit_does():
    simulation = cohort_simulate(n_learners=8, n_items=12, n_concepts=3, answers_per_learner=20, seed=7,
                                 edges=torch.tensor([[0, 1], [1, 2]]), edge_weight=torch.tensor([1.0, 0.5]))
    answers = with_second_concepts(simulation.cohort.answers, 3)
    posterior = cohort_fit(replace(simulation.cohort, answers=answers), steps=5, progress=False)
    filtered, fit, state = _filtered_and_fitted_log_likelihood(posterior, answers)
    assert filtered == pytest.approx(float(fit), rel=1e-4)
    touched = (state.right + state.wrong).sum(dim=1)  # every concept of each item was practised
    assert touched.sum() == len(answers.correct) + int((answers.concepts[:, 1] >= 0).sum())
    assert (state.total_right + state.total_wrong).sum() == len(answers.correct)


def test_an_item_with_two_concepts_is_practice_on_both():
    posterior = two_concept_posterior(weight=0.0, gamma=0.0)
    both = dict(who=torch.tensor([0]), concept=torch.tensor([0]), difficulty=torch.tensor([0.0]),
                observe=torch.tensor([True]), concepts=torch.tensor([[0, 1]]))
    alone = {**both, "concepts": None}

    def second_concept_success(step: dict) -> float:
        state = filter_start(posterior, n_learners=1)
        for t in range(6):
            filter_step(posterior, state, time=torch.tensor([float(t)]), correct=torch.tensor([1.0]), **step)
        state.level_mean[:] = 0.0  # the level learned from the answers is not practice: hold it still
        p = filter_success(posterior, state, who=torch.tensor([0]), concept=torch.tensor([1]),
                                 difficulty=torch.tensor([0.0]), time=torch.tensor([30.0]))
        return float(p)

    assert second_concept_success(both) > second_concept_success(alone) + 0.05


def test_a_fresh_practice_gain_fades_with_time_and_the_lasting_gain_stays():
    one = dict(who=torch.tensor([0]), concept=torch.tensor([0]), difficulty=torch.tensor([0.0]))

    def success(*, fading_gain: torch.Tensor, practised: bool) -> list[float]:
        """P(correct) now, a week and three months after one right answer (or none)."""
        posterior = replace(two_concept_posterior(weight=0.0, gamma=0.0), fading_gain=fading_gain)
        state = filter_start(posterior, n_learners=1)
        if practised:
            filter_step(posterior, state, time=torch.tensor([0.0]), correct=torch.tensor([1.0]),
                        observe=torch.tensor([True]), **one)
        state.level_mean[:] = 0.0  # the level learned from the answer is not practice: hold it still
        return [float(filter_success(posterior, state, time=torch.tensor([t]), **one)[0]) for t in (0.0, 7.0, 90.0)]

    fading = success(fading_gain=torch.tensor([[0.6, 0.0], [0.0, 0.0]]), practised=True)
    lasting_only = success(fading_gain=torch.zeros(2, 2), practised=True)
    assert fading[0] > lasting_only[0] + 0.05  # just after the answer, its fresh gain shows
    assert fading[0] > fading[1] > fading[2]  # and is forgotten over days
    assert fading[2] == pytest.approx(lasting_only[2], abs=1e-3)  # until only the lasting gain is left
    assert lasting_only[2] > success(fading_gain=torch.zeros(2, 2), practised=False)[2] + 0.05
