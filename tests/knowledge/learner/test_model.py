"""The cohort fit: recovery of simulated truths, shapes, early stopping."""

import numpy as np
import pytest
import torch

from knowledge.learner.model import cohort_fit
from knowledge.learner.posterior import Posterior
from knowledge.learner.simulate import cohort_simulate


@pytest.mark.slow
def test_fit_recovers_item_difficulties_and_learner_levels():
    simulation = cohort_simulate(n_learners=120, n_items=30, n_concepts=3, answers_per_learner=60, seed=0)
    posterior = cohort_fit(simulation.cohort, steps=250, learning_rate=0.05, progress=False)
    difficulty_r = np.corrcoef(posterior.item_difficulty, simulation.item_difficulty)[0, 1]
    level_r = np.corrcoef(posterior.traits[:, 1], simulation.traits[:, 1])[0, 1]
    assert difficulty_r > 0.9 and level_r > 0.8


@pytest.mark.slow
def test_fit_tells_sharply_discriminating_concepts_from_weak_ones():
    simulation = cohort_simulate(n_learners=120, n_items=30, n_concepts=3, answers_per_learner=60, seed=1,
                                 discrimination=torch.tensor([0.4, 1.0, 2.5]))
    posterior = cohort_fit(simulation.cohort, steps=250, learning_rate=0.05, progress=False)
    weak, middle, sharp = posterior.discrimination.tolist()
    assert weak < middle < sharp and sharp > 2 * weak  # the overall scale trades off against z's; the order shows


def test_fit_returns_one_value_per_learner_item_and_concept():
    simulation = cohort_simulate(n_learners=5, n_items=8, n_concepts=2, answers_per_learner=6, seed=5)
    posterior = cohort_fit(simulation.cohort, steps=2, progress=False)
    assert posterior.traits.shape == (5, 3) and posterior.item_difficulty.shape == (8,)
    assert posterior.learn_right.shape == (2,) and posterior.concept_difficulty.shape == (2,)


def test_fit_stops_early_and_keeps_the_posterior_that_validated_best():
    simulation = cohort_simulate(n_learners=8, n_items=10, n_concepts=2, answers_per_learner=10, seed=6)
    checked, checked_at, losses = [], [], iter([3.0, 1.0, 2.0, 2.5, 0.5])
    steps_run = []

    def validate(posterior: Posterior, done: int) -> float:
        checked.append(posterior.item_difficulty.clone())
        checked_at.append(done)
        return next(losses)

    posterior = cohort_fit(simulation.cohort, steps=50, progress=False, validate=validate, validate_every=3,
                           validate_from=7, patience=2, on_step=lambda done, total: steps_run.append(done))
    assert checked_at == [9, 12, 15, 18]  # from step 7 on, every 3 steps
    assert steps_run[-1] == 18  # two checks without improvement on the best: stop
    assert torch.equal(posterior.item_difficulty, checked[1])  # the best check's, not moved by later steps
    assert not torch.equal(checked[1], checked[3])


def test_fit_shorter_than_the_first_check_is_still_checked_at_its_end():
    simulation = cohort_simulate(n_learners=8, n_items=10, n_concepts=2, answers_per_learner=10, seed=6)
    checked_at = []

    def validate(posterior: Posterior, done: int) -> float:
        checked_at.append(done)
        return 1.0

    cohort_fit(simulation.cohort, steps=5, progress=False, validate=validate, validate_from=7)
    assert checked_at == [5]
